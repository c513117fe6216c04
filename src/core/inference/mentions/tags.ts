/**
 * The mention tag scheme: BIO over three entity types, and its decoding.
 *
 * Why BIO and not spans: a per-token softmax over 7 labels is what a word CNN computes cheaply,
 * the corpora's mentions are flat (nested mentions are rare and the corpora disagree on them
 * anyway), and the partial-label loss that lets a corpus supervise only its own types is natural
 * on token labels (a token tagged O by NCBI-disease may still be a chemical or a gene).
 *
 * Decoding is a constrained Viterbi over the per-token log-probabilities: `I-X` may only follow
 * `B-X` or `I-X`. The network has no learned transitions (it is not a CRF); the constraint alone
 * repairs the argmax sequences that a greedy decoder would have to patch (an orphan `I-X`, or
 * `B-Chemical I-Disease`), choosing the best-scoring valid sequence instead.
 */
import type { Span } from '../../document/document';

/** The entity types the tagger knows, in label order. */
export const NER_TYPES = ['Chemical', 'Gene', 'Disease'] as const;
export type NerType = (typeof NER_TYPES)[number];

/** Labels: O, then B-/I- per type (label 1 + 2t is B of type t, 2 + 2t is I). */
export const NER_LABELS: readonly string[] = ['O', ...NER_TYPES.flatMap((t) => [`B-${t}`, `I-${t}`])];

/** Label index of B-type / I-type. */
export const beginLabel = (t: number): number => 1 + 2 * t;
export const insideLabel = (t: number): number => 2 + 2 * t;
/** Type index of a B/I label, -1 for O. */
export const labelType = (label: number): number => (label === 0 ? -1 : (label - 1) >> 1);
export const isInside = (label: number): boolean => label > 0 && label % 2 === 0;

/**
 * The tagger's type for a source annotation type, or undefined when the type is not tagged
 * (species, variants, cell lines, ...). Covers BC5CDR, BioRED, DrugProt/ChemProt, DDI and the
 * BioBERT NER sets (whose loader names the type Gene or Disease).
 */
export function nerTypeOf(sourceType: string): NerType | undefined {
  const t = sourceType.toLowerCase();
  if (t === 'chemical' || t === 'chemicalentity' || t === 'drug' || t === 'drug_n' || t === 'brand' || t === 'group') return 'Chemical';
  if (t === 'disease' || t === 'diseaseorphenotypicfeature' || t === 'diseaseclass' || t === 'specificdisease' || t === 'modifier' || t === 'compositemention') return 'Disease';
  if (t === 'gene' || t.startsWith('gene-') || t === 'geneorgeneproduct' || t === 'protein') return 'Gene';
  return undefined;
}

/** A token-level mention found by decoding: token range [first, last] and type. */
export interface TokenMention {
  first: number;
  last: number;
  type: NerType;
}

/**
 * Best label sequence under the BIO constraint. `logProbs` holds T rows of NER_LABELS.length
 * log-probabilities (or any scores); labels of types outside `types` are excluded (their mass is
 * left to O by the caller, see `restrictToTypes`).
 */
export function viterbiBio(logProbs: Float32Array | readonly number[], T: number, types: readonly NerType[] = NER_TYPES): number[] {
  const C = NER_LABELS.length;
  const allowedLabel = new Uint8Array(C);
  allowedLabel[0] = 1;
  for (const t of types) {
    const k = NER_TYPES.indexOf(t);
    allowedLabel[beginLabel(k)] = 1;
    allowedLabel[insideLabel(k)] = 1;
  }
  const valid = (prev: number, cur: number): boolean => !isInside(cur) || (prev > 0 && labelType(prev) === labelType(cur));
  if (T === 0) return [];
  let score = new Float64Array(C).fill(-Infinity);
  const back: Int32Array[] = [];
  for (let c = 0; c < C; c++) if (allowedLabel[c] && !isInside(c)) score[c] = logProbs[c]!;
  for (let t = 1; t < T; t++) {
    const next = new Float64Array(C).fill(-Infinity);
    const bp = new Int32Array(C);
    for (let c = 0; c < C; c++) {
      if (!allowedLabel[c]) continue;
      let best = -Infinity;
      let arg = 0;
      for (let p = 0; p < C; p++) {
        if (score[p] === -Infinity || !valid(p, c)) continue;
        if (score[p]! > best) {
          best = score[p]!;
          arg = p;
        }
      }
      if (best === -Infinity) continue;
      next[c] = best + logProbs[t * C + c]!;
      bp[c] = arg;
    }
    back.push(bp);
    score = next;
  }
  let last = 0;
  for (let c = 1; c < C; c++) if (score[c]! > score[last]!) last = c;
  const out = new Array<number>(T);
  out[T - 1] = last;
  for (let t = T - 1; t > 0; t--) out[t - 1] = back[t - 1]![out[t]!]!;
  return out;
}

/**
 * Log-probabilities from logits [T, C], with the mass of labels of types outside `types` moved
 * to O (a token the model calls a gene is "not a disease" when only diseases are wanted).
 */
export function restrictToTypes(logits: Float32Array, offset: number, T: number, types: readonly NerType[] = NER_TYPES): Float32Array {
  const C = NER_LABELS.length;
  const keep = new Uint8Array(C);
  keep[0] = 1;
  for (const t of types) {
    const k = NER_TYPES.indexOf(t);
    keep[beginLabel(k)] = 1;
    keep[insideLabel(k)] = 1;
  }
  const out = new Float32Array(T * C);
  for (let t = 0; t < T; t++) {
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, logits[offset + t * C + c]!);
    let sum = 0;
    const p = new Float64Array(C);
    for (let c = 0; c < C; c++) sum += p[c] = Math.exp(logits[offset + t * C + c]! - max);
    let o = 0;
    for (let c = 0; c < C; c++) if (!keep[c] || c === 0) o += p[c]!;
    for (let c = 0; c < C; c++) out[t * C + c] = c === 0 ? Math.log(o / sum) : keep[c] ? Math.log(p[c]! / sum) : -Infinity;
  }
  return out;
}

/** Mentions of a (valid or not) label sequence; an orphan I-X starts a mention. */
export function labelsToMentions(labels: readonly number[]): TokenMention[] {
  const out: TokenMention[] = [];
  let open: TokenMention | undefined;
  labels.forEach((l, i) => {
    const t = labelType(l);
    if (l === 0) {
      open = undefined;
      return;
    }
    if (isInside(l) && open && NER_TYPES.indexOf(open.type) === t) {
      open.last = i;
      return;
    }
    open = { first: i, last: i, type: NER_TYPES[t]! };
    out.push(open);
  });
  return out;
}

/** Character span of a token mention over token spans. */
export function mentionSpan(m: TokenMention, tokens: readonly Span[]): Span {
  return { start: tokens[m.first]!.start, end: tokens[m.last]!.end };
}

/** A mention the tagger found in a document. */
export interface PredictedMention {
  span: Span;
  type: NerType;
  text: string;
  /**
   * Mean probability of the mention's tokens' labels; once the folder's score calibration is
   * applied (mentionCalibration.ts), the probability that the mention is right.
   */
  score: number;
  /** Added by document-level consistency (consistency.ts) or a mention rule, not scored by the tagger itself. */
  propagated?: boolean;
  /** The mention rule (mentionRules.ts) that added it, for its calibrated score and the hover. */
  addedByRule?: string;
}
