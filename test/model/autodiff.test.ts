/**
 * Every gradient rule against central finite differences, run in onnxruntime itself.
 * loss = Σ y ⊙ R for a fixed random R, so every output element matters with a distinct weight.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Autodiff } from '../../src/core/engine/autodiff';
import type { Value } from '../../src/core/engine/graph';
import { createSession } from '../../src/core/runtime/session';
import { relationLoss } from '../../src/core/training/cnnRelation/relationLoss';
import { gradCheck, rand } from '../helpers/gradCheck';

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

test('losses: weighted softmax cross-entropy, focal loss, the relation loss with detection, weighted binary cross-entropy', async () => {
  await gradCheck('softmaxCE', {
    isLoss: true,
    params: { logits: [4, 3] },
    data: {
      labels: { data: BigInt64Array.from([0n, 2n, 1n, 2n]), dims: [4], dtype: 'int64' },
      weights: { data: Float32Array.from([1, 0.5, 0, 2]), dims: [4], dtype: 'float32' },
    },
    build: (ad, p, d) => ad.softmaxCrossEntropy(p['logits']!, d['labels']!, d['weights']!),
  });
  // Focal loss (γ 2 and 0.5), with the same rows and weights as the cross-entropy above.
  for (const gamma of [2, 0.5]) {
    await gradCheck(`focal-${gamma}`, {
      isLoss: true,
      params: { logits: [4, 3] },
      data: {
        labels: { data: BigInt64Array.from([0n, 2n, 1n, 2n]), dims: [4], dtype: 'int64' },
        weights: { data: Float32Array.from([1, 0.5, 0, 2]), dims: [4], dtype: 'float32' },
      },
      build: (ad, p, d) => ad.focalCrossEntropy(p['logits']!, d['labels']!, d['weights']!, gamma),
    });
  }
  await gradCheck('bce', {
    isLoss: true,
    params: { logits: [B, T] },
    data: {
      targets: { data: Float32Array.from([1, 0, 1, 0, 0, 1]), dims: [B, T], dtype: 'float32' },
      weights: { data: Float32Array.from([1, 1, 0, 1, 2, 1]), dims: [B, T], dtype: 'float32' },
    },
    build: (ad, p, d) => ad.binaryCrossEntropy(p['logits']!, d['targets']!, d['weights']!),
  });
  // The relation graphs' loss with a detection term (relationLoss.ts): none rows, positive rows, a zero-weight row.
  await gradCheck('relation-loss-detection', {
    isLoss: true,
    params: { logits: [4, 3] },
    data: {
      labels: { data: BigInt64Array.from([0n, 2n, 1n, 0n]), dims: [4], dtype: 'int64' },
      weights: { data: Float32Array.from([1, 0.5, 0, 2]), dims: [4], dtype: 'float32' },
    },
    build: (ad, p, d) => relationLoss(ad, p['logits']!, d['labels']!, d['weights']!, { classes: 3, detectionWeight: 0.5, taskClasses: [] }),
  });
  assert.throws(() => relationLoss(new Autodiff('x', { training: true }), { name: 'l', shape: [4, 5], dtype: 'float32' }, { name: 'y', shape: [4], dtype: 'int64' }, { name: 'w', shape: [4], dtype: 'float32' }, { classes: 5, detectionWeight: 1, taskClasses: [2, 3] }), /only single-task relation models/);
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
