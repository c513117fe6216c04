/**
 * Finite-difference gradient checks for graph-builder ops and layers, run in onnxruntime itself:
 * loss = Σ y ⊙ R for a fixed random R (so every output element matters with a distinct weight),
 * central differences on a few elements of every parameter against the analytic gradient.
 */
import assert from 'node:assert/strict';
import { Autodiff } from '../../src/core/engine/autodiff';
import type { Value } from '../../src/core/engine/graph';
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

export interface CheckSpec {
  params: Record<string, number[]>;
  /** Extra data inputs (not differentiated). */
  data?: Record<string, HostTensor & { dtype: 'float32' | 'int64' }>;
  build: (ad: Autodiff, p: Record<string, Value>, d: Record<string, Value>) => Value;
  /** Treat the built value as the loss itself (scalar) instead of Σ y ⊙ R. */
  isLoss?: boolean;
  /** Elements to check per parameter (default: first, second, middle, last two). */
  picks?: (n: number) => number[];
  /** Custom parameter values. */
  init?: Record<string, Float32Array>;
  /** Largest relative error allowed (default 2e-2). */
  tolerance?: number;
}

export async function gradCheck(name: string, spec: CheckSpec): Promise<void> {
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
  const base = await session.run(feeds());
  const eps = 1e-2;
  const tol = spec.tolerance ?? 2e-2;
  for (const [k, shape] of Object.entries(spec.params)) {
    const analytic = base[`grad.${k}`]!.data as Float32Array;
    const n = numel(shape);
    const picks = spec.picks?.(n) ?? [...new Set([0, 1, Math.floor(n / 2), n - 2, n - 1].filter((i) => i >= 0 && i < n))];
    for (const i of picks) {
      const v = values[k]!;
      const orig = v[i]!;
      v[i] = orig + eps;
      const lp = ((await session.run(feeds()))['loss']!.data as Float32Array)[0]!;
      v[i] = orig - eps;
      const lm = ((await session.run(feeds()))['loss']!.data as Float32Array)[0]!;
      v[i] = orig;
      const fd = (lp - lm) / (2 * eps);
      const a = analytic[i]!;
      const err = Math.abs(fd - a) / Math.max(1e-2, Math.abs(fd) + Math.abs(a));
      assert.ok(err < tol, `${name}: d loss / d ${k}[${i}]: analytic ${a}, finite difference ${fd} (rel err ${err.toFixed(4)})`);
    }
  }
  await session.dispose();
}

