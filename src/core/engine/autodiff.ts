/**
 * Symbolic reverse-mode autodiff over the ONNX graph builder.
 *
 * Each differentiable op emits its forward node(s) and records a backward rule that, given the
 * gradient of its output(s), emits the nodes computing the gradients of its inputs. `backward`
 * replays the tape in reverse, so forward, backward and the optimizer end up in ONE graph that
 * onnxruntime runs as a plain inference session (it has no training API). Every rule has a
 * finite-difference test in test/model/autodiff.test.ts.
 *
 * Values not produced by a recorded op or declared as parameters (data inputs, masks, constants)
 * get no gradient.
 */
import type { Dim, DType, Value } from './graph';
import { Graph, attr } from './graph';

/** How a parameter is initialized (see initialize.ts). */
export type ParamInit = { kind: 'normal'; std: number } | { kind: 'zeros' } | { kind: 'ones' } | { kind: 'uniform'; limit: number };

export interface Param extends Value {
  readonly init: ParamInit;
  /** Excluded from weight decay (biases, LayerNorm). */
  readonly noDecay: boolean;
}

interface TapeEntry {
  inputs: readonly Value[];
  outputs: readonly Value[];
  backward: (gradOutputs: readonly (Value | undefined)[]) => readonly (Value | undefined)[];
}

function sameShape(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** NumPy-style broadcast of two shapes (static 1 broadcasts; equal symbolic names match). */
export function broadcastShape(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const r = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x === y || y === 1) out.push(x);
    else if (x === 1) out.push(y);
    else throw new Error(`cannot broadcast ${JSON.stringify(a)} with ${JSON.stringify(b)}`);
  }
  return out;
}

export class Autodiff {
  readonly g: Graph;
  readonly params: Param[] = [];
  private readonly tape: TapeEntry[] = [];
  private readonly differentiable = new Set<string>();
  /** Whether dropout is active (training graph) or the identity (inference export). */
  training: boolean;
  private dropoutSites = 0;

  /**
   * @param options.training  dropout active (training graph) or identity (export)
   * @param options.seed      dropout seed
   * @param options.weights   export mode: parameters become initializers with these values
   */
  constructor(name: string, options: { training: boolean; seed?: number; weights?: ReadonlyMap<string, Float32Array>; halfWeights?: boolean } = { training: true }) {
    this.g = new Graph(name);
    this.training = options.training;
    this.seed = options.seed ?? 1;
    this.weights = options.weights;
    this.halfWeights = options.halfWeights ?? false;
  }

  /** Export mode: store matrices (rank ≥ 2) as float16. */
  private readonly halfWeights: boolean;

  private readonly weights: ReadonlyMap<string, Float32Array> | undefined;

  private readonly seed: number;

  /** A data input (no gradient). */
  input(name: string, dtype: DType, shape: readonly Dim[]): Value {
    return this.g.input(name, dtype, shape);
  }

  /** Prepended to every parameter name (scoped()). */
  private prefix = '';

  /**
   * Builds `f` with every parameter name prefixed by `prefix` (nested scopes concatenate), so the
   * same layer code can put several models' parameters in one graph (ensemble members).
   */
  scoped<T>(prefix: string, f: () => T): T {
    const outer = this.prefix;
    this.prefix = outer + prefix;
    try {
      return f();
    } finally {
      this.prefix = outer;
    }
  }

  /** A trainable parameter, fed as a graph input in training graphs. */
  param(bareName: string, shape: readonly number[], init: ParamInit, noDecay = false): Param {
    const name = this.prefix + bareName;
    let v: Value;
    if (this.weights) {
      const w = this.weights.get(name);
      const n = shape.reduce((a, b) => a * b, 1);
      if (!w || w.length !== n) throw new Error(`export: weight ${name} missing or not ${n} values`);
      v = this.halfWeights && shape.length >= 2 ? this.g.initializerHalf(name, w, shape) : this.g.initializer(name, w, shape);
    } else {
      v = this.g.input(name, 'float32', shape);
    }
    const p: Param = { ...v, init, noDecay };
    this.params.push(p);
    this.differentiable.add(p.name);
    return p;
  }

  private record(inputs: readonly Value[], outputs: readonly Value[], backward: TapeEntry['backward']): void {
    if (!inputs.some((x) => this.differentiable.has(x.name))) return;
    for (const o of outputs) this.differentiable.add(o.name);
    this.tape.push({ inputs, outputs, backward });
  }

  private needs(v: Value): boolean {
    return this.differentiable.has(v.name);
  }

  // ------------------------------------------------------------------ helpers (no tape)

  /** Sum `grad` (shaped like a broadcast result) back to the shape of `target`. */
  unbroadcast(grad: Value, target: Value): Value {
    const g = this.g;
    if (sameShape(grad.shape, target.shape)) return grad;
    const lead = grad.shape.length - target.shape.length;
    let out = grad;
    if (lead > 0) {
      const axes = Array.from({ length: lead }, (_, i) => i);
      out = g.op('ReduceSum', [out, g.constI64(axes)], { keepdims: attr.i(0) }, grad.shape.slice(lead));
    }
    const keep: number[] = [];
    target.shape.forEach((d, i) => {
      if (d === 1 && out.shape[i] !== 1) keep.push(i);
    });
    if (keep.length) {
      out = g.op('ReduceSum', [out, g.constI64(keep)], { keepdims: attr.i(1) }, target.shape);
    }
    if (!sameShape(out.shape, target.shape)) throw new Error(`unbroadcast: ${JSON.stringify(grad.shape)} -> ${JSON.stringify(target.shape)}`);
    return out;
  }

  private zerosLike(v: Value): Value {
    return this.g.op('ConstantOfShape', [this.g.shapeOf(v)], { value: attr.tensor({ dataType: 1, dims: [1], raw: new Uint8Array(4) }) }, v.shape);
  }

  // ------------------------------------------------------------------ elementwise

  add(a: Value, b: Value): Value {
    const y = this.g.op('Add', [a, b], {}, broadcastShape(a.shape, b.shape));
    this.record([a, b], [y], ([gy]) => [this.needs(a) ? this.unbroadcast(gy!, a) : undefined, this.needs(b) ? this.unbroadcast(gy!, b) : undefined]);
    return y;
  }

  sub(a: Value, b: Value): Value {
    const y = this.g.op('Sub', [a, b], {}, broadcastShape(a.shape, b.shape));
    this.record([a, b], [y], ([gy]) => [
      this.needs(a) ? this.unbroadcast(gy!, a) : undefined,
      this.needs(b) ? this.unbroadcast(this.g.op('Neg', [gy!], {}, gy!.shape), b) : undefined,
    ]);
    return y;
  }

  mul(a: Value, b: Value): Value {
    const g = this.g;
    const y = g.op('Mul', [a, b], {}, broadcastShape(a.shape, b.shape));
    this.record([a, b], [y], ([gy]) => [
      this.needs(a) ? this.unbroadcast(g.op('Mul', [gy!, b], {}, y.shape), a) : undefined,
      this.needs(b) ? this.unbroadcast(g.op('Mul', [gy!, a], {}, y.shape), b) : undefined,
    ]);
    return y;
  }

  /** Multiply by a constant. */
  scale(a: Value, c: number): Value {
    const k = this.g.constF(c);
    const y = this.g.op('Mul', [a, k], {}, a.shape);
    this.record([a], [y], ([gy]) => [this.g.op('Mul', [gy!, k], {}, a.shape)]);
    return y;
  }

  relu(x: Value): Value {
    const g = this.g;
    const y = g.op('Relu', [x], {}, x.shape);
    this.record([x], [y], ([gy]) => {
      const mask = g.op('Cast', [g.op('Greater', [x, g.constF(0)], {}, x.shape, 'bool')], { to: attr.i(1) }, x.shape);
      return [g.op('Mul', [gy!, mask], {}, x.shape)];
    });
    return y;
  }

  sigmoid(x: Value): Value {
    const g = this.g;
    const y = g.op('Sigmoid', [x], {}, x.shape);
    this.record([x], [y], ([gy]) => {
      const d = g.op('Mul', [y, g.op('Sub', [g.constF(1), y], {}, x.shape)], {}, x.shape);
      return [g.op('Mul', [gy!, d], {}, x.shape)];
    });
    return y;
  }

  tanh(x: Value): Value {
    const g = this.g;
    const y = g.op('Tanh', [x], {}, x.shape);
    this.record([x], [y], ([gy]) => {
      const d = g.op('Sub', [g.constF(1), g.op('Mul', [y, y], {}, x.shape)], {}, x.shape);
      return [g.op('Mul', [gy!, d], {}, x.shape)];
    });
    return y;
  }

  /** Exact GELU, 0.5·x·(1 + erf(x/√2)) (BERT's; ORT fuses the pattern at inference). */
  gelu(x: Value): Value {
    const g = this.g;
    const s = x.shape;
    const erf = g.op('Erf', [g.op('Mul', [x, g.constF(Math.SQRT1_2)], {}, s)], {}, s);
    const cdf = g.op('Mul', [g.op('Add', [erf, g.constF(1)], {}, s), g.constF(0.5)], {}, s);
    const y = g.op('Mul', [x, cdf], {}, s);
    this.record([x], [y], ([gy]) => {
      // d/dx = Φ(x) + x·φ(x), φ(x) = exp(-x²/2)/√(2π)
      const pdf = g.op('Mul', [g.op('Exp', [g.op('Mul', [g.op('Mul', [x, x], {}, s), g.constF(-0.5)], {}, s)], {}, s), g.constF(1 / Math.sqrt(2 * Math.PI))], {}, s);
      const d = g.op('Add', [cdf, g.op('Mul', [x, pdf], {}, s)], {}, s);
      return [g.op('Mul', [gy!, d], {}, s)];
    });
    return y;
  }

  /**
   * Inverted dropout: zero each element with probability `p`, scale the rest by 1/(1-p).
   * The mask comes from RandomUniformLike with a per-site seed derived from the graph seed, so a
   * session replays the same mask sequence for the same seed (deterministic training).
   */
  dropout(x: Value, p: number): Value {
    if (!this.training || p <= 0) return x;
    const g = this.g;
    const site = this.dropoutSites++;
    const u = g.op('RandomUniformLike', [x], { seed: attr.f(this.seed * 7919 + site * 104729 + 1), dtype: attr.i(1) }, x.shape);
    const keep = g.op('Cast', [g.op('Greater', [u, g.constF(p)], {}, x.shape, 'bool')], { to: attr.i(1) }, x.shape);
    const mask = g.op('Mul', [keep, g.constF(1 / (1 - p))], {}, x.shape);
    const y = g.op('Mul', [x, mask], {}, x.shape);
    this.record([x], [y], ([gy]) => [g.op('Mul', [gy!, mask], {}, x.shape)]);
    return y;
  }

  // ------------------------------------------------------------------ linear algebra

  /** x[..., K] @ w[K, M]. */
  matmul(x: Value, w: Value): Value {
    const g = this.g;
    const [K, M] = w.shape as [number, number];
    if (w.shape.length !== 2 || x.shape[x.shape.length - 1] !== K) throw new Error(`matmul: ${JSON.stringify(x.shape)} @ ${JSON.stringify(w.shape)}`);
    const yShape = [...x.shape.slice(0, -1), M];
    const y = g.op('MatMul', [x, w], {}, yShape);
    this.record([x, w], [y], ([gy]) => {
      const gx = this.needs(x) ? g.op('MatMul', [gy!, g.op('Transpose', [w], { perm: attr.ints([1, 0]) }, [M, K])], {}, x.shape) : undefined;
      let gw: Value | undefined;
      if (this.needs(w)) {
        const x2 = x.shape.length === 2 ? x : g.op('Reshape', [x, g.constI64([-1, K])], {}, ['rows', K]);
        const gy2 = gy!.shape.length === 2 ? gy! : g.op('Reshape', [gy!, g.constI64([-1, M])], {}, ['rows', M]);
        gw = g.op('Gemm', [x2, gy2], { transA: attr.i(1) }, [K, M]);
      }
      return [gx, gw];
    });
    return y;
  }

  /** x[..., K] @ w[K, M] + b[M]. */
  linear(x: Value, w: Value, b: Value): Value {
    return this.add(this.matmul(x, w), b);
  }

  /** Batched matmul a[..., n, k] @ b[..., k, m] with equal batch dims. */
  bmm(a: Value, b: Value): Value {
    const g = this.g;
    const r = a.shape.length;
    const perm = Array.from({ length: r }, (_, i) => (i === r - 1 ? r - 2 : i === r - 2 ? r - 1 : i));
    const swap = (s: readonly Dim[]): Dim[] => perm.map((p) => s[p]!);
    const y = g.op('MatMul', [a, b], {}, [...a.shape.slice(0, -1), b.shape[r - 1]!]);
    this.record([a, b], [y], ([gy]) => [
      this.needs(a) ? g.op('MatMul', [gy!, g.op('Transpose', [b], { perm: attr.ints(perm) }, swap(b.shape))], {}, a.shape) : undefined,
      this.needs(b) ? g.op('MatMul', [g.op('Transpose', [a], { perm: attr.ints(perm) }, swap(a.shape)), gy!], {}, b.shape) : undefined,
    ]);
    return y;
  }

  // ------------------------------------------------------------------ shape ops

  /** Reshape; `shape` may use 0 (copy the input dim) and one -1 (infer). */
  reshape(x: Value, shape: readonly number[], outShape: readonly Dim[]): Value {
    const g = this.g;
    const y = g.op('Reshape', [x, g.constI64(shape)], {}, outShape);
    this.record([x], [y], ([gy]) => [g.op('Reshape', [gy!, g.shapeOf(x)], {}, x.shape)]);
    return y;
  }

  transpose(x: Value, perm: readonly number[]): Value {
    const g = this.g;
    const inv: number[] = [];
    perm.forEach((p, i) => (inv[p] = i));
    const y = g.op('Transpose', [x], { perm: attr.ints(perm) }, perm.map((p) => x.shape[p]!));
    this.record([x], [y], ([gy]) => [g.op('Transpose', [gy!], { perm: attr.ints(inv) }, x.shape)]);
    return y;
  }

  concat(xs: readonly Value[], axis: number): Value {
    const g = this.g;
    const first = xs[0]!;
    const ax = axis < 0 ? first.shape.length + axis : axis;
    const sizes = xs.map((x) => x.shape[ax]!);
    const total: Dim = sizes.every((d) => typeof d === 'number') ? (sizes as number[]).reduce((s, d) => s + d, 0) : 'concat';
    const shape = first.shape.map((d, i) => (i === ax ? total : d));
    const y = g.op('Concat', xs, { axis: attr.i(ax) }, shape);
    this.record(xs, [y], ([gy]) => {
      if (!sizes.every((d) => typeof d === 'number')) throw new Error('concat backward needs static sizes on the concat axis');
      if (xs.length === 1) return [gy];
      return g.opN('Split', [gy!, g.constI64(sizes as number[])], { axis: attr.i(ax) }, xs.map((x) => ({ shape: x.shape })));
    });
    return y;
  }

  /** Split along `axis` into static `sizes`. */
  split(x: Value, axis: number, sizes: readonly number[]): Value[] {
    const g = this.g;
    const ax = axis < 0 ? x.shape.length + axis : axis;
    const outs = g.opN('Split', [x, g.constI64(sizes)], { axis: attr.i(ax) }, sizes.map((s) => ({ shape: x.shape.map((d, i) => (i === ax ? s : d)) })));
    this.record([x], outs, (gys) => [g.op('Concat', gys.map((gy, i) => gy ?? this.zerosLike(outs[i]!)), { axis: attr.i(ax) }, x.shape)]);
    return outs;
  }

  /** x[..., start:end, ...] along `axis` (static bounds). */
  slice(x: Value, axis: number, start: number, end: number): Value {
    const g = this.g;
    const ax = axis < 0 ? x.shape.length + axis : axis;
    const y = g.op('Slice', [x, g.constI64([start]), g.constI64([end]), g.constI64([ax])], {}, x.shape.map((d, i) => (i === ax ? end - start : d)));
    this.record([x], [y], ([gy]) => {
      const dim = x.shape[ax];
      if (typeof dim !== 'number') throw new Error('slice backward needs a static axis');
      const pads = new Array<number>(2 * x.shape.length).fill(0);
      pads[ax] = start;
      pads[x.shape.length + ax] = dim - end;
      return [g.op('Pad', [gy!, g.constI64(pads)], {}, x.shape)];
    });
    return y;
  }

  /** Zero-pad `before`/`after` elements along `axis`. */
  pad(x: Value, axis: number, before: number, after: number): Value {
    const g = this.g;
    const ax = axis < 0 ? x.shape.length + axis : axis;
    const pads = new Array<number>(2 * x.shape.length).fill(0);
    pads[ax] = before;
    pads[x.shape.length + ax] = after;
    const d = x.shape[ax]!;
    const y = g.op('Pad', [x, g.constI64(pads)], {}, x.shape.map((s, i) => (i === ax ? (typeof d === 'number' ? d + before + after : 'padded') : s)));
    this.record([x], [y], ([gy]) => {
      // Slice from `before` to `-after` (or the end) works for symbolic lengths too.
      const end = after > 0 ? -after : Number.MAX_SAFE_INTEGER;
      return [g.op('Slice', [gy!, g.constI64([before]), g.constI64([end]), g.constI64([ax])], {}, x.shape)];
    });
    return y;
  }

  /** Rows of `table` at `indices` (any rank): the embedding lookup; also gathers activations. */
  gather(table: Value, indices: Value): Value {
    const g = this.g;
    const y = g.op('Gather', [table, indices], { axis: attr.i(0) }, [...indices.shape, ...table.shape.slice(1)]);
    this.record([table], [y], ([gy]) => {
      const idx = g.op('Unsqueeze', [indices, g.constI64([-1])], {}, [...indices.shape, 1], 'int64');
      return [g.op('ScatterND', [this.zerosLike(table), idx, gy!], { reduction: attr.s('add') }, table.shape)];
    });
    return y;
  }

  // ------------------------------------------------------------------ reductions and norms

  /** Sum over `axes` (negative allowed). */
  reduceSum(x: Value, axes: readonly number[], keepdims: boolean): Value {
    const g = this.g;
    const ax = axes.map((a) => (a < 0 ? x.shape.length + a : a));
    const shape = keepdims ? x.shape.map((d, i) => (ax.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !ax.includes(i));
    const y = g.op('ReduceSum', [x, g.constI64(ax)], { keepdims: attr.i(keepdims ? 1 : 0) }, shape);
    this.record([x], [y], ([gy]) => {
      const kept = keepdims ? gy! : g.op('Unsqueeze', [gy!, g.constI64(ax)], {}, x.shape.map((d, i) => (ax.includes(i) ? 1 : d)));
      return [g.op('Expand', [kept, g.shapeOf(x)], {}, x.shape)];
    });
    return y;
  }

  /** Mean over `axes` (static sizes only for the divisor). */
  reduceMean(x: Value, axes: readonly number[], keepdims: boolean): Value {
    const ax = axes.map((a) => (a < 0 ? x.shape.length + a : a));
    const count = ax.reduce((n, a) => {
      const d = x.shape[a];
      if (typeof d !== 'number') throw new Error('reduceMean over a symbolic axis: use a masked mean');
      return n * d;
    }, 1);
    return this.scale(this.reduceSum(x, ax, keepdims), 1 / count);
  }

  /** Max over one axis; the gradient flows to every position equal to the max (ties share it). */
  reduceMax(x: Value, axis: number, keepdims: boolean): Value {
    const g = this.g;
    const ax = axis < 0 ? x.shape.length + axis : axis;
    const keptShape = x.shape.map((d, i) => (i === ax ? 1 : d));
    const m = g.op('ReduceMax', [x], { axes: attr.ints([ax]), keepdims: attr.i(1) }, keptShape);
    const y = keepdims ? m : g.op('Squeeze', [m, g.constI64([ax])], {}, x.shape.filter((_, i) => i !== ax));
    this.record([x], [y], ([gy]) => {
      const mask = g.op('Cast', [g.op('Equal', [x, m], {}, x.shape, 'bool')], { to: attr.i(1) }, x.shape);
      const gk = keepdims ? gy! : g.op('Unsqueeze', [gy!, g.constI64([ax])], {}, keptShape);
      return [g.op('Mul', [mask, gk], {}, x.shape)];
    });
    return y;
  }

  /** Softmax over the last axis. */
  softmax(x: Value): Value {
    const g = this.g;
    const y = g.op('Softmax', [x], { axis: attr.i(-1) }, x.shape);
    this.record([x], [y], ([gy]) => {
      const dot = g.op('ReduceSum', [g.op('Mul', [gy!, y], {}, x.shape), g.constI64([-1])], { keepdims: attr.i(1) }, [...x.shape.slice(0, -1), 1]);
      return [g.op('Mul', [y, g.op('Sub', [gy!, dot], {}, x.shape)], {}, x.shape)];
    });
    return y;
  }

  /** LayerNorm over the last axis with affine gamma, beta. */
  layerNorm(x: Value, gamma: Value, beta: Value, epsilon = 1e-12): Value {
    const g = this.g;
    const stat = [...x.shape.slice(0, -1), 1];
    const [y, mean, invStd] = g.opN('LayerNormalization', [x, gamma, beta], { axis: attr.i(-1), epsilon: attr.f(epsilon) }, [{ shape: x.shape }, { shape: stat }, { shape: stat }]) as [Value, Value, Value];
    const lead = Array.from({ length: x.shape.length - 1 }, (_, i) => i);
    this.record([x, gamma, beta], [y], ([gy]) => {
      const s = x.shape;
      const xhat = g.op('Mul', [g.op('Sub', [x, mean], {}, s), invStd], {}, s);
      const dgamma = this.needs(gamma) ? g.op('ReduceSum', [g.op('Mul', [gy!, xhat], {}, s), g.constI64(lead)], { keepdims: attr.i(0) }, gamma.shape) : undefined;
      const dbeta = this.needs(beta) ? g.op('ReduceSum', [gy!, g.constI64(lead)], { keepdims: attr.i(0) }, beta.shape) : undefined;
      let dx: Value | undefined;
      if (this.needs(x)) {
        const dxh = g.op('Mul', [gy!, gamma], {}, s);
        const m1 = g.op('ReduceMean', [dxh], { axes: attr.ints([-1]), keepdims: attr.i(1) }, stat);
        const m2 = g.op('ReduceMean', [g.op('Mul', [dxh, xhat], {}, s)], { axes: attr.ints([-1]), keepdims: attr.i(1) }, stat);
        dx = g.op('Mul', [invStd, g.op('Sub', [g.op('Sub', [dxh, m1], {}, s), g.op('Mul', [xhat, m2], {}, s)], {}, s)], {}, s);
      }
      return [dx, dgamma, dbeta];
    });
    return y;
  }

  /** log Σ exp(x) over one axis (the CRF's forward algorithm); gradient softmax(x)·gy. */
  logSumExp(x: Value, axis: number, keepdims: boolean): Value {
    const g = this.g;
    const ax = axis < 0 ? x.shape.length + axis : axis;
    const keptShape = x.shape.map((d, i) => (i === ax ? 1 : d));
    const m = g.op('ReduceLogSumExp', [x], { axes: attr.ints([ax]), keepdims: attr.i(1) }, keptShape);
    const y = keepdims ? m : g.op('Squeeze', [m, g.constI64([ax])], {}, x.shape.filter((_, i) => i !== ax));
    this.record([x], [y], ([gy]) => {
      const p = g.op('Exp', [g.op('Sub', [x, m], {}, x.shape)], {}, x.shape);
      const gk = keepdims ? gy! : g.op('Unsqueeze', [gy!, g.constI64([ax])], {}, keptShape);
      return [g.op('Mul', [p, gk], {}, x.shape)];
    });
    return y;
  }

  // ------------------------------------------------------------------ fused ops written elsewhere

  /**
   * Record a fused op whose forward nodes the caller already emitted (the sequence layers in
   * layers/ emit a whole recurrence and its hand-derived backward this way). `backward` gets the
   * output gradients (undefined where none flows) and returns one gradient per input.
   */
  fused(inputs: readonly Value[], outputs: readonly Value[], backward: (gradOutputs: readonly (Value | undefined)[]) => readonly (Value | undefined)[]): void {
    this.record(inputs, outputs, backward);
  }

  /** Whether `v` carries a gradient (a parameter or a value computed from one). */
  requiresGrad(v: Value): boolean {
    return this.needs(v);
  }

  // ------------------------------------------------------------------ losses (scalar outputs)

  /**
   * Weighted softmax cross-entropy: Σ w_i·(−log softmax(logits_i)[label_i]) / Σ w_i.
   * logits [N, C], labels int64 [N], weights float [N] (0 drops an example: padding, ignored
   * positions; class weights scale the loss per example).
   */
  softmaxCrossEntropy(logits: Value, labels: Value, weights: Value): Value {
    const g = this.g;
    const [N, C] = logits.shape as [Dim, number];
    const logp = g.op('LogSoftmax', [logits], { axis: attr.i(-1) }, logits.shape);
    const onehot = g.op('OneHot', [labels, g.constI64([C], []), g.constF([0, 1])], { axis: attr.i(-1) }, [N, C]);
    const nll = g.op('Neg', [g.op('ReduceSum', [g.op('Mul', [onehot, logp], {}, logits.shape), g.constI64([1])], { keepdims: attr.i(0) }, [N])], {}, [N]);
    const wsum = g.op('Max', [g.op('ReduceSum', [weights], { keepdims: attr.i(0) }, []), g.constF(1e-9)], {}, []);
    const loss = g.op('Div', [g.op('ReduceSum', [g.op('Mul', [nll, weights], {}, [N])], { keepdims: attr.i(0) }, []), wsum], {}, []);
    this.record([logits], [loss], ([gy]) => {
      const p = g.op('Exp', [logp], {}, logits.shape);
      const coef = g.op('Unsqueeze', [g.op('Div', [g.op('Mul', [weights, gy!], {}, [N]), wsum], {}, [N]), g.constI64([1])], {}, [N, 1]);
      return [g.op('Mul', [g.op('Sub', [p, onehot], {}, logits.shape), coef], {}, logits.shape)];
    });
    return loss;
  }

  /**
   * Weighted focal loss (Lin et al. 2017): Σ w_i·(−(1 − p_i)^γ·log p_i) / Σ w_i, p_i the softmax
   * probability of row i's label; γ = 0 is softmaxCrossEntropy. The (1 − p)^γ factor takes the
   * weight off rows the model already gets right (the many easy negatives of a relation corpus).
   * Gradient: A_i·(softmax_i − onehot_i)·w_i/Σw with A = (1 − p)^γ − γ·p·(1 − p)^(γ−1)·log p.
   */
  focalCrossEntropy(logits: Value, labels: Value, weights: Value, gamma: number): Value {
    if (gamma === 0) return this.softmaxCrossEntropy(logits, labels, weights);
    if (!(gamma > 0)) throw new RangeError(`focal gamma must be ≥ 0, got ${gamma}`);
    const g = this.g;
    const [N, C] = logits.shape as [Dim, number];
    const logp = g.op('LogSoftmax', [logits], { axis: attr.i(-1) }, logits.shape);
    const onehot = g.op('OneHot', [labels, g.constI64([C], []), g.constF([0, 1])], { axis: attr.i(-1) }, [N, C]);
    const logpt = g.op('ReduceSum', [g.op('Mul', [onehot, logp], {}, logits.shape), g.constI64([1])], { keepdims: attr.i(0) }, [N]);
    const pt = g.op('Exp', [logpt], {}, [N]);
    // 1 − p kept off 0 so that (1 − p)^(γ−1) stays finite for γ < 1.
    const q = g.op('Max', [g.op('Sub', [g.constF(1), pt], {}, [N]), g.constF(1e-7)], {}, [N]);
    const qg = g.op('Pow', [q, g.constF(gamma)], {}, [N]);
    const nll = g.op('Neg', [g.op('Mul', [qg, logpt], {}, [N])], {}, [N]);
    const wsum = g.op('Max', [g.op('ReduceSum', [weights], { keepdims: attr.i(0) }, []), g.constF(1e-9)], {}, []);
    const loss = g.op('Div', [g.op('ReduceSum', [g.op('Mul', [nll, weights], {}, [N])], { keepdims: attr.i(0) }, []), wsum], {}, []);
    this.record([logits], [loss], ([gy]) => {
      const p = g.op('Exp', [logp], {}, logits.shape);
      const qg1 = g.op('Pow', [q, g.constF(gamma - 1)], {}, [N]);
      const a = g.op('Sub', [qg, g.op('Mul', [g.op('Mul', [g.constF(gamma), pt], {}, [N]), g.op('Mul', [qg1, logpt], {}, [N])], {}, [N])], {}, [N]);
      const coef = g.op('Unsqueeze', [g.op('Div', [g.op('Mul', [g.op('Mul', [a, weights], {}, [N]), gy!], {}, [N]), wsum], {}, [N]), g.constI64([1])], {}, [N, 1]);
      return [g.op('Mul', [g.op('Sub', [p, onehot], {}, logits.shape), coef], {}, logits.shape)];
    });
    return loss;
  }

  /**
   * Weighted partial-label softmax cross-entropy (learning from partial annotation):
   * Σ w_i·(−log Σ_{k: allowed_ik = 1} softmax(logits_i)_k) / Σ w_i, i.e. per row
   * logsumexp(logits) − logsumexp(logits over the allowed classes). logits [N, C], allowed float
   * [N, C] of 0/1 (at least one 1 per row with weight > 0), weights [N]. With exactly one allowed
   * class per row this is softmaxCrossEntropy. Gradient: (softmax(logits) − softmax restricted to
   * the allowed classes)·w_i/Σw.
   */
  partialSoftmaxCrossEntropy(logits: Value, allowed: Value, weights: Value): Value {
    const g = this.g;
    const [N] = logits.shape as [Dim, number];
    const s = logits.shape;
    // log(allowed) as a large finite penalty, so rows never see −inf − (−inf).
    const penalty = g.op('Mul', [g.op('Sub', [allowed, g.constF(1)], {}, s), g.constF(1e4)], {}, s);
    const masked = g.op('Add', [logits, penalty], {}, s);
    const lse = (x: Value): Value => g.op('ReduceLogSumExp', [x], { axes: attr.ints([1]), keepdims: attr.i(0) }, [N]);
    const nll = g.op('Sub', [lse(logits), lse(masked)], {}, [N]);
    const wsum = g.op('Max', [g.op('ReduceSum', [weights], { keepdims: attr.i(0) }, []), g.constF(1e-9)], {}, []);
    const loss = g.op('Div', [g.op('ReduceSum', [g.op('Mul', [nll, weights], {}, [N])], { keepdims: attr.i(0) }, []), wsum], {}, []);
    this.record([logits], [loss], ([gy]) => {
      const p = g.op('Softmax', [logits], { axis: attr.i(-1) }, s);
      const q = g.op('Softmax', [masked], { axis: attr.i(-1) }, s);
      const coef = g.op('Unsqueeze', [g.op('Div', [g.op('Mul', [weights, gy!], {}, [N]), wsum], {}, [N]), g.constI64([1])], {}, [N, 1]);
      return [g.op('Mul', [g.op('Sub', [p, q], {}, s), coef], {}, s)];
    });
    return loss;
  }

  /**
   * Weighted binary cross-entropy on logits (ELECTRA's replaced-token detection):
   * Σ w·(max(x,0) − x·t + log(1 + e^{−|x|})) / Σ w, for logits, targets, weights of one shape.
   */
  binaryCrossEntropy(logits: Value, targets: Value, weights: Value): Value {
    const g = this.g;
    const s = logits.shape;
    const axes = g.constI64(s.map((_, i) => i));
    const term = g.op(
      'Add',
      [
        g.op('Sub', [g.op('Relu', [logits], {}, s), g.op('Mul', [logits, targets], {}, s)], {}, s),
        g.op('Log', [g.op('Add', [g.constF(1), g.op('Exp', [g.op('Neg', [g.op('Abs', [logits], {}, s)], {}, s)], {}, s)], {}, s)], {}, s),
      ],
      {},
      s,
    );
    const wsum = g.op('Max', [g.op('ReduceSum', [weights, axes], { keepdims: attr.i(0) }, []), g.constF(1e-9)], {}, []);
    const loss = g.op('Div', [g.op('ReduceSum', [g.op('Mul', [term, weights], {}, s), axes], { keepdims: attr.i(0) }, []), wsum], {}, []);
    this.record([logits], [loss], ([gy]) => {
      const d = g.op('Sub', [g.op('Sigmoid', [logits], {}, s), targets], {}, s);
      const coef = g.op('Div', [g.op('Mul', [weights, gy!], {}, s), wsum], {}, s);
      return [g.op('Mul', [d, coef], {}, s)];
    });
    return loss;
  }

  // ------------------------------------------------------------------ backward

  /**
   * Gradients of the scalar `loss` with respect to every parameter (zeros for a parameter the
   * loss does not depend on), in `params` order.
   */
  backward(loss: Value): Map<string, Value> {
    const g = this.g;
    const grads = new Map<string, Value>();
    grads.set(loss.name, g.constF(1));
    for (let i = this.tape.length - 1; i >= 0; i--) {
      const e = this.tape[i]!;
      const gys = e.outputs.map((o) => grads.get(o.name));
      if (gys.every((x) => x === undefined)) continue;
      const gins = e.backward(gys);
      e.inputs.forEach((x, k) => {
        const gx = gins[k];
        if (!gx || !this.differentiable.has(x.name)) return;
        const prev = grads.get(x.name);
        grads.set(x.name, prev ? g.op('Add', [prev, gx], {}, x.shape) : gx);
      });
    }
    const out = new Map<string, Value>();
    for (const p of this.params) out.set(p.name, grads.get(p.name) ?? this.zerosLike(p));
    return out;
  }
}
