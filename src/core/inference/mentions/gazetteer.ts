/**
 * Dictionary features for the mention tagger: which tokens of a sentence start or continue a
 * chemical or disease name of the vocabularies (MeSH descriptors' terms, supplementary concept
 * names; `vocabulary.tsv.br`, see normalization/vocabularyLexicon.ts).
 *
 * Why: the tagger learns names from about 10,000 annotated abstracts; MeSH knows ten times as many
 * chemical and disease names, multi-word ones included ("neuroleptic malignant syndrome",
 * "tardive dyskinesia"). A dictionary match is a feature, not a decision: MeSH's entry terms
 * include common words and names BC5CDR does not annotate, and the tagger learns how far to trust
 * a match from the training data, as in the lexicon-feature CRFs and BiLSTM-CRFs of the
 * BioCreative V DNER task.
 *
 * Only vocabulary names feed it, never training annotations: a dictionary that holds every
 * training mention would be right on every training sentence and teach the tagger to trust it
 * more than it deserves on new text. Abbreviations (`mesh.abbr`) and genes are left out: two- to
 * five-letter strings name too many things.
 *
 * Matching is on the tagger's own tokens (features.ts `nerTokens`: lowercased, digits as `<num>`,
 * hyphenated compounds split), each token singularized, greedy longest match from the left;
 * MeSH's inverted `X, Y` terms also match in natural order ("Y X"). The feature value of a token is
 * its position in a match (B / I) and the types of the name (C, D or CD), or O.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import type { Document } from '../../document/document';
import { findAbbreviations, singular } from '../normalization/lexicon';
import { loadVocabularyFile, type VocabularyEntry } from '../normalization/vocabularyLexicon';
import { nerTokens, type NerToken } from './features';

/** Longest name matched, in tokens (longer MeSH terms are systematic chemical names). */
export const GAZETTEER_MAX_TOKENS = 8;

const TYPE_BITS = { Chemical: 1, Disease: 2 } as const;
const TYPE_CODES = ['', 'C', 'D', 'CD'] as const;

/** Name keys (space-joined token keys) → type bits. */
export class Gazetteer {
  constructor(
    readonly names: ReadonlyMap<string, number>,
    /** sha256 of the vocabulary file it was built from (recorded in the tagger's config.json). */
    readonly sha256: string,
    /**
     * Also tag the short forms a document defines for a dictionary name (`nitric oxide (NO)`:
     * every `NO` of the abstract), as `B-aC` …; see documentAbbreviations. Recorded in config.json
     * (`features.dictionary.abbreviations`): a tagger trained without it is fed without it.
     */
    readonly abbreviations = false,
  ) {}

  /** The same names, with or without the abbreviation tags. */
  withAbbreviations(on: boolean): Gazetteer {
    return on === this.abbreviations ? this : new Gazetteer(this.names, this.sha256, on);
  }

  /**
   * Short forms the document defines (Schwartz-Hearst, `long form (SF)`) whose long form is a
   * dictionary name, by the short form's token surfaces (case kept) → the name's type bits. Short
   * forms are what the tagger misses most among chemicals (`NO`, `NMDA`, `CM`, `SSRIs` on its
   * held-out documents), and what no dictionary lists: a document defines its own. Empty unless
   * `abbreviations` is on.
   */
  documentAbbreviations(doc: Pick<Document, 'passages'>): Map<string, number> {
    const out = new Map<string, number>();
    if (!this.abbreviations) return out;
    for (const p of doc.passages) {
      for (const a of findAbbreviations(p.text, p.offset)) {
        const key = shortFormKey(a.short);
        const long = nameKey(a.long);
        const bits = long === undefined ? undefined : this.names.get(long);
        if (key && bits && !out.has(key)) out.set(key, bits);
      }
    }
    return out;
  }

  /** Per token: `B-C`, `I-D`, `B-CD` … or `O`; with a document's abbreviations, `B-aC` … for their short forms. */
  tags(tokens: readonly Pick<NerToken, 'norm' | 'surface'>[], abbreviations?: ReadonlyMap<string, number>): string[] {
    const keys = tokens.map((t) => tokenKey(t.norm));
    const out = new Array<string>(tokens.length).fill('O');
    for (let i = 0; i < keys.length; ) {
      let found = 0;
      let bits = 0;
      let key = '';
      for (let n = 1; n <= GAZETTEER_MAX_TOKENS && i + n <= keys.length; n++) {
        key = n === 1 ? keys[i]! : `${key} ${keys[i + n - 1]!}`;
        const b = this.names.get(key);
        if (b) {
          found = n;
          bits = b;
        }
      }
      if (!found) {
        i++;
        continue;
      }
      const code = TYPE_CODES[bits]!;
      for (let k = 0; k < found; k++) out[i + k] = `${k === 0 ? 'B' : 'I'}-${code}`;
      i += found;
    }
    if (abbreviations && abbreviations.size > 0) {
      for (let i = 0; i < tokens.length; i++) {
        if (out[i] !== 'O') continue;
        let key = '';
        for (let n = 1; n <= SHORT_FORM_MAX_TOKENS && i + n <= tokens.length && out[i + n - 1] === 'O'; n++) {
          key = n === 1 ? tokens[i]!.surface : `${key} ${tokens[i + n - 1]!.surface}`;
          const bits = abbreviations.get(key);
          if (!bits) continue;
          for (let k = 0; k < n; k++) out[i + k] = `${k === 0 ? 'B' : 'I'}-a${TYPE_CODES[bits]!}`;
          i += n - 1;
          break;
        }
      }
    }
    return out;
  }
}

/** Tokens a defined short form may span (`5-HT` is two). */
const SHORT_FORM_MAX_TOKENS = 3;

function shortFormKey(short: string): string | undefined {
  const toks = nerTokens(short);
  return toks.length === 0 || toks.length > SHORT_FORM_MAX_TOKENS ? undefined : toks.map((t) => t.surface).join(' ');
}

function tokenKey(norm: string): string {
  return singular(norm);
}

/** Token keys of a name, or undefined when it cannot be a dictionary feature. */
export function nameKey(term: string): string | undefined {
  const toks = nerTokens(term);
  if (toks.length === 0 || toks.length > GAZETTEER_MAX_TOKENS) return undefined;
  // One- and two-letter names (`Ca`, `K`, `T3`'s parts) match too much running text.
  if (toks.length === 1 && toks[0]!.surface.length < 3) return undefined;
  return toks.map((t) => tokenKey(t.norm)).join(' ');
}

/** The dictionary of the chemical and disease names among vocabulary entries. */
export function buildGazetteer(entries: Iterable<Pick<VocabularyEntry, 'type' | 'source' | 'term'>>, sha256: string): Gazetteer {
  const names = new Map<string, number>();
  for (const e of entries) {
    if (e.type !== 'Chemical' && e.type !== 'Disease') continue;
    if (!e.source.startsWith('mesh.') && e.source !== 'scr.name') continue;
    if (e.source === 'mesh.abbr') continue;
    const bit = TYPE_BITS[e.type];
    const forms = [e.term];
    const parts = e.term.split(', ');
    if (parts.length === 2 && parts.every((p) => p.length > 0 && !/^[\d(]/.test(p))) forms.push(`${parts[1]} ${parts[0]}`);
    for (const f of forms) {
      const key = nameKey(f);
      if (key) names.set(key, (names.get(key) ?? 0) | bit);
    }
  }
  return new Gazetteer(names, sha256);
}

const cache = new Map<string, Gazetteer>();

/** sha256 of a file's bytes. */
export function fileSha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * The gazetteer of a vocabulary file (once per process and file content). When `expectSha256` is
 * given, a file with other content is refused: the tagger's dictionary features must come from
 * the names it was trained with.
 */
export function loadGazetteer(file: string, expectSha256?: string): Gazetteer {
  if (!fs.existsSync(file)) throw new Error(`${file}: the vocabulary file the tagger's dictionary features need is missing`);
  const sha = fileSha256(file);
  if (expectSha256 !== undefined && sha !== expectSha256) throw new Error(`${file}: sha256 ${sha.slice(0, 12)}… differs from the vocabulary the tagger was trained with (${expectSha256.slice(0, 12)}…); restore that file or retrain the tagger`);
  let g = cache.get(sha);
  if (!g) cache.set(sha, (g = buildGazetteer(loadVocabularyFile(file, { types: ['Chemical', 'Disease'] }).entries, sha)));
  return g;
}
