/**
 * A bidirectional LSTM over padded, masked batches, for training graphs and inference exports.
 *
 * Training graphs unroll the recurrence over a static sequence length with both directions
 * stacked on a leading axis of 2 (one MatMul per time step serves both), and record ONE fused
 * tape entry whose backward is hand-derived backpropagation through time: everything that does
 * not depend on the recurrence (input projections, gate derivatives, the weight gradients) runs
 * as a few large ops over all time steps, and the sequential part is 7 small nodes per step.
 * The backward direction runs over ReverseSequence(x, lengths), so it starts at each sequence's
 * last real token; padded positions produce zeros and receive no gradient.
 *
 * Inference exports use onnxruntime's fused `LSTM` op (any sequence length, sequence_lens),
 * fed the same weights; test/model/lstm.test.ts checks that both graphs agree.
 *
 * Alternatives measured with `biore bench train-seq --alternatives` (figures in
 * docs/sequence-layers.md): the recurrence unrolled through the generic autodiff ops, and the
 * ONNX `LSTM` op for the forward pass with gates and cells recomputed for the same backward.
 *
 * Gate order is ONNX's (i, o, f, c), so the exported weights are plain transposes.
 */
import type { Autodiff, Param } from '../autodiff';
import type { Dim, Value } from '../graph';
import { attr } from '../graph';

/** Weights of a bidirectional LSTM; index 0 of the leading axis is the forward direction. */
export interface BiLstmParams {
  /** Input weights [2, inputDim, 4·hidden], gates (i, o, f, c). */
  readonly w: Param;
  /** Recurrent weights [2, hidden, 4·hidden]. */
  readonly r: Param;
  /** Biases [2, 4·hidden]. */
  readonly b: Param;
  readonly inputDim: number;
  readonly hidden: number;
}

/** Declare the parameters (uniform ±1/√hidden as PyTorch's nn.LSTM; zero biases). */
export function biLstmParams(ad: Autodiff, prefix: string, inputDim: number, hidden: number): BiLstmParams {
  const limit = 1 / Math.sqrt(hidden);
  return {
    w: ad.param(`${prefix}.w`, [2, inputDim, 4 * hidden], { kind: 'uniform', limit }),
    r: ad.param(`${prefix}.r`, [2, hidden, 4 * hidden], { kind: 'uniform', limit }),
    b: ad.param(`${prefix}.b`, [2, 4 * hidden], { kind: 'zeros' }, true),
    inputDim,
    hidden,
  };
}

/**
 * How the recurrence is emitted: 'unrolled' with the fused hand-derived backward (training),
 * 'onnx' (ONNX `LSTM`, inference only: no gradient), 'onnx-forward' (ONNX `LSTM` for the forward
 * pass with the same fused backward, gates and cells recomputed from its states), or
 * 'autodiff' (unrolled through the generic autodiff ops). The last two are measured
 * alternatives kept for the benchmark and as cross-checks of the fused backward.
 */
export type LstmImpl = 'unrolled' | 'onnx' | 'onnx-forward' | 'autodiff';

/**
 * Run the BiLSTM over x [batch, seq, inputDim] with true `lengths` (int64 [batch]) and the
 * matching `mask` (float [batch, seq], 1 on the first `length` positions). Returns
 * [batch, seq, 2·hidden]: forward states then backward states, zero at padded positions.
 * `impl` defaults to 'unrolled' in training graphs (needs a static seq) and 'onnx' otherwise.
 */
export function biLstm(ad: Autodiff, x: Value, lengths: Value, mask: Value, p: BiLstmParams, impl: LstmImpl = ad.training ? 'unrolled' : 'onnx'): Value {
  if (impl === 'onnx') return onnxBiLstm(ad, x, lengths, mask, p);
  if (impl === 'autodiff') return autodiffBiLstm(ad, x, lengths, mask, p);
  return unrolledBiLstm(ad, x, lengths, mask, p, impl === 'onnx-forward' ? 'onnx' : 'unrolled');
}

/** ReverseSequence along axis 0 (time) of [T, B, ...]: its own inverse, so also its gradient. */
function reverseTime(ad: Autodiff, v: Value, lengths: Value): Value {
  const g = ad.g;
  const y = g.op('ReverseSequence', [v, lengths], { batch_axis: attr.i(1), time_axis: attr.i(0) }, v.shape);
  ad.fused([v], [y], ([gy]) => [g.op('ReverseSequence', [gy!, lengths], { batch_axis: attr.i(1), time_axis: attr.i(0) }, v.shape)]);
  return y;
}

function autodiffBiLstm(ad: Autodiff, x: Value, lengths: Value, mask: Value, p: BiLstmParams): Value {
  const [B, T, D] = x.shape as [Dim, Dim, number];
  if (typeof T !== 'number') throw new Error('unrolled LSTM needs a static sequence length');
  const H = p.hidden;
  const G = 4 * H;
  const xt = ad.transpose(x, [1, 0, 2]);
  const x2 = ad.concat([ad.reshape(xt, [1, T, -1, D], [1, T, B, D]), ad.reshape(reverseTime(ad, xt, lengths), [1, T, -1, D], [1, T, B, D])], 0);
  const proj = ad.add(ad.bmm(ad.reshape(x2, [2, -1, D], [2, 'tb', D]), p.w), ad.reshape(p.b, [2, 1, G], [2, 1, G]));
  const steps = ad.split(ad.reshape(proj, [2, T, -1, G], [2, T, B, G]), 1, new Array<number>(T).fill(1));
  const r4 = ad.reshape(p.r, [2, 1, H, G], [2, 1, H, G]);
  const hs: Value[] = [];
  let h: Value | undefined;
  let c: Value | undefined;
  for (let t = 0; t < T; t++) {
    const z = h ? ad.add(steps[t]!, ad.bmm(h, r4)) : steps[t]!;
    const [zs, zg] = ad.split(z, -1, [3 * H, H]) as [Value, Value];
    const [i, o, f] = ad.split(ad.sigmoid(zs), -1, [H, H, H]) as [Value, Value, Value];
    const ig = ad.mul(i, ad.tanh(zg));
    c = c ? ad.add(ad.mul(f, c), ig) : ig;
    h = ad.mul(o, ad.tanh(c));
    hs.push(h);
  }
  const [hf, hb] = ad.split(ad.concat(hs, 1), 0, [1, 1]) as [Value, Value];
  const fwd = ad.reshape(hf, [T, -1, H], [T, B, H]);
  const bwd = reverseTime(ad, ad.reshape(hb, [T, -1, H], [T, B, H]), lengths);
  const y = ad.transpose(ad.concat([fwd, bwd], -1), [1, 0, 2]);
  return ad.mul(y, ad.g.op('Unsqueeze', [mask, ad.g.constI64([2])], {}, [B, T, 1]));
}

function onnxBiLstm(ad: Autodiff, x: Value, lengths: Value, mask: Value, p: BiLstmParams): Value {
  const g = ad.g;
  const [B, T] = x.shape as [Dim, Dim, number];
  const H = p.hidden;
  const w = g.op('Transpose', [p.w], { perm: attr.ints([0, 2, 1]) }, [2, 4 * H, p.inputDim]);
  const r = g.op('Transpose', [p.r], { perm: attr.ints([0, 2, 1]) }, [2, 4 * H, H]);
  // ONNX adds separate input and recurrent biases; ours is the input one.
  const bias = g.op('Concat', [p.b, g.op('Mul', [p.b, g.constF(0)], {}, [2, 4 * H])], { axis: attr.i(1) }, [2, 8 * H]);
  const xt = g.op('Transpose', [x], { perm: attr.ints([1, 0, 2]) }, [T, B, p.inputDim]);
  const lens = g.op('Cast', [lengths], { to: attr.i(6) }, [B], 'int64');
  const [y] = g.opN('LSTM', [xt, w, r, bias, lens], { direction: attr.s('bidirectional'), hidden_size: attr.i(H) }, [{ shape: [T, 2, B, H] }]);
  const bt = g.op('Transpose', [y!], { perm: attr.ints([2, 0, 1, 3]) }, [B, T, 2, H]);
  const flat = g.op('Reshape', [bt, g.constI64([0, 0, 2 * H])], {}, [B, T, 2 * H]);
  return g.op('Mul', [flat, g.op('Unsqueeze', [mask, g.constI64([2])], {}, [B, T, 1])], {}, [B, T, 2 * H]);
}

function unrolledBiLstm(ad: Autodiff, x: Value, lengths: Value, mask: Value, p: BiLstmParams, forward: 'unrolled' | 'onnx' = 'unrolled'): Value {
  const g = ad.g;
  const [B, T, D] = x.shape as [Dim, Dim, number];
  if (typeof T !== 'number') throw new Error('unrolled LSTM needs a static sequence length');
  const H = p.hidden;
  const G = 4 * H;
  const ones = (n: number): number[] => new Array<number>(n).fill(1);
  const unsq = (v: Value, axis: number, shape: readonly Dim[]): Value => g.op('Unsqueeze', [v, g.constI64([axis])], {}, shape);
  const rev = (v: Value, shape: readonly Dim[]): Value => g.op('ReverseSequence', [v, lengths], { batch_axis: attr.i(1), time_axis: attr.i(0) }, shape);
  const splitT = (v: Value, last: Dim): Value[] => g.opN('Split', [v, g.constI64(ones(T))], { axis: attr.i(1) }, ones(T).map(() => ({ shape: [2, 1, B, last] })));
  const catT = (vs: readonly Value[], last: Dim): Value => g.op('Concat', vs, { axis: attr.i(1) }, [2, T, B, last]);
  const mask3 = unsq(mask, 2, [B, T, 1]);

  // 1. Both directions' inputs, time-major: [2, T, B, D]; direction 1 is reversed per length.
  const xt = g.op('Transpose', [x], { perm: attr.ints([1, 0, 2]) }, [T, B, D]);
  const x2 = g.op('Concat', [unsq(xt, 0, [1, T, B, D]), unsq(rev(xt, [T, B, D]), 0, [1, T, B, D])], { axis: attr.i(0) }, [2, T, B, D]);
  const xFlat = g.op('Reshape', [x2, g.constI64([2, -1, D])], {}, [2, 'tb', D]);
  // 2. Input projections of every step at once.
  const proj = g.op('Add', [g.op('MatMul', [xFlat, p.w], {}, [2, 'tb', G]), unsq(p.b, 1, [2, 1, G])], {}, [2, 'tb', G]);
  const r4 = unsq(p.r, 1, [2, 1, H, G]);
  const step = [2, 1, B, H];
  const full = (last: number): Dim[] => [2, T, B, last];
  const shift = (v: Value, last: number): Value => {
    const head = g.op('Slice', [v, g.constI64([0]), g.constI64([T - 1]), g.constI64([1])], {}, [2, T - 1, B, last]);
    return g.op('Pad', [head, g.constI64([0, 1, 0, 0, 0, 0, 0, 0])], {}, full(last));
  };
  // What the backward needs, [2, T, B, ·] in each direction's own time: gate sigmoids (i, o, f),
  // cell candidates, cells, tanh(cells), and the states.
  let saved: () => { S: Value; cand: Value; cAll: Value; tc: Value };
  let hAll: Value;
  let y: Value;
  if (forward === 'unrolled') {
    // 3. The recurrence, both directions per node.
    const projT = splitT(g.op('Reshape', [proj, g.constI64([2, T, -1, G])], {}, full(G)), G);
    const gates: Value[] = [];
    const cellIn: Value[] = [];
    const cells: Value[] = [];
    const tanhC: Value[] = [];
    const hs: Value[] = [];
    let h: Value | undefined;
    let c: Value | undefined;
    for (let t = 0; t < T; t++) {
      const z = h ? g.op('Add', [projT[t]!, g.op('MatMul', [h, r4], {}, [2, 1, B, G])], {}, [2, 1, B, G]) : projT[t]!;
      const [zs, zg] = g.opN('Split', [z, g.constI64([3 * H, H])], { axis: attr.i(-1) }, [{ shape: [2, 1, B, 3 * H] }, { shape: step }]) as [Value, Value];
      const s = g.op('Sigmoid', [zs], {}, [2, 1, B, 3 * H]);
      const cand = g.op('Tanh', [zg], {}, step);
      const [i, o, f] = g.opN('Split', [s, g.constI64([H, H, H])], { axis: attr.i(-1) }, [{ shape: step }, { shape: step }, { shape: step }]) as [Value, Value, Value];
      const ig = g.op('Mul', [i, cand], {}, step);
      c = c ? g.op('Add', [g.op('Mul', [f, c], {}, step), ig], {}, step) : ig;
      const tc = g.op('Tanh', [c], {}, step);
      h = g.op('Mul', [o, tc], {}, step);
      gates.push(s);
      cellIn.push(cand);
      cells.push(c);
      tanhC.push(tc);
      hs.push(h);
    }
    hAll = catT(hs, H);
    saved = () => ({ S: catT(gates, 3 * H), cand: catT(cellIn, H), cAll: catT(cells, H), tc: catT(tanhC, H) });
    // 4. Back to [B, T, 2H], the backward direction re-reversed, padding zeroed.
    const [hf, hb] = g.opN('Split', [hAll, g.constI64([1, 1])], { axis: attr.i(0) }, [{ shape: [1, T, B, H] }, { shape: [1, T, B, H] }]) as [Value, Value];
    const sq = (v: Value): Value => g.op('Squeeze', [v, g.constI64([0])], {}, [T, B, H]);
    const both = g.op('Concat', [sq(hf), rev(sq(hb), [T, B, H])], { axis: attr.i(-1) }, [T, B, 2 * H]);
    y = g.op('Mul', [g.op('Transpose', [both], { perm: attr.ints([1, 0, 2]) }, [B, T, 2 * H]), mask3], {}, [B, T, 2 * H]);
  } else {
    // 3'. onnxruntime's fused LSTM for the states; the gates and cells are recomputed for the
    // backward from the states (one large MatMul) plus an element-wise cell recursion.
    y = onnxBiLstm(ad, x, lengths, mask, p);
    const yt = g.op('Transpose', [y], { perm: attr.ints([1, 0, 2]) }, [T, B, 2 * H]);
    const [yf, yb] = g.opN('Split', [yt, g.constI64([H, H])], { axis: attr.i(-1) }, [{ shape: [T, B, H] }, { shape: [T, B, H] }]) as [Value, Value];
    hAll = g.op('Concat', [unsq(yf, 0, [1, T, B, H]), unsq(rev(yb, [T, B, H]), 0, [1, T, B, H])], { axis: attr.i(0) }, full(H));
    const states = hAll;
    saved = () => {
      const hPrev = g.op('Reshape', [shift(states, H), g.constI64([2, -1, H])], {}, [2, 'tb', H]);
      const z = g.op('Reshape', [g.op('Add', [proj, g.op('MatMul', [hPrev, p.r], {}, [2, 'tb', G])], {}, [2, 'tb', G]), g.constI64([2, T, -1, G])], {}, full(G));
      const [zs, zg] = g.opN('Split', [z, g.constI64([3 * H, H])], { axis: attr.i(-1) }, [{ shape: full(3 * H) }, { shape: full(H) }]) as [Value, Value];
      const S = g.op('Sigmoid', [zs], {}, full(3 * H));
      const cand = g.op('Tanh', [zg], {}, full(H));
      const [I, , F] = g.opN('Split', [S, g.constI64([H, H, H])], { axis: attr.i(-1) }, [{ shape: full(H) }, { shape: full(H) }, { shape: full(H) }]) as [Value, Value, Value];
      const igs = splitT(g.op('Mul', [I, cand], {}, full(H)), H);
      const fs = splitT(F, H);
      const cells: Value[] = [];
      for (let t = 0; t < T; t++) cells.push(t === 0 ? igs[0]! : g.op('Add', [g.op('Mul', [fs[t]!, cells[t - 1]!], {}, step), igs[t]!], {}, step));
      const cAll = catT(cells, H);
      return { S, cand, cAll, tc: g.op('Tanh', [cAll], {}, full(H)) };
    };
  }

  ad.fused([x, p.w, p.r, p.b], [y], ([gy]) => {
    // 5. Output gradients per direction, time-major, direction 1 in its reversed time.
    const dyt = g.op('Transpose', [g.op('Mul', [gy!, mask3], {}, [B, T, 2 * H])], { perm: attr.ints([1, 0, 2]) }, [T, B, 2 * H]);
    const [dyf, dyb] = g.opN('Split', [dyt, g.constI64([H, H])], { axis: attr.i(-1) }, [{ shape: [T, B, H] }, { shape: [T, B, H] }]) as [Value, Value];
    const dY = splitT(g.op('Concat', [unsq(dyf, 0, [1, T, B, H]), unsq(rev(dyb, [T, B, H]), 0, [1, T, B, H])], { axis: attr.i(0) }, [2, T, B, H]), H);
    // 6. Step coefficients that do not depend on the recurrence, over all steps at once:
    //    dc_t = dh_t·o(1−tanh²c) + dc_{t+1}·f_{t+1};  dz_t = [dc, dh, dc, dc] ⊙ K_t.
    const { S, cand, cAll, tc } = saved();
    const oneMinusSq = (v: Value, last: number): Value => g.op('Sub', [g.constF(1), g.op('Mul', [v, v], {}, full(last))], {}, full(last));
    const [I, O, F] = g.opN('Split', [S, g.constI64([H, H, H])], { axis: attr.i(-1) }, [{ shape: full(H) }, { shape: full(H) }, { shape: full(H) }]) as [Value, Value, Value];
    const dS = g.op('Mul', [S, g.op('Sub', [g.constF(1), S], {}, full(3 * H))], {}, full(3 * H));
    const [dI, dO, dF] = g.opN('Split', [dS, g.constI64([H, H, H])], { axis: attr.i(-1) }, [{ shape: full(H) }, { shape: full(H) }, { shape: full(H) }]) as [Value, Value, Value];
    const K = g.op(
      'Concat',
      [g.op('Mul', [cand, dI], {}, full(H)), g.op('Mul', [tc, dO], {}, full(H)), g.op('Mul', [shift(cAll, H), dF], {}, full(H)), g.op('Mul', [I, oneMinusSq(cand, H)], {}, full(H))],
      { axis: attr.i(-1) },
      full(G),
    );
    const A = g.op('Mul', [O, oneMinusSq(tc, H)], {}, full(H));
    const Ks = splitT(K, G);
    const As = splitT(A, H);
    const Fs = splitT(F, H);
    const rT = g.op('Transpose', [r4], { perm: attr.ints([0, 1, 3, 2]) }, [2, 1, G, H]);
    // 7. The sequential part, last step first.
    const dz: Value[] = new Array<Value>(T);
    let dhNext: Value | undefined;
    let dcNext: Value | undefined;
    for (let t = T - 1; t >= 0; t--) {
      const dh = dhNext ? g.op('Add', [dY[t]!, dhNext], {}, step) : dY[t]!;
      let dc = g.op('Mul', [dh, As[t]!], {}, step);
      if (dcNext) dc = g.op('Add', [dc, dcNext], {}, step);
      dz[t] = g.op('Mul', [g.op('Concat', [dc, dh, dc, dc], { axis: attr.i(-1) }, [2, 1, B, G]), Ks[t]!], {}, [2, 1, B, G]);
      if (t > 0) {
        dhNext = g.op('MatMul', [dz[t]!, rT], {}, step);
        dcNext = g.op('Mul', [dc, Fs[t]!], {}, step);
      }
    }
    // 8. Weight and input gradients as large matmuls over all steps.
    const dZ = g.op('Reshape', [catT(dz, G), g.constI64([2, -1, G])], {}, [2, 'tb', G]);
    const tr = (v: Value, shape: readonly Dim[]): Value => g.op('Transpose', [v], { perm: attr.ints([0, 2, 1]) }, shape);
    const dW = ad.requiresGrad(p.w) ? g.op('MatMul', [tr(xFlat, [2, D, 'tb']), dZ], {}, [2, D, G]) : undefined;
    const db = ad.requiresGrad(p.b) ? g.op('ReduceSum', [dZ, g.constI64([1])], { keepdims: attr.i(0) }, [2, G]) : undefined;
    let dR: Value | undefined;
    if (ad.requiresGrad(p.r)) {
      const hPrev = g.op('Reshape', [shift(hAll, H), g.constI64([2, -1, H])], {}, [2, 'tb', H]);
      dR = g.op('MatMul', [tr(hPrev, [2, H, 'tb']), dZ], {}, [2, H, G]);
    }
    let dx: Value | undefined;
    if (ad.requiresGrad(x)) {
      const dX2 = g.op('Reshape', [g.op('MatMul', [dZ, tr(p.w, [2, G, D])], {}, [2, 'tb', D]), g.constI64([2, T, -1, D])], {}, [2, T, B, D]);
      const [dxf, dxb] = g.opN('Split', [dX2, g.constI64([1, 1])], { axis: attr.i(0) }, [{ shape: [1, T, B, D] }, { shape: [1, T, B, D] }]) as [Value, Value];
      const sqD = (v: Value): Value => g.op('Squeeze', [v, g.constI64([0])], {}, [T, B, D]);
      const sum = g.op('Add', [sqD(dxf), rev(sqD(dxb), [T, B, D])], {}, [T, B, D]);
      dx = g.op('Transpose', [sum], { perm: attr.ints([1, 0, 2]) }, [B, T, D]);
    }
    return [dx, dW, dR, db];
  });
  return y;
}
