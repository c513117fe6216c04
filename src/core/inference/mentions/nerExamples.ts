/**
 * Documents → tagger examples: sentences (the project's splitter, per passage) cut into chunks of
 * at most `maxTokens` tokens, each token with its word id, hashed features and, for training,
 * the set of labels its corpus allows.
 *
 * Multi-corpus supervision: each corpus annotates only some types (NCBI-disease only diseases,
 * BC2GM only genes, BC5CDR chemicals and diseases, DrugProt chemicals and genes). A token inside a
 * gold mention allows exactly its B-/I- label. A token outside every gold mention allows O and
 * every label of the types its corpus does NOT annotate: NCBI-disease's O says "not a disease",
 * nothing about chemicals. The loss is the negative log of the probability mass on the allowed
 * labels (Autodiff.partialSoftmaxCrossEntropy), so no corpus teaches that another corpus's
 * entities are O. Where two corpora annotate the same type with different guidelines (BC2GM vs
 * DrugProt genes, BC5CDR vs DrugProt chemicals), both supervise it and the model learns their
 * blend; the evaluation tables per corpus show what that costs.
 */
import type { Document, Span } from '../../document/document';
import { documentAnnotations } from '../../document/document';
import { splitSentences } from '../../text/sentences';
import type { WordVocab } from '../../wordvec/wordVocab';
import { FEATURE_SLOTS, charTable, dictionaryFeature, fnv1a, nerTokens, tokenCharIds, tokenFeatures, tokenWordId, type CharScheme, type NerToken } from './features';
import type { Gazetteer } from './gazetteer';
import { NER_LABELS, NER_TYPES, beginLabel, insideLabel, labelsToMentions, nerTypeOf, type NerType, type TokenMention } from './tags';

/** One sentence chunk. */
export interface NerSentence {
  documentId: string;
  tokens: NerToken[];
}

/** A sentence chunk as model input (and, for training, targets). */
export interface NerExample {
  sentence: NerSentence;
  words: Int32Array;
  /** tokens × slots hashed feature ids (FEATURE_SLOTS, one more with a dictionary). */
  feats: Int32Array;
  /** tokens × maxChars char ids, for a tagger with a char encoder (features.ts CharScheme). */
  chars?: Uint8Array;
  /** Per token, bit k set when label k is allowed (training only). */
  allowed?: Uint8Array;
  /** Gold mentions (token ranges) of the corpus's types. */
  gold?: TokenMention[];
  /** Types the source corpus annotates (what dev decoding predicts and is scored on). */
  types: readonly NerType[];
  /** Source corpus (for per-corpus dev numbers). */
  source: string;
}

/** Sentence chunks of a document, each at most `maxTokens` tokens. */
export function documentSentences(doc: Document, maxTokens: number): NerSentence[] {
  const out: NerSentence[] = [];
  for (const p of doc.passages) {
    for (const s of splitSentences(p.text)) {
      const tokens = nerTokens(p.text.slice(s.start, s.end), p.offset + s.start);
      for (let i = 0; i < tokens.length; i += maxTokens) out.push({ documentId: doc.id, tokens: tokens.slice(i, i + maxTokens) });
    }
  }
  return out;
}

/** What encoding needs: vocabulary, feature buckets, sentence cut, and the char scheme when the tagger reads characters. */
export interface NerEncodeOptions {
  vocab: WordVocab;
  buckets: number;
  maxTokens: number;
  chars?: CharScheme | undefined;
  /** Adds the dictionary slot (features.ts DICTIONARY_FEATURE_SCHEME), for a tagger trained with one. */
  gazetteer?: Gazetteer | undefined;
  /** The sentence's document's short forms of dictionary names (Gazetteer.documentAbbreviations). */
  abbreviations?: ReadonlyMap<string, number> | undefined;
}

/** Model inputs of a sentence (`chars` only with a char scheme). */
export function encodeSentence(s: NerSentence, o: Pick<NerEncodeOptions, 'vocab' | 'buckets' | 'chars' | 'gazetteer' | 'abbreviations'>): { words: Int32Array; feats: Int32Array; chars?: Uint8Array } {
  const words = new Int32Array(s.tokens.length);
  const K = FEATURE_SLOTS + (o.gazetteer ? 1 : 0);
  const feats = new Int32Array(s.tokens.length * K);
  const dict = o.gazetteer?.tags(s.tokens, o.abbreviations);
  s.tokens.forEach((t, i) => {
    words[i] = tokenWordId(o.vocab, t);
    tokenFeatures(t, o.buckets, feats, i * K);
    if (dict) feats[i * K + FEATURE_SLOTS] = dictionaryFeature(dict[i]!, o.buckets);
  });
  if (!o.chars) return { words, feats };
  const L = o.chars.maxChars;
  const table = charTable(o.chars);
  const chars = new Uint8Array(s.tokens.length * L);
  s.tokens.forEach((t, i) => tokenCharIds(t.surface, table, L, chars, i * L));
  return { words, feats, chars };
}

/** Counts of what could not be turned into tags. */
export interface GoldAlignmentStats {
  mentions: number;
  /** Mentions whose boundaries fall inside a token (the tag gets the whole token). */
  misaligned: number;
  /** Mentions dropped because they overlap an earlier (longer) one. */
  overlapping: number;
  /** Mentions that cross a sentence boundary (cut at it). */
  crossSentence: number;
}

/** Gold labels of one sentence from the document's mentions of `types`. */
export function goldLabels(s: NerSentence, mentions: readonly { span: Span; type: NerType }[], stats?: GoldAlignmentStats): number[] {
  const labels = new Array<number>(s.tokens.length).fill(0);
  if (s.tokens.length === 0) return labels;
  const from = s.tokens[0]!.start;
  const to = s.tokens[s.tokens.length - 1]!.end;
  const inside = mentions.filter((m) => m.span.start < to && m.span.end > from).sort((a, b) => b.span.end - b.span.start - (a.span.end - a.span.start) || a.span.start - b.span.start);
  for (const m of inside) {
    const idx: number[] = [];
    s.tokens.forEach((t, i) => {
      if (t.start < m.span.end && t.end > m.span.start) idx.push(i);
    });
    if (idx.length === 0) continue;
    if (stats) {
      stats.mentions++;
      if (m.span.start < from || m.span.end > to) stats.crossSentence++;
      else if (s.tokens[idx[0]!]!.start !== m.span.start || s.tokens[idx[idx.length - 1]!]!.end !== m.span.end) stats.misaligned++;
    }
    if (idx.some((i) => labels[i] !== 0)) {
      if (stats) stats.overlapping++;
      continue;
    }
    const t = NER_TYPES.indexOf(m.type);
    idx.forEach((i, k) => (labels[i] = k === 0 ? beginLabel(t) : insideLabel(t)));
  }
  return labels;
}

/** Allowed-label bit masks for gold labels, given the types the corpus annotates. */
export function allowedMasks(labels: readonly number[], types: readonly NerType[]): Uint8Array {
  let unannotated = 1; // O
  NER_TYPES.forEach((t, k) => {
    if (!types.includes(t)) unannotated |= (1 << beginLabel(k)) | (1 << insideLabel(k));
  });
  return Uint8Array.from(labels, (l) => (l === 0 ? unannotated : 1 << l));
}

/** Mentions of a document mapped to tagger types, restricted to `types`. */
export function typedMentions(doc: Document, types: readonly NerType[]): { span: Span; type: NerType }[] {
  const out: { span: Span; type: NerType }[] = [];
  for (const a of documentAnnotations(doc)) {
    const t = nerTypeOf(a.type);
    if (!t || !types.includes(t) || a.spans.length === 0) continue;
    out.push({ span: { start: a.spans[0]!.start, end: a.spans[a.spans.length - 1]!.end }, type: t });
  }
  return out;
}

/** Training/dev examples of documents from one corpus that annotates `types`. */
export function encodeTrainingDocuments(docs: readonly Document[], source: string, types: readonly NerType[], o: NerEncodeOptions, stats?: GoldAlignmentStats): NerExample[] {
  const out: NerExample[] = [];
  for (const d of docs) {
    const mentions = typedMentions(d, types);
    const abbreviations = o.gazetteer?.documentAbbreviations(d);
    for (const s of documentSentences(d, o.maxTokens)) {
      if (s.tokens.length === 0) continue;
      const labels = goldLabels(s, mentions, stats);
      out.push({ sentence: s, ...encodeSentence(s, { ...o, abbreviations }), allowed: allowedMasks(labels, types), gold: labelsToMentions(labels), types, source });
    }
  }
  return out;
}

/** Number of labels (for allowed-mask width checks). */
export const LABEL_COUNT = NER_LABELS.length;

/**
 * True when a document is in a tagger run's held-out share (stable: a hash of the id). Training
 * selects on these documents and `ner calibrate` fits the mention scores on them.
 */
export function isHeldOut(id: string, share: number): boolean {
  return (fnv1a(`${id}:ner-dev`) % 10000) / 10000 < share;
}
