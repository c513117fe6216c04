/**
 * Shared checks for the sequence layers (test/unit/lstm, crf, charEncoder, pooling): central
 * finite differences against the graph's own backward, run in onnxruntime, and a forward runner.
 * loss = Σ y ⊙ R for a fixed random R unless the layer output is already a scalar loss.
 */
import assert from 'node:assert/strict';
import { Autodiff } from '../../src/core/engine/autodiff';
import type { DType, Value } from '../../src/core/engine/graph';
import { numel } from '../../src/core/engine/graph';
import { createSession, type HostTensor } from '../../src/core/runtime/session';

/** Deterministic uniform values in [−scale, scale]. */
export function rand(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

export type Feed = HostTensor & { dtype: DType };

export interface GradSpec {
  /** Differentiated inputs, declared as parameters: name → shape. */
  params: Record<string, number[]>;
  data?: Record<string, Feed>;
  build: (ad: Autodiff, p: Record<string, Value>, d: Record<string, Value>) => Value;
  isLoss?: boolean;
  init?: Record<string, Float32Array>;
  /** Coordinates checked per parameter (spread over the tensor). */
  picks?: number;
  tolerance?: number;
}

/** Compare analytic gradients with central differences at `picks` coordinates per parameter. */
export async function gradCheck(name: string, spec: GradSpec): Promise<void> {
  const ad = new Autodiff(name, { training: true });
  const p: Record<string, Value> = {};
  for (const [k, shape] of Object.entries(spec.params)) p[k] = ad.param(k, shape, { kind: 'zeros' });
  const d: Record<string, Value> = {};
  for (const [k, t] of Object.entries(spec.data ?? {})) d[k] = ad.input(k, t.dtype, t.dims);
  const y = spec.build(ad, p, d);
  let loss = y;
  let rFeed: HostTensor | undefined;
  if (!spec.isLoss) {
    const r = ad.input('R', 'float32', y.shape);
    rFeed = { data: rand(numel(y.shape), 99), dims: y.shape as number[] };
    loss = ad.reduceSum(ad.mul(y, r), y.shape.map((_, i) => i), false);
  }
  const grads = ad.backward(loss);
  ad.g.output(loss, 'loss');
  for (const k of Object.keys(spec.params)) ad.g.output(grads.get(k)!, `grad.${k}`);
  const session = await createSession(ad.g.toBytes());
  const values: Record<string, Float32Array> = {};
  Object.entries(spec.params).forEach(([k, shape], i) => (values[k] = spec.init?.[k] ?? rand(numel(shape), 17 + i * 31, 0.8)));
  const feeds = (): Record<string, HostTensor> => {
    const f: Record<string, HostTensor> = {};
    for (const [k, shape] of Object.entries(spec.params)) f[k] = { data: values[k]!, dims: shape };
    for (const [k, t] of Object.entries(spec.data ?? {})) f[k] = { data: t.data, dims: t.dims };
    if (rFeed) f['R'] = rFeed;
    return f;
  };
  const lossAt = async (): Promise<number> => ((await session.run(feeds()))['loss']!.data as Float32Array)[0]!;
  const base = await session.run(feeds());
  const eps = 1e-2;
  const tol = spec.tolerance ?? 2e-2;
  for (const [k, shape] of Object.entries(spec.params)) {
    const analytic = base[`grad.${k}`]!.data as Float32Array;
    const n = numel(shape);
    const count = Math.min(n, spec.picks ?? 8);
    const picks = [...new Set(Array.from({ length: count }, (_, j) => Math.floor((j * (n - 1)) / Math.max(1, count - 1))))];
    for (const i of picks) {
      const v = values[k]!;
      const orig = v[i]!;
      v[i] = orig + eps;
      const lp = await lossAt();
      v[i] = orig - eps;
      const lm = await lossAt();
      v[i] = orig;
      const fd = (lp - lm) / (2 * eps);
      const a = analytic[i]!;
      const err = Math.abs(fd - a) / Math.max(1e-2, Math.abs(fd) + Math.abs(a));
      assert.ok(err < tol, `${name}: d loss / d ${k}[${i}]: analytic ${a}, finite difference ${fd} (rel err ${err.toFixed(4)})`);
    }
  }
  await session.dispose();
}

/** Build a graph with `build` and return its single output for the feeds. */
export async function runForward(ad: Autodiff, y: Value, feeds: Record<string, HostTensor>): Promise<Float32Array> {
  ad.g.output(y, 'y');
  const session = await createSession(ad.g.toBytes());
  const out = (await session.run(feeds))['y']!.data as Float32Array;
  await session.dispose();
  return out;
}

/** Element-wise closeness with a message naming the first offender. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** int64 feed from numbers. */
export function i64(values: readonly number[], dims: number[]): Feed {
  return { data: BigInt64Array.from(values.map((v) => BigInt(v))), dims, dtype: 'int64' };
}

/** float feed. */
export function f32(values: ArrayLike<number>, dims: number[]): Feed {
  return { data: Float32Array.from(values), dims, dtype: 'float32' };
}

/** A [B, T] 0/1 mask for the given lengths. */
export function maskOf(lengths: readonly number[], T: number): Float32Array {
  const m = new Float32Array(lengths.length * T);
  lengths.forEach((L, b) => m.fill(1, b * T, b * T + L));
  return m;
}
