/**
 * Concept normalization by lexicon: surface forms seen in TRAINING annotations (BC5CDR train/dev
 * MeSH for chemicals and diseases, BioRED train/dev MeSH and NCBI Gene), keyed by a normalized
 * form, each mapped to the concept id it was most often annotated with.
 *
 * Normalized form (`surfaceKey`): Unicode NFKC, Greek letters spelled out (`α` → `alpha`),
 * lowercase, split into letter/digit runs (hyphens, spaces, slashes, brackets and other
 * punctuation are all just separators, so `5-FU`, `5 FU` and `5FU` meet), each run singularized
 * by English plural rules (`seizures` → `seizure`, `arrhythmias` → `arrhythmia`,
 * `therapies` → `therapy`), then concatenated.
 *
 * A mention is resolved in this order: its own key; when it is an abbreviation defined in the same
 * document (Schwartz & Hearst 2003: `long form (SF)`), the key of its long form; the id already
 * given to another mention of the document with the same key; else a document-local id
 * `local:<type>:<key>`, stable for every mention with that key (and for an abbreviation and its
 * long form), so document-level relation pairing still groups them.
 */
import * as fs from 'node:fs';
import { findCorpus, loadSplit } from '../../corpora/registry';
import type { Annotation, Document, Span } from '../../document/document';
import { documentAnnotations } from '../../document/document';
import { nerTypeOf, type NerType } from '../mentions/tags';
import { LOCAL_ID_PREFIX, isLocalId } from '../../document/conceptIds';

const GREEK: Record<string, string> = {
  α: 'alpha', β: 'beta', γ: 'gamma', δ: 'delta', ε: 'epsilon', ζ: 'zeta', η: 'eta', θ: 'theta', ι: 'iota', κ: 'kappa', λ: 'lambda', μ: 'mu', µ: 'mu',
  ν: 'nu', ξ: 'xi', ο: 'omicron', π: 'pi', ρ: 'rho', σ: 'sigma', ς: 'sigma', τ: 'tau', υ: 'upsilon', φ: 'phi', χ: 'chi', ψ: 'psi', ω: 'omega',
};

/** English singular of a lowercase word (only words longer than 3 letters are touched). */
export function singular(w: string): string {
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith('ies') && w.length > 4) return w.slice(0, -3) + 'y';
  if (w.endsWith('ias')) return w.slice(0, -1);
  if (/(ss|us|is|ys|as|os)$/.test(w)) return w;
  if (/(sses|xes|ches|shes|zes)$/.test(w)) return w.slice(0, -2);
  if (w.endsWith('s')) return w.slice(0, -1);
  return w;
}

/** Greek letters spelled out, lowercase. */
export function spellGreek(s: string): string {
  let out = '';
  for (const ch of s.normalize('NFKC').toLowerCase()) out += GREEK[ch] ?? ch;
  return out;
}

/** The lexicon key of a surface form (see the module comment). */
export function surfaceKey(s: string): string {
  const runs = spellGreek(s).match(/[\p{L}\p{M}]+|\p{N}+/gu) ?? [];
  return runs.map(singular).join('');
}

/** One lexicon entry: best id and how often the training data gave it. */
export interface LexiconEntry {
  id: string;
  count: number;
  /** Total annotations with this key and type (count / total = agreement). */
  total: number;
}

/** Surface key → concept id, per type. */
/**
 * What normalizeDocument asks of a vocabulary matcher (conceptMatcher.ts has the one we ship):
 * a per-document context (e.g. the species genes are read in), then one id per mention, with the
 * matching stage and any tied candidates. Declared here so the lexicon does not import it.
 */
export interface VocabularyMatcher {
  readonly options: { readonly genesVocabularyFirst?: boolean };
  context(doc: Document): unknown;
  resolve(type: NerType, text: string, long: string | undefined, ctx: unknown): { id: string; stage: NormalizationSource; candidates: string[] } | undefined;
}

export class Lexicon {
  private readonly byType = new Map<NerType, Map<string, LexiconEntry>>();
  /** The vocabulary matcher asked for what the training entries do not know (conceptMatcher.ts). */
  matcher?: VocabularyMatcher;
  /** Comment lines `#...` of the file (build provenance), kept for `toText`. */
  header: string[] = [];

  /** Every entry as [type, key, entry]. */
  *entries(): IterableIterator<[NerType, string, LexiconEntry]> {
    for (const [t, m] of this.byType) for (const [k, e] of m) yield [t, k, e];
  }

  /** Add an entry (keeps the one with the higher count). */
  set(type: NerType, key: string, e: LexiconEntry): void {
    let m = this.byType.get(type);
    if (!m) this.byType.set(type, (m = new Map()));
    const prev = m.get(key);
    if (!prev || e.count > prev.count) m.set(key, e);
  }

  /** Remove the entries `drop` selects; returns how many. */
  deleteWhere(drop: (type: NerType, key: string, e: LexiconEntry) => boolean): number {
    let n = 0;
    for (const [t, m] of this.byType) for (const [k, e] of m) if (drop(t, k, e) && m.delete(k)) n++;
    return n;
  }

  /** The entry of a normalized key, if any. */
  get(type: NerType, key: string): LexiconEntry | undefined {
    return this.byType.get(type)?.get(key);
  }

  /** Entries per type. */
  get size(): number {
    let n = 0;
    for (const m of this.byType.values()) n += m.size;
    return n;
  }

  /** Build from annotated training documents: for each (type, key), the majority id. */
  static fromDocuments(docs: Iterable<Document>): Lexicon {
    const votes = new Map<string, Map<string, number>>();
    for (const d of docs) {
      for (const a of documentAnnotations(d)) {
        const t = nerTypeOf(a.type);
        if (!t || a.ids.length === 0) continue;
        const k = `${t}\t${surfaceKey(a.text)}`;
        if (k.endsWith('\t')) continue;
        const id = a.ids.join('|');
        const v = votes.get(k) ?? new Map<string, number>();
        v.set(id, (v.get(id) ?? 0) + 1);
        votes.set(k, v);
      }
    }
    const lex = new Lexicon();
    for (const [k, v] of votes) {
      const [t, key] = k.split('\t') as [NerType, string];
      let best = '';
      let bestN = 0;
      let total = 0;
      for (const [id, n] of [...v].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        total += n;
        if (n > bestN) {
          best = id;
          bestN = n;
        }
      }
      lex.set(t, key, { id: best, count: bestN, total });
    }
    return lex;
  }

  /** TSV lines `type<TAB>key<TAB>id<TAB>count<TAB>total`, sorted. */
  toText(): string {
    const lines: string[] = [];
    for (const [t, m] of this.byType) for (const [k, e] of m) lines.push(`${t}\t${k}\t${e.id}\t${e.count}\t${e.total}`);
    return [...this.header, ...lines.sort()].join('\n') + '\n';
  }

  static fromText(text: string, source = 'lexicon'): Lexicon {
    const lex = new Lexicon();
    text.split('\n').forEach((line, i) => {
      if (!line) return;
      if (line.startsWith('#')) {
        lex.header.push(line);
        return;
      }
      const [t, key, id, count, total] = line.split('\t');
      if (!t || key === undefined || !id || !nerTypeOf(t)) throw new Error(`${source}:${i + 1}: expected "type<TAB>key<TAB>id<TAB>count<TAB>total"`);
      lex.set(t as NerType, key, { id, count: Number(count), total: Number(total) });
    });
    return lex;
  }

  save(file: string): void {
    fs.writeFileSync(file, this.toText());
  }

  static load(file: string): Lexicon {
    return Lexicon.fromText(fs.readFileSync(file, 'utf8'), file);
  }
}

// ---------------------------------------------------------------------------------- abbreviations

/** An abbreviation definition `long form (SF)` found in a text. Spans are relative to the text plus `base`. */
export interface Abbreviation {
  short: string;
  long: string;
  shortSpan: Span;
  longSpan: Span;
}

const isAlnum = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}]/u.test(c);

/**
 * Schwartz & Hearst's best long form: match the short form's characters right to left in the
 * candidate, the first character of the short form at the start of a word. Returns the offset in
 * `candidate` where the long form starts, or -1.
 */
export function bestLongFormStart(short: string, candidate: string): number {
  let s = short.length - 1;
  let l = candidate.length - 1;
  const lower = (c: string): string => c.toLowerCase();
  while (s >= 0) {
    const c = lower(short[s]!);
    if (!isAlnum(c)) {
      s--;
      continue;
    }
    while (l >= 0 && (lower(candidate[l]!) !== c || (s === 0 && l > 0 && isAlnum(candidate[l - 1])))) l--;
    if (l < 0) return -1;
    l--;
    s--;
  }
  return candidate.lastIndexOf(' ', l) + 1;
}

/** Abbreviation definitions `long form (SF)` in `text` (one sentence or passage). */
export function findAbbreviations(text: string, base = 0): Abbreviation[] {
  const out: Abbreviation[] = [];
  const re = /\(([^()]{1,20})\)/g;
  for (const m of text.matchAll(re)) {
    let short = m[1]!.trim();
    // "(SF; other words)" / "(SF, ...)": the short form is the first part.
    short = short.split(/[;,]\s/)[0]!.trim();
    const words = short.split(/\s+/);
    if (words.length > 2 || short.length < 2 || short.length > 10 || !/\p{L}/u.test(short) || !isAlnum(short[0])) continue;
    const open = m.index;
    const before = text.slice(0, open).replace(/\s+$/, '');
    // At most min(|SF| + 5, 2·|SF|) words before the parenthesis.
    const maxWords = Math.min(short.length + 5, 2 * short.length);
    const tail = before.split(/\s+/).slice(-maxWords).join(' ');
    const candStart = before.length - tail.length;
    if (candStart < 0 || before.slice(candStart) !== tail) continue;
    const at = bestLongFormStart(short, tail);
    if (at < 0) continue;
    const long = tail.slice(at);
    if (long.length <= short.length || long.toLowerCase().includes(short.toLowerCase() + ' ')) continue;
    const sfStart = open + 1 + m[1]!.indexOf(short);
    out.push({ short, long, shortSpan: { start: base + sfStart, end: base + sfStart + short.length }, longSpan: { start: base + candStart + at, end: base + candStart + at + long.length } });
  }
  return out;
}

// ---------------------------------------------------------------------------------- normalizing a document

/** How a mention got its id (recorded as the annotation attribute `normalization`). */
export type NormalizationSource = 'lexicon' | 'abbreviation' | 'vocabulary' | 'variant' | 'fuzzy' | 'document' | 'local';

// Document-local ids (document/conceptIds.ts), re-exported for the callers of normalization.
export { LOCAL_ID_PREFIX, isLocalId };

/**
 * Give ids to the mentions of `doc` that have none (mentions of types the tagger does not know
 * are left alone). Mutates the annotations; returns how many got an id from each source.
 */
export function normalizeDocument(doc: Document, lexicon: Lexicon, options: { overwrite?: boolean } = {}): Record<NormalizationSource, number> {
  const counts: Record<NormalizationSource, number> = { lexicon: 0, abbreviation: 0, vocabulary: 0, variant: 0, fuzzy: 0, document: 0, local: 0 };
  const abbreviations = new Map<string, string>();
  for (const p of doc.passages) for (const a of findAbbreviations(p.text, p.offset)) if (!abbreviations.has(a.short)) abbreviations.set(a.short, a.long);
  const mentions = documentAnnotations(doc).filter((a) => nerTypeOf(a.type) && (options.overwrite || a.ids.length === 0));
  const resolved = new Map<string, string>();
  let context: unknown;
  // The vocabulary matcher (when the lexicon has one): what the training entries do not know.
  const fromVocabulary = (a: Annotation, t: NerType, long: string | undefined): [string, NormalizationSource] | undefined => {
    if (!lexicon.matcher) return undefined;
    context ??= lexicon.matcher.context(doc);
    const m = lexicon.matcher.resolve(t, a.text.trim(), long, context);
    if (!m) return undefined;
    if (m.candidates.length) a.attributes['candidates'] = m.candidates.join('|');
    return [m.id, m.stage];
  };
  const resolve = (a: Annotation): [string, NormalizationSource] | undefined => {
    const t = nerTypeOf(a.type)!;
    const long = abbreviations.get(a.text.trim());
    if (t === 'Gene' && lexicon.matcher?.options.genesVocabularyFirst) {
      const v = fromVocabulary(a, t, long);
      if (v) return v;
    }
    const key = surfaceKey(a.text);
    const hit = lexicon.get(t, key);
    if (hit) return [hit.id, 'lexicon'];
    if (long) {
      const lk = surfaceKey(long);
      const viaLong = lexicon.get(t, lk);
      if (viaLong) return [viaLong.id, 'abbreviation'];
    }
    return fromVocabulary(a, t, long);
  };
  // First pass: lexicon and abbreviations; second: share ids within the document, else local.
  const pending: Annotation[] = [];
  for (const a of mentions) {
    const r = resolve(a);
    if (!r) {
      pending.push(a);
      continue;
    }
    a.ids = r[0].split('|');
    a.attributes['normalization'] = r[1];
    counts[r[1]]++;
    resolved.set(`${nerTypeOf(a.type)}\t${surfaceKey(a.text)}`, r[0]);
  }
  for (const a of pending) {
    const t = nerTypeOf(a.type)!;
    const long = abbreviations.get(a.text.trim());
    const key = surfaceKey(long ?? a.text) || surfaceKey(a.text) || a.text;
    const known = resolved.get(`${t}\t${key}`);
    if (known) {
      a.ids = known.split('|');
      a.attributes['normalization'] = 'document';
      counts.document++;
      continue;
    }
    a.ids = [`${LOCAL_ID_PREFIX}${t}:${key}`];
    a.attributes['normalization'] = 'local';
    counts.local++;
  }
  return counts;
}

/** Default lexicon sources: the training and development splits that carry concept ids. */
export const LEXICON_SOURCES = 'bc5cdr:train,bc5cdr:dev,biored:train,biored:dev';

/** Build the lexicon from `corpus:split` sources (test splits refused; leak guard on). */
export async function buildTrainingLexicon(sources = LEXICON_SOURCES): Promise<{ lexicon: Lexicon; documents: number; sources: string[] }> {
  const docs: Document[] = [];
  const names: string[] = [];
  for (const item of sources.split(',')) {
    const [corpus, split = 'train'] = item.split(':') as [string, string | undefined];
    const sp = findCorpus(corpus)?.splits.find((x) => x.name === split);
    if (!sp) throw new Error(`unknown source ${item}`);
    if (sp.protectedTest || sp.role === 'test') throw new Error(`${item} is a held-out test split and may not feed the lexicon`);
    docs.push(...(await loadSplit(corpus, split)).documents);
    names.push(`${corpus}:${split}`);
  }
  return { lexicon: Lexicon.fromDocuments(docs), documents: docs.length, sources: names };
}
