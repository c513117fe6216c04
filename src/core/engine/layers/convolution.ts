/**
 * Convolution over time for [batch, seq, features] values of any run-time length: time shifts
 * by row gathers, same-padded convolution as one matmul (im2col), masked max pooling. Used by
 * the CNN relation model and the dilated-CNN tagger.
 */
import type { Autodiff } from '../autodiff';
import type { Dim, Value } from '../graph';
import { attr } from '../graph';

/** Scalar int64 of a dimension of `v` at run time. */
export function dimOf(ad: Autodiff, v: Value, axis: number): Value {
  const g = ad.g;
  return g.op('Gather', [g.shapeOf(v), g.constI64([axis], [])], {}, [], 'int64');
}

/**
 * `x[b, t + offset]` for x [batch, seq, D], zero where t + offset falls outside the sequence.
 * Built from a row gather on the flattened states (indices computed in the graph from the run-time
 * shape), so it works for any sequence length: a static-bounds Slice could not, since the batch's
 * length is a graph input. The gather's backward scatters the gradient back to the source rows.
 */
export function shiftTime(ad: Autodiff, x: Value, offset: number): Value {
  if (offset === 0) return x;
  const g = ad.g;
  const [B, T, D] = x.shape as [Dim, Dim, number];
  const batch = dimOf(ad, x, 0);
  const seq = dimOf(ad, x, 1);
  const one = g.constI64([1], []);
  const zero = g.constI64([0], []);
  const t = g.op('Range', [zero, seq, one], {}, [T], 'int64');
  const p = g.op('Add', [t, g.constI64([offset], [])], {}, [T], 'int64');
  const inside = g.op('And', [g.op('GreaterOrEqual', [p, zero], {}, [T], 'bool'), g.op('Less', [p, seq], {}, [T], 'bool')], {}, [T], 'bool');
  const valid = g.op('Unsqueeze', [g.op('Cast', [inside], { to: attr.i(1) }, [T]), g.constI64([1])], {}, [T, 1]);
  const clamped = g.op('Max', [g.op('Min', [p, g.op('Sub', [seq, one], {}, [], 'int64')], {}, [T], 'int64'), zero], {}, [T], 'int64');
  const base = g.op('Unsqueeze', [g.op('Mul', [g.op('Range', [zero, batch, one], {}, [B], 'int64'), seq], {}, [B], 'int64'), g.constI64([1])], {}, [B, 1], 'int64');
  const rows = g.op('Add', [base, g.op('Unsqueeze', [clamped, g.constI64([0])], {}, [1, T], 'int64')], {}, [B, T], 'int64');
  const flat = ad.reshape(x, [-1, D], ['rows', D]);
  return ad.mul(ad.gather(flat, rows), valid);
}

/** Parameters of one convolution width. */
export interface ConvParams {
  w: Value;
  b: Value;
}

/**
 * Same-padded convolution of width `k` with ReLU, as a matmul: the k shifted copies of x
 * (offsets −⌊(k−1)/2⌋ … ) are concatenated on the feature axis ([B, T, k·D], im2col) and
 * multiplied by w [k·D, F]. `shifted` caches copies across widths.
 */
export function convolve(ad: Autodiff, x: Value, k: number, p: ConvParams, shifted: Map<number, Value> = new Map(), extraBias?: Value): Value {
  const left = Math.floor((k - 1) / 2);
  const cols: Value[] = [];
  for (let j = 0; j < k; j++) {
    const o = j - left;
    let s = shifted.get(o);
    if (!s) {
      s = shiftTime(ad, x, o);
      shifted.set(o, s);
    }
    cols.push(s);
  }
  const im2col = cols.length === 1 ? cols[0]! : ad.concat(cols, -1);
  const pre = ad.linear(im2col, p.w, p.b);
  return ad.relu(extraBias ? ad.add(pre, extraBias) : pre);
}
