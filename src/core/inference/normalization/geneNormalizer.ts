/**
 * Gene normalization against NCBI Gene (human and mouse): symbol and alias lookup, case-aware, with
 * the species taken from the document.
 *
 * - Case: a symbol or alias matches a mention spelled with the same letters in the same case
 *   (separators and Greek letters aside). A case-insensitive match is allowed only when the
 *   mention is not an ordinary lowercase word (it has a capital or a digit, e.g. `p53`, `Il6`):
 *   symbols such as `CAT`, `MAX` or `SET` are words in lowercase. Full names and other
 *   designations match case-insensitively by surface key.
 * - Species: the document's own words decide (`mice`/`murine` → mouse, `rats` → rat, else
 *   human); a gene then takes an id of that species when the vocabulary has one. There is no rat
 *   vocabulary, so `ratPolicy` says what a rat document gets (chosen on BioRED dev).
 * - Ambiguity is reported, not hidden: the other ids that tie with the chosen one go into the
 *   annotation attribute `candidates`.
 */
import { surfaceKey } from './lexicon';
import { SOURCE_RANK, caseKey, type VocabularyEntry } from './vocabularyLexicon';

/** The species a document is about. */
export type Species = 'human' | 'mouse' | 'rat';

/** NCBI taxon of each species with a vocabulary. */
export const TAXON: Readonly<Record<Species, string>> = { human: '9606', mouse: '10090', rat: '10116' };

const SPECIES_WORDS: readonly [Species, RegExp][] = [
  ['human', /\b(?:humans?|patients?|m[ae]n|wom[ae]n|child(?:ren)?|infants?|individuals|people|volunteers|families|probands?)\b/gi],
  ['mouse', /\b(?:mouse|mice|murine)\b/gi],
  ['rat', /\b(?:rats?)\b/gi],
];

/**
 * Species of a document from its words: the most mentioned of human, mouse, rat; human by default.
 * With `animalWinsTies`, a mouse or rat count equal to the human one wins (an animal study
 * mentions humans in passing more often than a human study mentions animals).
 */
export function documentSpecies(text: string, animalWinsTies = false): { species: Species; counts: Record<Species, number> } {
  const counts = { human: 0, mouse: 0, rat: 0 } as Record<Species, number>;
  for (const [s, re] of SPECIES_WORDS) counts[s] = text.match(re)?.length ?? 0;
  let species: Species = 'human';
  const beats = (n: number, m: number): boolean => n > m || (animalWinsTies && n > 0 && n === m);
  if (beats(counts.mouse, counts[species])) species = 'mouse';
  if (counts.rat > counts[species] || (species === 'human' && beats(counts.rat, counts.human))) species = 'rat';
  return { species, counts };
}

interface GeneCandidate {
  id: string;
  taxon: string;
  rank: number;
  proteinCoding: boolean;
  symbolLike: boolean;
}

/** What to do in a rat document (no rat vocabulary): take the mouse or human id, or give no id. */
export type RatPolicy = 'mouse' | 'human' | 'none';

/** Knobs of the gene lookup (chosen on BioRED dev; see conceptMatcher.ts). */
export interface GeneOptions {
  ratPolicy: RatPolicy;
  /** In a human document, a mention spelled as a mouse symbol (and no human one) is a mouse gene. */
  mouseCaseHint: boolean;
  /** When the name is known only for the other species, take that gene's same-symbol ortholog. */
  orthologBySymbol: boolean;
}

export const DEFAULT_GENE_OPTIONS: GeneOptions = { ratPolicy: 'none', mouseCaseHint: true, orthologBySymbol: true };

/** Result of a gene lookup. */
export interface GeneMatch {
  id: string;
  /** Other ids that tied with `id` (the ambiguity), sorted. */
  candidates: string[];
  /** Species of the chosen id. */
  taxon: string;
}

/** Case-aware index of gene names. */
export class GeneIndex {
  private readonly byCase = new Map<string, GeneCandidate[]>();
  private readonly byKey = new Map<string, GeneCandidate[]>();
  /** Official symbol of each gene, and genes by `taxon:lowercase symbol` (orthologs by symbol). */
  private readonly symbolOf = new Map<string, string>();
  private readonly bySymbol = new Map<string, string>();

  /** Add a vocabulary entry of type Gene. */
  add(e: VocabularyEntry): void {
    const [taxon = '', geneType = ''] = e.note.split(':');
    const symbolLike = e.source === 'gene.symbol' || e.source === 'gene.alias';
    const c: GeneCandidate = { id: e.id, taxon, rank: SOURCE_RANK[e.source], proteinCoding: geneType === 'protein-coding', symbolLike };
    const push = (m: Map<string, GeneCandidate[]>, k: string): void => {
      if (!k) return;
      const l = m.get(k);
      if (!l) m.set(k, [c]);
      else if (!l.some((x) => x.id === c.id && x.rank >= c.rank)) l.push(c);
    };
    if (e.source === 'gene.symbol') {
      this.symbolOf.set(e.id, e.term);
      const k = `${taxon}:${e.term.toLowerCase()}`;
      if (!this.bySymbol.has(k)) this.bySymbol.set(k, e.id);
    }
    if (symbolLike) push(this.byCase, caseKey(e.term));
    push(this.byKey, surfaceKey(e.term));
  }

  /** Candidates for a mention's text (case rules in the module comment). */
  candidates(text: string): GeneCandidate[] {
    const exact = this.byCase.get(caseKey(text)) ?? [];
    const wordLike = !/[\p{Lu}\p{N}]/u.test(text);
    const byKey = (this.byKey.get(surfaceKey(text)) ?? []).filter((c) => !c.symbolLike || !wordLike);
    // Exact-case symbol matches first, then the rest.
    const out = [...exact.map((c) => ({ ...c, rank: c.rank + 10 }))];
    for (const c of byKey) if (!out.some((x) => x.id === c.id)) out.push(c);
    return out;
  }

  /** The id for `text` in a document about `species`, or undefined. */
  resolve(text: string, species: Species, o: GeneOptions = DEFAULT_GENE_OPTIONS): GeneMatch | undefined {
    const cands = this.candidates(text);
    if (cands.length === 0) return undefined;
    let want: string | undefined = TAXON[species];
    if (species === 'rat') want = o.ratPolicy === 'none' ? undefined : TAXON[o.ratPolicy];
    if (want === undefined) return undefined;
    // Mouse nomenclature (`Sox2`, `Trp53`: a capital, then lowercase) matching a mouse symbol or
    // alias case-exactly and no human one (`p53` stays human: human texts write it so).
    if (o.mouseCaseHint && want === TAXON.human && /^\p{Lu}\p{Ll}/u.test(text)) {
      const exact = cands.filter((c) => c.rank >= 10 && c.symbolLike);
      if (exact.length && exact.every((c) => c.taxon === TAXON.mouse)) want = TAXON.mouse;
    }
    let pool = cands.filter((c) => c.taxon === want);
    // Human text naming a gene only the mouse vocabulary knows (and the reverse): take it.
    if (pool.length === 0) pool = cands;
    const score = (c: GeneCandidate): number => c.rank * 2 + (c.proteinCoding ? 1 : 0);
    const best = Math.max(...pool.map(score));
    const top = [...new Set(pool.filter((c) => score(c) === best).map((c) => c.id))].sort((a, b) => Number(a) - Number(b));
    let id = top[0]!;
    let taxon = pool.find((c) => c.id === id)!.taxon;
    // The name is known only for the other species: its ortholog by official symbol
    // (ADIPOQ ~ Adipoq), which the vocabulary has although it lacks the name for it.
    if (o.orthologBySymbol && taxon !== want) {
      const sym = this.symbolOf.get(id);
      const other = sym === undefined ? undefined : this.bySymbol.get(`${want}:${sym.toLowerCase()}`);
      if (other !== undefined) {
        id = other;
        taxon = want;
      }
    }
    return { id, candidates: top.filter((x) => x !== id), taxon };
  }
}
