/**
 * Matching a mention against the vocabulary half of the lexicon (`vocabularyLexicon.ts`), for the
 * mentions the training-annotation lexicon does not know. Stages, each tried on the abbreviation's
 * long form (when the mention is an abbreviation defined in the document) before the mention
 * itself, the first that gives an id wins:
 *
 * 1. exact: the surface key (case, hyphens, spaces, plurals, Greek letters; see `surfaceKey`)
 *    against every name's keys, including the natural order of MeSH's `X, Y` names;
 * 2. variant: British spellings made American (`anaemia`); coordinations split into their
 *    conjuncts, each with the shared head (`cocaine or amphetamine abuse` → two ids); rewrites
 *    toward MeSH's wording (`renal toxicity` → `kidney disease`, `bupropion HCl` → `bupropion`;
 *    `nameRewrites.ts`); and (off by default) leading modifier words dropped ("severe
 *    hepatotoxicity" → "hepatotoxicity");
 * 3. fuzzy: character 3-gram TF-IDF cosine over the names of the mention's type, best name if its
 *    cosine reaches the type's threshold (`fuzzyChemical`, `fuzzyDisease`, chosen on BC5CDR dev).
 *
 * Type constraint: a mention is only matched against names of its own type (so a chemical never
 * gets a C-tree-only descriptor). Among several concepts for one key, the best source wins
 * (`SOURCE_RANK`), then a concept the training annotations used, then the smallest id; the others
 * are reported as `candidates`. Genes go to `GeneIndex` (case and species rules).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CharNgramIndex } from './fuzzyMatch';
import { chemicalRewrites, diseaseRewrites } from './nameRewrites';
import { GeneIndex, documentSpecies, type RatPolicy, type Species } from './geneNormalizer';
import { Lexicon, surfaceKey } from './lexicon';
import type { Document } from '../../document/document';
import { documentText } from '../../document/document';
import type { NerType } from '../mentions/tags';
import { SOURCE_RANK, VOCABULARY_FILE, descriptorNumber, loadVocabularyFile, termKeys, type VocabularyFile, type VocabularySource } from './vocabularyLexicon';

/** Knobs of the matcher; the defaults were chosen on dev (see `DEFAULT_MATCHER_OPTIONS`). */
export interface MatcherOptions {
  /** Minimum cosine of the fuzzy step for chemicals; > 1 turns it off. */
  fuzzyChemical: number;
  /** The same for diseases. */
  fuzzyDisease: number;
  /** Try the mention without its leading words (stage 2). */
  dropModifiers: boolean;
  /** Descriptors newer than the MeSH epoch with no same-name SCR: keep their 2024 id, or give none. */
  epochPolicy: 'keep' | 'drop';
  /** Let a bare mention match MeSH names tagged as abbreviations (`ALL`, `MI`). */
  abbreviationTerms: boolean;
  /** Rat documents (no rat vocabulary). */
  ratPolicy: RatPolicy;
  /** Genes: ask the vocabulary before the training lexicon (species-aware) rather than after. */
  genesVocabularyFirst: boolean;
  /** Genes: a mouse-style symbol (`Sox2`) in a human document is the mouse gene. */
  mouseCaseHint: boolean;
  /** Genes: a name known only for the other species gives that gene's same-symbol ortholog. */
  orthologBySymbol: boolean;
  /** Species: a mouse or rat word count equal to the human one makes an animal document. */
  animalWinsTies: boolean;
  /** Stage 2 also tries British spellings made American (`anaemia`, `oedema`, `tumour`). */
  britishSpelling: boolean;
  /**
   * Stage 2 also splits coordinations (`cocaine or amphetamine abuse`) into one id per conjunct;
   * for genes, numbered members (`ERK1/2`).
   */
  composites: boolean;
  /** Stage 2 also tries disease rewrites: organ nouns, MeSH's head words, nouns of adjectives (`nameRewrites.ts`). */
  diseaseRewrites: boolean;
  /** Stage 2 also tries chemical rewrites: without salt words, anions as acids (`nameRewrites.ts`). */
  chemicalRewrites: boolean;
  /**
   * The epoch rule for the training lexicon too: an entry whose id is a descriptor newer than the
   * epoch (BioRED was annotated with 2021 MeSH) is left to the vocabulary, which prefers an SCR
   * of the same name and otherwise follows `epochPolicy`.
   */
  lexiconEpoch: boolean;
}

/**
 * Defaults, chosen with `biore ner normalization-dev` (lexicon from training splits only, gold
 * mentions of BC5CDR dev for chemicals and diseases, BioRED dev for genes); see docs/results.md.
 */
export const DEFAULT_MATCHER_OPTIONS: MatcherOptions = {
  fuzzyChemical: 0.9,
  fuzzyDisease: 0.7,
  dropModifiers: false,
  epochPolicy: 'drop',
  abbreviationTerms: true,
  ratPolicy: 'none',
  genesVocabularyFirst: true,
  mouseCaseHint: true,
  orthologBySymbol: true,
  animalWinsTies: false,
  britishSpelling: true,
  composites: true,
  diseaseRewrites: true,
  chemicalRewrites: true,
  lexiconEpoch: true,
};

/** How the vocabulary matched. */
export type MatchStage = 'vocabulary' | 'variant' | 'fuzzy';

/** A match: the id, the stage, and the other ids that tied (ambiguity). */
export interface ConceptMatch {
  id: string;
  stage: MatchStage;
  candidates: string[];
}

/** Per-document context for matching (species for genes). */
export interface MatchContext {
  species: Species;
}

interface Candidate {
  id: string;
  rank: number;
  scr: boolean;
}

/** Vocabulary lookup for chemicals, diseases (MeSH) and genes (NCBI Gene). */
export class ConceptMatcher {
  readonly options: MatcherOptions;
  readonly epoch: number;
  private readonly byKey = new Map<NerType, Map<string, Candidate[]>>();
  private readonly fuzzy = new Map<NerType, { index: CharNgramIndex; names: Candidate[] }>();
  private readonly genes = new GeneIndex();
  private readonly trained: ReadonlySet<string>;

  /** @param trainedIds ids the training annotations used (`type<TAB>id`), preferred on ties. */
  constructor(vocabulary: VocabularyFile, options: Partial<MatcherOptions> = {}, trainedIds: ReadonlySet<string> = new Set()) {
    this.options = { ...DEFAULT_MATCHER_OPTIONS, ...options };
    this.epoch = vocabulary.epoch;
    this.trained = trainedIds;
    for (const e of vocabulary.entries) {
      if (e.type === 'Gene') {
        this.genes.add(e);
        continue;
      }
      const c: Candidate = { id: e.id, rank: SOURCE_RANK[e.source], scr: e.source === 'scr.name' };
      let m = this.byKey.get(e.type);
      if (!m) this.byKey.set(e.type, (m = new Map()));
      for (const k of termKeys(e.term)) {
        const l = m.get(k);
        if (!l) m.set(k, [c]);
        else {
          const prev = l.find((x) => x.id === c.id);
          if (!prev) l.push(c);
          else if (prev.rank < c.rank) prev.rank = c.rank;
        }
      }
      if (this.fuzzyThreshold(e.type) <= 1 && e.source !== 'mesh.abbr') {
        let f = this.fuzzy.get(e.type);
        if (!f) this.fuzzy.set(e.type, (f = { index: new CharNgramIndex(3), names: [] }));
        f.index.add(e.term);
        f.names.push(c);
      }
    }
    for (const f of this.fuzzy.values()) f.index.finish();
  }

  private fuzzyThreshold(type: NerType): number {
    return type === 'Chemical' ? this.options.fuzzyChemical : this.options.fuzzyDisease;
  }

  /** Context of a document from its text (species for genes). */
  context(doc: Document): MatchContext {
    return { species: documentSpecies(documentText(doc), this.options.animalWinsTies).species };
  }

  /** Among candidates, the best (rank, then trained, then id) and the ties; epoch rule applied. */
  private choose(type: NerType, cands: readonly Candidate[], allowAbbreviations: boolean): { id: string; candidates: string[] } | undefined {
    const pool = allowAbbreviations ? cands : cands.filter((c) => c.rank !== SOURCE_RANK['mesh.abbr']);
    if (pool.length === 0) return undefined;
    const score = (c: Candidate): number => c.rank * 2 + (this.trained.has(`${type}\t${c.id}`) ? 1 : 0);
    const sorted = [...pool].sort((a, b) => score(b) - score(a) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    let best = sorted[0]!;
    // MeSH drift: a descriptor newer than the training annotations may have been an SCR then.
    if (descriptorNumber(best.id) > this.epoch && this.epoch > 0) {
      const scr = sorted.find((c) => c.scr);
      if (scr) best = scr;
      else if (this.options.epochPolicy === 'drop') return undefined;
    }
    const ties = sorted.filter((c) => c !== best && score(c) === score(best)).map((c) => c.id);
    return { id: best.id, candidates: ties };
  }

  private exact(type: NerType, text: string, allowAbbreviations: boolean): { id: string; candidates: string[] } | undefined {
    const l = this.byKey.get(type)?.get(surfaceKey(text));
    return l ? this.choose(type, l, allowAbbreviations) : undefined;
  }

  /** The vocabulary's id for a chemical or disease mention (`long`: its long form, if an abbreviation). */
  private resolveMesh(type: NerType, text: string, long: string | undefined): ConceptMatch | undefined {
    const forms = long ? [long, text] : [text];
    const abbr = (f: string): boolean => f === text && this.options.abbreviationTerms;
    for (const f of forms) {
      const r = this.exact(type, f, abbr(f));
      if (r) return { ...r, stage: 'vocabulary' };
    }
    if (this.options.britishSpelling) {
      for (const f of forms) {
        const us = americanSpelling(f);
        const r = us === f ? undefined : this.exact(type, us, false);
        if (r) return { ...r, stage: 'variant' };
      }
    }
    if (this.options.composites) {
      for (const f of forms) {
        const parts = conjuncts(f);
        if (parts.length < 2) continue;
        const ids: string[] = [];
        for (const alternatives of parts) {
          let r;
          for (const p of alternatives) {
            r = this.exact(type, p, false) ?? (this.options.britishSpelling ? this.exact(type, americanSpelling(p), false) : undefined);
            if (r) break;
          }
          if (r && !ids.includes(r.id)) ids.push(r.id);
        }
        if (ids.length) return { id: ids.join('|'), stage: 'variant', candidates: [] };
      }
    }
    const rewrite = type === 'Disease' ? this.options.diseaseRewrites && diseaseRewrites : type === 'Chemical' ? this.options.chemicalRewrites && chemicalRewrites : false;
    if (rewrite) {
      for (const f of forms) {
        for (const x of rewrite(this.options.britishSpelling ? americanSpelling(f) : f)) {
          const r = this.exact(type, x, false);
          if (r) return { ...r, stage: 'variant' };
        }
      }
    }
    if (this.options.dropModifiers) {
      for (const f of forms) {
        const words = f.trim().split(/\s+/);
        for (let i = 1; i < words.length; i++) {
          const rest = words.slice(i).join(' ');
          if (surfaceKey(rest).length < 4) break;
          const r = this.exact(type, rest, false);
          if (r) return { ...r, stage: 'variant' };
        }
      }
    }
    const fz = this.fuzzy.get(type);
    if (fz) {
      for (const f of forms) {
        if (surfaceKey(f).length < 4) continue;
        const hits = fz.index.query(f, this.fuzzyThreshold(type), 8);
        if (hits.length === 0) continue;
        const top = hits[0]!.score;
        const cands = hits.filter((h) => h.score >= top - 1e-6).map((h) => fz.names[h.index]!);
        const r = this.choose(type, cands, false);
        if (r) return { ...r, stage: 'fuzzy' };
      }
    }
    return undefined;
  }

  /** The vocabulary's id for a mention, or undefined. */
  resolve(type: NerType, text: string, long: string | undefined, ctx: MatchContext): ConceptMatch | undefined {
    if (type !== 'Gene') return this.resolveMesh(type, text, long);
    for (const f of long ? [long, text] : [text]) {
      const g = this.genes.resolve(f, ctx.species, this.options);
      if (g) return { id: g.id, stage: 'vocabulary', candidates: g.candidates };
    }
    if (this.options.composites) {
      const parts = numberedConjuncts(text);
      const ids: string[] = [];
      for (const p of parts) {
        const g = this.genes.resolve(p, ctx.species, this.options);
        if (g && !ids.includes(g.id)) ids.push(g.id);
      }
      if (ids.length) return { id: ids.join('|'), stage: 'variant', candidates: [] };
    }
    return undefined;
  }
}

/** British spellings made American, word by word (`haemorrhage` → `hemorrhage`, `tumour` → `tumor`). */
export function americanSpelling(s: string): string {
  return s.replace(/\p{L}+/gu, (w) =>
    w
      .replace(/(.)ae/gu, '$1e')
      .replace(/(.)oe(?!s)/gu, '$1e')
      .replace(/^Oe/u, 'E')
      .replace(/^oe/u, 'e')
      .replace(/(..)our(s?)$/u, '$1or$2'),
  );
}

/**
 * The conjuncts of a coordinated mention, each as its alternatives: a one-word conjunct first with
 * the shared head word, then alone (`cocaine or amphetamine abuse` → [[`cocaine abuse`,
 * `cocaine`], [`amphetamine abuse`]]; `neoplasms and depressive disorder` → `neoplasms` found
 * alone); a mention without `and`/`or` → [].
 */
export function conjuncts(s: string): string[][] {
  if (!/\s(?:and|or|and\/or)\s/i.test(s)) return [];
  const parts = s.split(/\s*,\s*(?:and\s+|or\s+)?|\s+(?:and\/or|and|or)\s+/i).map((p) => p.trim()).filter((p) => p.length > 0);
  if (parts.length < 2) return [];
  const lastWords = parts[parts.length - 1]!.split(/\s+/);
  const head = lastWords.length > 1 ? lastWords[lastWords.length - 1]! : '';
  return parts.map((p, i) => (i < parts.length - 1 && head && p.split(/\s+/).length === 1 ? [`${p} ${head}`, p] : [p]));
}

/**
 * Numbered members written together (`ERK1/2`, `caspase-3/7`, `MMP-2/-9`, `TIM-1 and 3`) → each
 * member's name (`ERK1`, `ERK2`); [] for anything else.
 */
export function numberedConjuncts(s: string): string[] {
  const m = /^(.*?\p{L})([-\s]?)(\d+[A-Za-z]?)\s*(?:\/|,|\s(?:and|or)\s)\s*-?(\d+[A-Za-z]?)$/u.exec(s.trim());
  if (!m) return [];
  const [, base = '', sep = '', a = '', b = ''] = m;
  return [`${base}${sep}${a}`, `${base}${sep}${b}`];
}

/** Sources a matcher stage may report, for the annotation attribute `normalization`. */
export type { VocabularySource };

/**
 * Load a lexicon file and, when its folder holds `vocabulary.tsv.br`, the vocabulary matcher
 * behind it. What annotation time reads: the model folder only.
 */
export function loadLexicon(file: string, options: Partial<MatcherOptions> = {}): Lexicon {
  const lex = Lexicon.load(file);
  const vocab = path.join(path.dirname(file), VOCABULARY_FILE);
  if (fs.existsSync(vocab)) attachVocabulary(lex, loadVocabularyFile(vocab), options);
  return lex;
}

/** Put a matcher built from `vocabulary` behind `lexicon` (ties prefer the lexicon's ids). */
export function attachVocabulary(lexicon: Lexicon, vocabulary: VocabularyFile, options: Partial<MatcherOptions> = {}): Lexicon {
  const trained = new Set<string>();
  for (const [type, , e] of lexicon.entries()) for (const id of e.id.split('|')) trained.add(`${type}\t${id}`);
  const matcher = new ConceptMatcher(vocabulary, options, trained);
  if (matcher.options.lexiconEpoch && matcher.epoch > 0) {
    lexicon.deleteWhere((type, _key, e) => type !== 'Gene' && e.id.split('|').some((id) => descriptorNumber(id) > matcher.epoch));
  }
  lexicon.matcher = matcher;
  return lexicon;
}
