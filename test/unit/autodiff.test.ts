/**
 * Every gradient rule against central finite differences, run in onnxruntime itself.
 * loss = Σ y ⊙ R for a fixed random R, so every output element matters with a distinct weight.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Autodiff } from '../../src/core/engine/autodiff';
import type { Value } from '../../src/core/engine/graph';
import { numel } from '../../src/core/engine/graph';
import { createSession, type HostTensor } from '../../src/core/runtime/session';

function rand(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

interface CheckSpec {
  params: Record<string, number[]>;
  /** Extra data inputs (not differentiated). */
  data?: Record<string, HostTensor & { dtype: 'float32' | 'int64' }>;
  build: (ad: Autodiff, p: Record<string, Value>, d: Record<string, Value>) => Value;
  /** Treat the built value as the loss itself (scalar) instead of Σ y ⊙ R. */
  isLoss?: boolean;
  /** Custom parameter values. */
  init?: Record<string, Float32Array>;
  tolerance?: number;
}

async function gradCheck(name: string, spec: CheckSpec): Promise<void> {
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
    const picks = [...new Set([0, 1, Math.floor(n / 2), n - 2, n - 1].filter((i) => i >= 0 && i < n))];
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

const B = 2;
const T = 3;
const D = 4;

test('add, sub, mul with broadcasting; scale', async () => {
  await gradCheck('add', { params: { a: [B, T, D], b: [D] }, build: (ad, p) => ad.add(p['a']!, p['b']!) });
  await gradCheck('sub', { params: { a: [B, T, D], b: [T, 1] }, build: (ad, p) => ad.sub(p['a']!, p['b']!) });
  await gradCheck('mul', { params: { a: [B, T, D], b: [B, 1, D] }, build: (ad, p) => ad.mul(p['a']!, p['b']!) });
  await gradCheck('scale', { params: { a: [B, D] }, build: (ad, p) => ad.scale(p['a']!, -2.5) });
});

test('activations: relu, sigmoid, tanh, gelu', async () => {
  await gradCheck('relu', { params: { x: [B, D] }, build: (ad, p) => ad.relu(p['x']!) });
  await gradCheck('sigmoid', { params: { x: [B, D] }, build: (ad, p) => ad.sigmoid(p['x']!) });
  await gradCheck('tanh', { params: { x: [B, D] }, build: (ad, p) => ad.tanh(p['x']!) });
  await gradCheck('gelu', { params: { x: [B, T, D] }, build: (ad, p) => ad.gelu(p['x']!) });
});

test('matmul (3-D input), linear, bmm (4-D)', async () => {
  await gradCheck('matmul', { params: { x: [B, T, D], w: [D, 5] }, build: (ad, p) => ad.matmul(p['x']!, p['w']!) });
  await gradCheck('linear', { params: { x: [B, D], w: [D, 3], b: [3] }, build: (ad, p) => ad.linear(p['x']!, p['w']!, p['b']!) });
  await gradCheck('bmm', { params: { a: [B, 2, T, D], b: [B, 2, D, T] }, build: (ad, p) => ad.bmm(p['a']!, p['b']!) });
});

test('shape ops: reshape, transpose, concat, split, slice, pad', async () => {
  await gradCheck('reshape', { params: { x: [B, T, D] }, build: (ad, p) => ad.reshape(p['x']!, [0, -1], [B, T * D]) });
  await gradCheck('transpose', { params: { x: [B, T, D] }, build: (ad, p) => ad.transpose(p['x']!, [2, 0, 1]) });
  await gradCheck('concat', { params: { a: [B, 2], b: [B, 3] }, build: (ad, p) => ad.concat([p['a']!, p['b']!], 1) });
  await gradCheck('split', {
    params: { x: [B, 5] },
    build: (ad, p) => {
      const [a, b] = ad.split(p['x']!, 1, [2, 3]) as [Value, Value];
      return ad.concat([ad.scale(b, 3), a], 1);
    },
  });
  await gradCheck('split-unused-part', { params: { x: [B, 5] }, build: (ad, p) => ad.split(p['x']!, 1, [2, 3])[1]! });
  await gradCheck('slice', { params: { x: [B, 5, D] }, build: (ad, p) => ad.slice(p['x']!, 1, 1, 4) });
  await gradCheck('pad', { params: { x: [B, T, D] }, build: (ad, p) => ad.pad(p['x']!, 1, 1, 2) });
});

test('gather (embedding rows, repeated ids accumulate)', async () => {
  const ids = BigInt64Array.from([1n, 3n, 1n, 0n, 4n, 1n]);
  await gradCheck('gather', {
    params: { table: [6, D] },
    data: { ids: { data: ids, dims: [B, T], dtype: 'int64' } },
    build: (ad, p, d) => ad.gather(p['table']!, d['ids']!),
  });
});

test('reductions: sum, mean, max; softmax; layerNorm', async () => {
  await gradCheck('reduceSum', { params: { x: [B, T, D] }, build: (ad, p) => ad.reduceSum(p['x']!, [1], false) });
  await gradCheck('reduceSum-keep', { params: { x: [B, T, D] }, build: (ad, p) => ad.reduceSum(p['x']!, [-1], true) });
  await gradCheck('reduceMean', { params: { x: [B, T, D] }, build: (ad, p) => ad.reduceMean(p['x']!, [1], false) });
  await gradCheck('reduceMax', { params: { x: [B, T, D] }, build: (ad, p) => ad.reduceMax(p['x']!, 1, false) });
  await gradCheck('softmax', { params: { x: [B, T, D] }, build: (ad, p) => ad.softmax(p['x']!) });
  await gradCheck('layerNorm', {
    params: { x: [B, T, D], gamma: [D], beta: [D] },
    build: (ad, p) => ad.layerNorm(p['x']!, p['gamma']!, p['beta']!, 1e-5),
  });
});

test('losses: weighted softmax cross-entropy, weighted binary cross-entropy', async () => {
  await gradCheck('softmaxCE', {
    isLoss: true,
    params: { logits: [4, 3] },
    data: {
      labels: { data: BigInt64Array.from([0n, 2n, 1n, 2n]), dims: [4], dtype: 'int64' },
      weights: { data: Float32Array.from([1, 0.5, 0, 2]), dims: [4], dtype: 'float32' },
    },
    build: (ad, p, d) => ad.softmaxCrossEntropy(p['logits']!, d['labels']!, d['weights']!),
  });
  await gradCheck('bce', {
    isLoss: true,
    params: { logits: [B, T] },
    data: {
      targets: { data: Float32Array.from([1, 0, 1, 0, 0, 1]), dims: [B, T], dtype: 'float32' },
      weights: { data: Float32Array.from([1, 1, 0, 1, 2, 1]), dims: [B, T], dtype: 'float32' },
    },
    build: (ad, p, d) => ad.binaryCrossEntropy(p['logits']!, d['targets']!, d['weights']!),
  });
  // Partial labels: rows allowing one class, several classes, and a zero-weight row.
  await gradCheck('partial-ce', {
    isLoss: true,
    params: { logits: [4, 3] },
    data: {
      allowed: { data: Float32Array.from([1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 1]), dims: [4, 3], dtype: 'float32' },
      weights: { data: Float32Array.from([1, 0.5, 0, 2]), dims: [4], dtype: 'float32' },
    },
    build: (ad, p, d) => ad.partialSoftmaxCrossEntropy(p['logits']!, d['allowed']!, d['weights']!),
  });
});

test('composite: one attention block with masking (rules compose)', async () => {
  const H = 2;
  const dk = D / H;
  const mask = Float32Array.from([0, 0, -1e4, 0, 0, 0]); // batch 0 cannot attend to position 2
  await gradCheck('attention', {
    params: { x: [B, T, D], wq: [D, D], wk: [D, D], wv: [D, D], g: [D], b: [D] },
    data: { bias: { data: mask, dims: [B, 1, 1, T], dtype: 'float32' } },
    build: (ad, p, d) => {
      const x = p['x']!;
      const heads = (t: Value, perm: number[]): Value => ad.transpose(ad.reshape(t, [0, 0, H, dk], [B, T, H, dk]), perm);
      const q = heads(ad.matmul(x, p['wq']!), [0, 2, 1, 3]);
      const k = heads(ad.matmul(x, p['wk']!), [0, 2, 3, 1]);
      const v = heads(ad.matmul(x, p['wv']!), [0, 2, 1, 3]);
      const att = ad.softmax(ad.add(ad.scale(ad.bmm(q, k), 1 / Math.sqrt(dk)), d['bias']!));
      const ctx = ad.reshape(ad.transpose(ad.bmm(att, v), [0, 2, 1, 3]), [0, 0, D], [B, T, D]);
      return ad.layerNorm(ad.add(x, ctx), p['g']!, p['b']!, 1e-5);
    },
  });
});

test('dropout: output and gradient use the same mask, about p of elements dropped', async () => {
  const ad = new Autodiff('dropout', { training: true, seed: 3 });
  const x = ad.param('x', [64, 64], { kind: 'zeros' });
  const y = ad.dropout(x, 0.25);
  const loss = ad.reduceSum(y, [0, 1], false);
  const grads = ad.backward(loss);
  ad.g.output(y, 'y');
  ad.g.output(grads.get('x')!, 'gx');
  const s = await createSession(ad.g.toBytes());
  const xs = rand(64 * 64, 5);
  const r = await s.run({ x: { data: xs, dims: [64, 64] } });
  const yv = r['y']!.data as Float32Array;
  const gx = r['gx']!.data as Float32Array;
  let zeros = 0;
  for (let i = 0; i < xs.length; i++) {
    assert.ok(Math.abs(gx[i]! * xs[i]! - yv[i]!) < 1e-5, `element ${i}`);
    if (gx[i] === 0) zeros++;
  }
  const share = zeros / xs.length;
  assert.ok(share > 0.2 && share < 0.3, `dropped share ${share}`);
  const inference = new Autodiff('dropout-off', { training: false });
  const xi = inference.input('x', 'float32', [2]);
  assert.equal(inference.dropout(xi, 0.5), xi);
});
