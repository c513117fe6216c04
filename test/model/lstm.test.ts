/**
 * The BiLSTM layer: its hand-derived backward against finite differences, padding invariance in
 * both directions, parity of the unrolled training graph with the exported ONNX `LSTM` graph,
 * and a task only a layer with memory can learn.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Autodiff } from '../../src/core/engine/autodiff';
import type { Value } from '../../src/core/engine/graph';
import { initialize } from '../../src/core/engine/initialize';
import { appendOptimizer } from '../../src/core/engine/optimizer';
import { StepRunner } from '../../src/core/engine/stepRunner';
import { biLstm, biLstmParams, type LstmImpl } from '../../src/core/engine/layers/lstm';
import { spanPool } from '../../src/core/engine/layers/pooling';
import { createSession, type HostTensor } from '../../src/core/runtime/session';
import { assertClose, spread, f32, gradCheck, i64, maskOf, rand, runForward } from '../helpers/layerCheck';

const D = 3;
const H = 2;

test('BiLSTM backward matches finite differences (x, W, R, b; one padded row)', async () => {
  const B = 2;
  const T = 4;
  const lengths = [4, 2];
  await gradCheck('bilstm', {
    params: { x: [B, T, D], w: [2, D, 4 * H], r: [2, H, 4 * H], b: [2, 4 * H] },
    data: { lens: i64(lengths, [B]), mask: f32(maskOf(lengths, T), [B, T]) },
    build: (ad, p, d) => biLstm(ad, p['x']!, d['lens']!, d['mask']!, { w: p['w'] as never, r: p['r'] as never, b: p['b'] as never, inputDim: D, hidden: H }, 'unrolled'),
    picks: spread(10),
  });
});

/** Forward of a BiLSTM with fixed weights over x [B, T, D]. */
async function forward(impl: LstmImpl, x: Float32Array, lengths: number[], T: number, weights: Map<string, Float32Array>): Promise<Float32Array> {
  const B = lengths.length;
  const ad = impl === 'onnx' ? new Autodiff('export', { training: false, weights }) : new Autodiff('train', { training: true });
  const xv = ad.input('x', 'float32', impl === 'onnx' ? ['batch', 'seq', D] : [B, T, D]);
  const lens = ad.input('lens', 'int64', [impl === 'onnx' ? 'batch' : B]);
  const mask = ad.input('mask', 'float32', impl === 'onnx' ? ['batch', 'seq'] : [B, T]);
  const y = biLstm(ad, xv, lens, mask, biLstmParams(ad, 'lstm', D, H), impl);
  const feeds: Record<string, HostTensor> = { x: { data: x, dims: [B, T, D] }, lens: i64(lengths, [B]), mask: { data: maskOf(lengths, T), dims: [B, T] } };
  if (impl === 'unrolled') for (const p of ad.params) feeds[p.name] = { data: weights.get(p.name)!, dims: p.shape as number[] };
  return runForward(ad, y, feeds);
}

function lstmWeights(seed: number): Map<string, Float32Array> {
  const ad = new Autodiff('w', { training: true });
  const p = biLstmParams(ad, 'lstm', D, H);
  const w = initialize(ad.params, seed);
  w.set(p.b.name, rand(2 * 4 * H, seed + 5, 0.5));
  return w;
}

test('BiLSTM padding invariance: padding (even non-zero) changes nothing; the backward direction starts at the last real token', async () => {
  const weights = lstmWeights(3);
  const L = 3;
  const T = 6;
  const real = rand(L * D, 41);
  const padded = rand(T * D, 77, 5); // garbage in the padding
  padded.set(real, 0);
  for (const impl of ['unrolled', 'onnx'] as const) {
    const alone = await forward(impl, real, [L], L, weights);
    const inBatch = await forward(impl, padded, [L], T, weights);
    assertClose(inBatch.subarray(0, L * 2 * H), alone, 1e-6, `${impl} real positions`);
    assert.ok(
      inBatch.subarray(L * 2 * H).every((v) => v === 0),
      `${impl}: padded outputs are zero`,
    );
    // The backward state at the last real token has seen only that token: it equals a length-1 run.
    const last = await forward(impl, real.slice((L - 1) * D), [1], 1, weights);
    assertClose(alone.subarray((L - 1) * 2 * H + H, L * 2 * H), last.subarray(H), 1e-6, `${impl} backward state at the last real token`);
  }
});

test('BiLSTM export parity: unrolled training graph = exported ONNX LSTM graph', async () => {
  const weights = lstmWeights(9);
  const lengths = [5, 3, 1];
  const T = 5;
  const x = rand(lengths.length * T * D, 123, 2);
  const train = await forward('unrolled', x, lengths, T, weights);
  const exported = await forward('onnx', x, lengths, T, weights);
  assertClose(train, exported, 1e-5, 'training vs export');
});

/**
 * Marker task: label 1 when token 1 occurs anywhere before the last real token. The classifier
 * sees only the encoder output at the last real token, so a per-token layer cannot beat chance.
 */
function markerData(n: number, T: number, seed: number): { ids: number[]; lengths: number[]; labels: number[] } {
  const r = rand(n * (T + 3), seed);
  const u = (k: number): number => (r[k]! + 1) / 2;
  const ids: number[] = [];
  const lengths: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const base = i * (T + 3);
    const L = T - 2 + Math.floor(u(base) * 3);
    const label = i % 2;
    const at = Math.floor(u(base + 1) * (L - 1));
    for (let t = 0; t < T; t++) ids.push(t >= L ? 0 : label === 1 && t === at ? 1 : 2 + Math.floor(u(base + 3 + t) * 4));
    lengths.push(Math.min(L, T));
    labels.push(label);
  }
  return { ids, lengths, labels };
}

async function trainMarker(memory: boolean): Promise<number> {
  const B = 32;
  const T = 10;
  const E = 6;
  const ad = new Autodiff('marker', { training: true, seed: 1 });
  const ids = ad.input('ids', 'int64', [B, T]);
  const lens = ad.input('lens', 'int64', [B]);
  const mask = ad.input('mask', 'float32', [B, T]);
  const last = ad.input('last', 'float32', [B, T]);
  const labels = ad.input('labels', 'int64', [B]);
  const weights = ad.input('weights', 'float32', [B]);
  const emb = ad.gather(ad.param('emb', [6, E], { kind: 'normal', std: 0.5 }), ids);
  let h: Value;
  if (memory) h = biLstm(ad, emb, lens, mask, biLstmParams(ad, 'lstm', E, 8));
  else h = ad.tanh(ad.linear(emb, ad.param('tok.w', [E, 16], { kind: 'uniform', limit: 0.5 }), ad.param('tok.b', [16], { kind: 'zeros' }, true)));
  const logits = ad.linear(spanPool(ad, h, last), ad.param('cls.w', [16, 2], { kind: 'uniform', limit: 0.5 }), ad.param('cls.b', [2], { kind: 'zeros' }, true));
  const loss = ad.softmaxCrossEntropy(logits, labels, weights);
  ad.g.output(logits, 'logits');
  const opt = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, clipNorm: 0 };
  appendOptimizer(ad, loss, opt);
  const session = await createSession(ad.g.toBytes());
  const runner = new StepRunner(session, ad.params, initialize(ad.params, 2), opt);
  const feeds = (d: ReturnType<typeof markerData>): Record<string, HostTensor> => {
    const lastMask = new Float32Array(B * T);
    d.lengths.forEach((L, b) => (lastMask[b * T + L - 1] = 1));
    return {
      ids: i64(d.ids, [B, T]),
      lens: i64(d.lengths, [B]),
      mask: { data: maskOf(d.lengths, T), dims: [B, T] },
      last: { data: lastMask, dims: [B, T] },
      labels: i64(d.labels, [B]),
      weights: { data: new Float32Array(B).fill(1), dims: [B] },
    };
  };
  const trainSets = [1, 2, 3, 4, 5, 6, 7, 8].map((s) => feeds(markerData(B, T, s)));
  for (let step = 0; step < 240; step++) await runner.run(trainSets[step % trainSets.length]!, 0.03);
  // Held-out accuracy: the step graph also outputs logits; lr 0 leaves the weights alone.
  let correct = 0;
  const heldOut = markerData(B, T, 99);
  const out = await session.run({ ...feeds(heldOut), ...Object.fromEntries(ad.params.map((p) => [p.name, { data: runner.weights().get(p.name)!, dims: p.shape as number[] }])), ...zeroMoments(ad) });
  const z = out['logits']!.data as Float32Array;
  heldOut.labels.forEach((y, b) => (correct += Number((z[2 * b + 1]! > z[2 * b]! ? 1 : 0) === y)));
  await session.dispose();
  return correct / B;
}

function zeroMoments(ad: Autodiff): Record<string, HostTensor> {
  const f: Record<string, HostTensor> = { 'opt.lr_adam': { data: new Float32Array(1), dims: [] }, 'opt.eps': { data: Float32Array.of(1), dims: [] } };
  for (const p of ad.params) {
    const n = (p.shape as number[]).reduce((a, b) => a * b, 1);
    f[`m.${p.name}`] = { data: new Float32Array(n), dims: p.shape as number[] };
    f[`v.${p.name}`] = { data: new Float32Array(n), dims: p.shape as number[] };
  }
  return f;
}

test('memory task: the BiLSTM learns "a marker occurred earlier"; a per-token layer stays near chance', async () => {
  const withMemory = await trainMarker(true);
  const without = await trainMarker(false);
  assert.ok(withMemory >= 0.9, `BiLSTM held-out accuracy ${withMemory}`);
  assert.ok(without <= 0.75, `per-token control held-out accuracy ${without}`);
});

test('fused BPTT gradients equal the generic autodiff unroll (and the ONNX-forward variant) on every coordinate', async () => {
  const B = 3;
  const T = 5;
  const lengths = [5, 1, 3];
  const weights = lstmWeights(21);
  const x = rand(B * T * D, 55, 1.5);
  const r = rand(B * T * 2 * H, 56, 1);
  const grads = async (impl: LstmImpl): Promise<Float32Array[]> => {
    const ad = new Autodiff(impl, { training: true });
    const xv = ad.param('x', [B, T, D], { kind: 'zeros' });
    const p = biLstmParams(ad, 'lstm', D, H);
    const y = biLstm(ad, xv, ad.input('lens', 'int64', [B]), ad.input('mask', 'float32', [B, T]), p, impl);
    const loss = ad.reduceSum(ad.mul(y, ad.input('R', 'float32', [B, T, 2 * H])), [0, 1, 2], false);
    const g = ad.backward(loss);
    ad.params.forEach((q) => ad.g.output(g.get(q.name)!, `grad.${q.name}`));
    const session = await createSession(ad.g.toBytes());
    const feeds: Record<string, HostTensor> = { x: { data: x, dims: [B, T, D] }, lens: i64(lengths, [B]), mask: { data: maskOf(lengths, T), dims: [B, T] }, R: { data: r, dims: [B, T, 2 * H] } };
    for (const q of ad.params.slice(1)) feeds[q.name] = { data: weights.get(q.name)!, dims: q.shape as number[] };
    const out = await session.run(feeds);
    await session.dispose();
    return ad.params.map((q) => out[`grad.${q.name}`]!.data as Float32Array);
  };
  const fused = await grads('unrolled');
  const generic = await grads('autodiff');
  const hybrid = await grads('onnx-forward');
  fused.forEach((g, i) => assertClose(g, generic[i]!, 1e-5, `gradient ${i}`));
  fused.forEach((g, i) => assertClose(hybrid[i]!, g, 1e-5, `ONNX-forward gradient ${i}`));
  // Padded input positions get exactly zero gradient.
  assert.ok(fused[0]!.subarray((1 * T + 1) * D, 2 * T * D).every((v) => v === 0), 'no gradient into padding');
});
