/**
 * A linear-chain CRF loss for taggers: negative log-likelihood of the gold tag path given
 * per-token emission scores, with learned transitions and start/end scores. The partition
 * function is the forward algorithm in log space, unrolled over a static sequence length with a
 * masked update, so padded positions (at the end of each row) leave the recursion unchanged;
 * its gradient comes from the autodiff (logSumExp's rule), which is the forward-backward
 * marginals. Decoding is Viterbi in TypeScript over the exported emissions
 * (src/core/inference/sequence/viterbi.ts): with 7 tags it costs microseconds per sentence.
 */
import type { Autodiff, Param } from '../autodiff';
import type { Dim, Value } from '../graph';
import { attr } from '../graph';

/** CRF scores: transitions[from, to], start[to], end[from]. */
export interface CrfParams {
  readonly transitions: Param;
  readonly start: Param;
  readonly end: Param;
  readonly tags: number;
}

export function crfParams(ad: Autodiff, prefix: string, tags: number): CrfParams {
  return {
    transitions: ad.param(`${prefix}.transitions`, [tags, tags], { kind: 'uniform', limit: 0.1 }),
    start: ad.param(`${prefix}.start`, [tags], { kind: 'uniform', limit: 0.1 }, true),
    end: ad.param(`${prefix}.end`, [tags], { kind: 'uniform', limit: 0.1 }, true),
    tags,
  };
}

/**
 * Mean NLL over the sequences that have at least one real token. emissions [B, T, K] (T
 * static), tags int64 [B, T] (any value at padding), mask float [B, T] with real tokens first.
 */
export function crfNll(ad: Autodiff, emissions: Value, tags: Value, mask: Value, p: CrfParams): Value {
  const g = ad.g;
  const [B, T, K] = emissions.shape as [Dim, Dim, number];
  if (typeof T !== 'number') throw new Error('crfNll needs a static sequence length');
  // 1. Gold path score from one-hot tags (data, no gradient).
  const onehot = g.op('Mul', [g.op('OneHot', [tags, g.constI64([K], []), g.constF([0, 1])], { axis: attr.i(-1) }, [B, T, K]), g.op('Unsqueeze', [mask, g.constI64([2])], {}, [B, T, 1])], {}, [B, T, K]);
  const sliceT = (v: Value, s: number, e: number, last: Dim[]): Value => g.op('Slice', [v, g.constI64([s]), g.constI64([e]), g.constI64([1])], {}, [B, e - s, ...last]);
  const all = (v: Value): Value => ad.reduceSum(v, v.shape.map((_, i) => i).slice(1), false);
  let gold = all(ad.mul(emissions, onehot));
  if (T > 1) {
    // Transition (prev → next) counted where next is real (prev then is real too).
    const prev = sliceT(onehot, 0, T - 1, [K]);
    const next = sliceT(onehot, 1, T, [K]);
    gold = ad.add(gold, all(ad.mul(ad.matmul(prev, p.transitions), next)));
  }
  const first = g.op('Squeeze', [sliceT(onehot, 0, 1, [K]), g.constI64([1])], {}, [B, K]);
  gold = ad.add(gold, all(ad.mul(first, p.start)));
  // The last real tag: onehot ⊙ (mask_t − mask_{t+1}).
  const maskNext = g.op('Pad', [sliceT(mask, 1, T, []), g.constI64([0, 0, 0, 1])], {}, [B, T]);
  const isLast = g.op('Unsqueeze', [g.op('Sub', [mask, maskNext], {}, [B, T]), g.constI64([2])], {}, [B, T, 1]);
  const lastTag = g.op('ReduceSum', [g.op('Mul', [onehot, isLast], {}, [B, T, K]), g.constI64([1])], { keepdims: attr.i(0) }, [B, K]);
  gold = ad.add(gold, all(ad.mul(lastTag, p.end)));

  // 2. log Z by the forward algorithm.
  const { logZ, rows } = crfLogPartition(ad, emissions, mask, p);

  // 3. Mean over non-empty rows.
  return meanOverRows(ad, ad.sub(logZ, gold), rows);
}

/**
 * log Z [B] of each row by the forward algorithm over emissions [B, T, K] (T static); alpha keeps
 * its value at padded steps. Also returns whether each row has a first real token ([B, 1]).
 */
function crfLogPartition(ad: Autodiff, emissions: Value, mask: Value, p: CrfParams): { logZ: Value; rows: Value } {
  const g = ad.g;
  const [B, T, K] = emissions.shape as [Dim, number, number];
  const steps = ad.split(emissions, 1, new Array<number>(T).fill(1)).map((e) => ad.reshape(e, [0, K], [B, K]));
  const masks = g.opN('Split', [mask, g.constI64(new Array<number>(T).fill(1))], { axis: attr.i(1) }, new Array(T).fill(0).map(() => ({ shape: [B, 1] })));
  let alpha = ad.add(steps[0]!, p.start);
  for (let t = 1; t < T; t++) {
    const scores = ad.add(ad.reshape(alpha, [0, K, 1], [B, K, 1]), p.transitions);
    const next = ad.add(ad.logSumExp(scores, 1, false), steps[t]!);
    const m = masks[t]!;
    const keep = g.op('Sub', [g.constF(1), m], {}, [B, 1]);
    alpha = ad.add(ad.mul(next, m), ad.mul(alpha, keep));
  }
  return { logZ: ad.logSumExp(ad.add(alpha, p.end), 1, false), rows: masks[0]! };
}

/** Mean of per-row values [B] over the rows whose `rows` flag ([B, 1]) is 1. */
function meanOverRows(ad: Autodiff, perRow: Value, rows: Value): Value {
  const g = ad.g;
  const B = perRow.shape[0]!;
  const nll = ad.mul(perRow, g.op('Squeeze', [rows, g.constI64([1])], {}, [B]));
  const count = g.op('Max', [g.op('ReduceSum', [rows], { keepdims: attr.i(0) }, []), g.constF(1)], {}, []);
  return ad.mul(ad.reduceSum(nll, [0], false), g.op('Reciprocal', [count], {}, []));
}

/** The score added to a forbidden tag: finite (−∞ would give NaN gradients in logSumExp), yet far below any path. */
const FORBIDDEN = -1e4;

/**
 * Mean NLL under partial labels: each token allows a set of tags (allowed float [B, T, K], 1 =
 * allowed; any value at padding), and the loss is −log P(the path stays in the allowed sets) =
 * log Z(all paths) − log Z(allowed paths), the second partition function the forward algorithm
 * over emissions + log(allowed) (FORBIDDEN where a tag is not allowed). With one allowed tag per
 * token this is crfNll. Rows without a real token are ignored; every real token must allow at
 * least one tag.
 */
export function crfPartialNll(ad: Autodiff, emissions: Value, allowed: Value, mask: Value, p: CrfParams): Value {
  const g = ad.g;
  if (typeof emissions.shape[1] !== 'number') throw new Error('crfPartialNll needs a static sequence length');
  const all = crfLogPartition(ad, emissions, mask, p);
  // (allowed − 1)·|FORBIDDEN|: 0 where allowed, FORBIDDEN where not (data, no gradient).
  const penalty = g.op('Mul', [g.op('Sub', [allowed, g.constF(1)], {}, allowed.shape), g.constF(-FORBIDDEN)], {}, allowed.shape);
  const kept = crfLogPartition(ad, ad.add(emissions, penalty), mask, p);
  return meanOverRows(ad, ad.sub(all.logZ, kept.logZ), all.rows);
}

/** Output names of the CRF scores in an exported tagger graph (see crfScoreOutputs). */
export const CRF_OUTPUTS = { transitions: 'crf_transitions', start: 'crf_start', end: 'crf_end' } as const;

/**
 * Expose the CRF scores as outputs of an exported graph, so the model file alone carries
 * everything the TypeScript Viterbi decoder needs next to the emissions.
 */
export function crfScoreOutputs(ad: Autodiff, p: CrfParams): void {
  ad.g.output(p.transitions, CRF_OUTPUTS.transitions);
  ad.g.output(p.start, CRF_OUTPUTS.start);
  ad.g.output(p.end, CRF_OUTPUTS.end);
}
