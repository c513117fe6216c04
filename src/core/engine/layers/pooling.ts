/**
 * Pooling heads that turn a masked sequence [batch, seq, dim] into one vector per sequence for a
 * relation classifier: masked max over time, additive attention, and span (entity-position)
 * pooling, combinable by concatenation. Padded positions never contribute.
 */
import type { Autodiff, Param } from '../autodiff';
import type { Dim, Value } from '../graph';
import { attr } from '../graph';

/** Penalty added at padded positions before a max or a softmax (finite: no inf − inf); also the task-slice mask of multi-task heads. */
export const PAD_PENALTY = 1e4;

function paddingPenalty(ad: Autodiff, mask: Value): Value {
  const g = ad.g;
  const [B, T] = mask.shape;
  const pen = g.op('Mul', [g.op('Sub', [mask, g.constF(1)], {}, [B!, T!]), g.constF(PAD_PENALTY)], {}, [B!, T!]);
  return g.op('Unsqueeze', [pen, g.constI64([2])], {}, [B!, T!, 1]);
}

/** Max over the real positions of h [B, T, D] (mask [B, T]; every row needs one real position). */
export function maskedMaxPool(ad: Autodiff, h: Value, mask: Value): Value {
  return ad.reduceMax(ad.add(h, paddingPenalty(ad, mask)), 1, false);
}

/** Weights of additive attention pooling: score_t = v·tanh(W h_t + b). */
export interface AttentionParams {
  readonly w: Param;
  readonly b: Param;
  readonly v: Param;
}

export function attentionParams(ad: Autodiff, prefix: string, dim: number, attnDim: number): AttentionParams {
  const limit = Math.sqrt(6 / (dim + attnDim));
  return {
    w: ad.param(`${prefix}.w`, [dim, attnDim], { kind: 'uniform', limit }),
    b: ad.param(`${prefix}.b`, [attnDim], { kind: 'zeros' }, true),
    v: ad.param(`${prefix}.v`, [attnDim, 1], { kind: 'uniform', limit: Math.sqrt(6 / (attnDim + 1)) }),
  };
}

/**
 * Additive attention (Bahdanau) pooling: Σ_t softmax_t(score_t)·h_t over real positions, the
 * scores read from `keys` [B, T, K] (default h itself; the params' `w` is [K, attnDim]).
 */
export function attentionPool(ad: Autodiff, h: Value, mask: Value, p: AttentionParams, keys: Value = h): Value {
  const [B, T, D] = h.shape as [Dim, Dim, number];
  const score = ad.add(ad.matmul(ad.tanh(ad.linear(keys, p.w, p.b)), p.v), paddingPenalty(ad, mask));
  const weights = ad.softmax(ad.reshape(score, [0, 1, -1], [B, 1, T]));
  return ad.reshape(ad.bmm(weights, h), [0, D], [B, D]);
}

/**
 * Mean of h over a span per sequence: `span` is float [B, T], 1 on the span's tokens (an entity
 * mention, or the last real token). A row with an empty span pools to zeros.
 */
export function spanPool(ad: Autodiff, h: Value, span: Value): Value {
  const g = ad.g;
  const [B, T, D] = h.shape as [Dim, Dim, number];
  const count = g.op('Max', [g.op('ReduceSum', [span, g.constI64([1])], { keepdims: attr.i(1) }, [B, 1]), g.constF(1)], {}, [B, 1]);
  const w = g.op('Unsqueeze', [g.op('Div', [span, count], {}, [B, T]), g.constI64([1])], {}, [B, 1, T]);
  return ad.reshape(ad.bmm(w, h), [0, D], [B, D]);
}

/** Which heads a classifier concatenates, in this order: max, attention, then each span. */
export interface PoolingChoice {
  max?: boolean;
  attention?: AttentionParams;
  /**
   * What the attention head scores (default h; it always pools h): position-aware attention
   * (Zhou, Miao & He 2018) scores h_t with each token's position embeddings beside it.
   */
  attentionKeys?: Value;
  /** Span masks [B, T] (e.g. the two entity mentions). */
  spans?: readonly Value[];
}

/** Concatenate the chosen heads: [B, D·(number of heads)]. */
export function pool(ad: Autodiff, h: Value, mask: Value, choice: PoolingChoice): Value {
  const parts: Value[] = [];
  if (choice.max) parts.push(maskedMaxPool(ad, h, mask));
  if (choice.attention) parts.push(attentionPool(ad, h, mask, choice.attention, choice.attentionKeys));
  for (const s of choice.spans ?? []) parts.push(spanPool(ad, h, s));
  if (parts.length === 0) throw new Error('pool: choose at least one head');
  return parts.length === 1 ? parts[0]! : ad.concat(parts, -1);
}

/** The total width of `pool` for input width `dim`. */
export function pooledWidth(dim: number, choice: PoolingChoice): number {
  return dim * ((choice.max ? 1 : 0) + (choice.attention ? 1 : 0) + (choice.spans?.length ?? 0));
}
