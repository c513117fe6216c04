/**
 * The mention tagger at inference: padded feeds, per-token logits from a forward session, and
 * BIO decoding (constrained Viterbi) restricted to the types asked for. The tagger's graph and
 * training are in src/core/training/ner/nerModel.ts.
 */
import type { HostTensor, ModelSession } from '../../runtime/session';
import { PAD_ID } from '../../wordvec/wordVocab';
import { FEATURE_SLOTS } from './features';
import type { NerExample } from './nerExamples';
import { NER_LABELS, NER_TYPES, restrictToTypes, viterbiBio, type NerType, type TokenMention } from './tags';
import { CRF_OUTPUTS } from '../../engine/layers/crf';
import { bioConstraints, viterbiDecode, type CrfScores } from '../sequence/viterbi';

/** How nerInputFeeds pads and what it adds to the CNN's three inputs. */
export interface NerFeedOptions {
  /** Adds tune_ids (training graphs with a trainable word offset table). */
  tuneIndex?: Int32Array | undefined;
  /** Pad to at least this many tokens (training graphs unrolled over a static length). */
  padTo?: number | undefined;
  /** Adds char_ids [batch, seq, maxChars] from each example's `chars` (taggers with a char encoder). */
  maxChars?: number | undefined;
}

/**
 * Padded input feeds of a batch: word_ids and mask [batch, seq], feat_ids [batch, seq, slots],
 * plus tune_ids and char_ids when the options ask for them (a graph without those inputs refuses
 * them, so a CNN folder is fed exactly what it always was).
 */
export function nerInputFeeds(batch: readonly Pick<NerExample, 'words' | 'feats' | 'chars'>[], options: NerFeedOptions = {}): Record<string, HostTensor> {
  const B = batch.length;
  const T = Math.max(1, options.padTo ?? 1, ...batch.map((e) => e.words.length));
  // Feature slots per token: FEATURE_SLOTS, or one more for a tagger with dictionary features.
  const sized = batch.find((e) => e.words.length > 0);
  const K = sized ? sized.feats.length / sized.words.length : FEATURE_SLOTS;
  if (!Number.isInteger(K) || batch.some((e) => e.feats.length !== e.words.length * K)) throw new Error('feature ids are not the same number of slots per token in every example');
  const ids = new BigInt64Array(B * T).fill(BigInt(PAD_ID));
  const feats = new BigInt64Array(B * T * K);
  const mask = new Float32Array(B * T);
  const tune = options.tuneIndex ? new BigInt64Array(B * T) : undefined;
  batch.forEach((e, b) => {
    for (let t = 0; t < e.words.length; t++) {
      const at = b * T + t;
      const w = e.words[t]!;
      ids[at] = BigInt(w);
      for (let k = 0; k < K; k++) feats[at * K + k] = BigInt(e.feats[t * K + k]!);
      mask[at] = 1;
      if (tune) tune[at] = BigInt(options.tuneIndex![w] ?? 0);
    }
  });
  const f: Record<string, HostTensor> = {
    word_ids: { data: ids, dims: [B, T] },
    feat_ids: { data: feats, dims: [B, T, K] },
    mask: { data: mask, dims: [B, T] },
  };
  if (tune) f['tune_ids'] = { data: tune, dims: [B, T] };
  if (options.maxChars !== undefined) {
    const L = options.maxChars;
    const chars = new BigInt64Array(B * T * L);
    batch.forEach((e, b) => {
      if (!e.chars || e.chars.length !== e.words.length * L) throw new Error(`char ids missing or not ${L} per token (encode with the tagger's char scheme)`);
      for (let i = 0; i < e.chars.length; i++) chars[b * T * L + i] = BigInt(e.chars[i]!);
    });
    f['char_ids'] = { data: chars, dims: [B, T, L] };
  }
  return f;
}

/** Options of nerLogits and nerEmissions. */
export type NerRunOptions = Omit<NerFeedOptions, 'padTo'> & { extraFeeds?: (f: Record<string, HostTensor>) => void; batchSize?: number; signal?: AbortSignal };

/** Per-example logits [tokens × classes] of a forward session, in batches sorted by length. */
export async function nerLogits(session: ModelSession, examples: readonly Pick<NerExample, 'words' | 'feats' | 'chars'>[], options: NerRunOptions = {}): Promise<Float32Array[]> {
  return (await nerEmissions(session, examples, options)).logits;
}

/**
 * Per-example logits as nerLogits, plus the CRF scores when the graph outputs them (a tagger
 * trained with crf=true; they are constants of the model, read from the first batch's run).
 */
export async function nerEmissions(session: ModelSession, examples: readonly Pick<NerExample, 'words' | 'feats' | 'chars'>[], options: NerRunOptions = {}): Promise<{ logits: Float32Array[]; crf?: CrfScores }> {
  let crf: CrfScores | undefined;
  const bs = options.batchSize ?? 64;
  const order = examples.map((_, i) => i).sort((a, b) => examples[a]!.words.length - examples[b]!.words.length);
  const out = new Array<Float32Array>(examples.length);
  const C = NER_LABELS.length;
  for (let s = 0; s < order.length; s += bs) {
    options.signal?.throwIfAborted();
    const idx = order.slice(s, s + bs);
    const f = nerInputFeeds(
      idx.map((i) => examples[i]!),
      { tuneIndex: options.tuneIndex, maxChars: options.maxChars },
    );
    options.extraFeeds?.(f);
    const r = await session.run(f);
    const logits = r['logits']!.data as Float32Array;
    if (!crf && r[CRF_OUTPUTS.transitions]) crf = { tags: C, transitions: r[CRF_OUTPUTS.transitions]!.data as Float32Array, start: r[CRF_OUTPUTS.start]!.data as Float32Array, end: r[CRF_OUTPUTS.end]!.data as Float32Array };
    const T = f['word_ids']!.dims[1]!;
    idx.forEach((ex, b) => {
      const n = examples[ex]!.words.length;
      out[ex] = logits.slice(b * T * C, (b * T + n) * C);
    });
  }
  return { logits: out, ...(crf ? { crf } : {}) };
}

const BIO_CONSTRAINTS = bioConstraints(NER_LABELS);

/**
 * Decoded token mentions of one example's logits, for `types`. With `crf`, Viterbi adds the CRF's
 * transition, start and end scores under the BIO constraints; the type restriction is the same
 * (per-token log-softmax with the other types' mass moved to O: the per-token normalizer shifts
 * every path equally, so on CRF emissions it only merges the other types into O).
 */
export function decodeMentions(logits: Float32Array, n: number, types: readonly NerType[], crf?: CrfScores): TokenMention[] {
  const lp = restrictToTypes(logits, 0, n, types);
  const labels = crf ? viterbiDecode(lp, n, crf, BIO_CONSTRAINTS) : viterbiBio(lp, n, types);
  const out: TokenMention[] = [];
  let open: TokenMention | undefined;
  labels.forEach((l, i) => {
    if (l === 0) open = undefined;
    else if (l % 2 === 1) out.push((open = { first: i, last: i, type: NER_TYPES[(l - 1) >> 1]! }));
    else if (open) open.last = i;
  });
  return out;
}

