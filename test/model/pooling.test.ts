/**
 * Pooling heads: gradients against finite differences, padding invariance (padded positions
 * never win the max, get no attention and no gradient), values against a direct computation,
 * and export parity of the combined head.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Autodiff } from '../../src/core/engine/autodiff';
import { initialize } from '../../src/core/engine/initialize';
import { attentionParams, maskedMaxPool, pool, pooledWidth, spanPool } from '../../src/core/engine/layers/pooling';
import type { HostTensor } from '../../src/core/runtime/session';
import { assertClose, spread, f32, gradCheck, maskOf, rand, runForward } from '../helpers/layerCheck';

const B = 2;
const T = 5;
const D = 3;
const lengths = [5, 3];
const spanA = f32([0, 1, 1, 0, 0, 1, 0, 0, 0, 0], [B, T]);

test('pooling gradients match finite differences: max, attention, span, combined', async () => {
  const data = { mask: f32(maskOf(lengths, T), [B, T]), span: spanA };
  await gradCheck('max', { params: { h: [B, T, D] }, data, build: (ad, p, d) => maskedMaxPool(ad, p['h']!, d['mask']!) });
  await gradCheck('span', { params: { h: [B, T, D] }, data, build: (ad, p, d) => spanPool(ad, p['h']!, d['span']!) });
  await gradCheck('attention', {
    params: { h: [B, T, D], w: [D, 4], b: [4], v: [4, 1] },
    data,
    build: (ad, p, d) => pool(ad, p['h']!, d['mask']!, { attention: { w: p['w'] as never, b: p['b'] as never, v: p['v'] as never } }),
    picks: spread(10),
  });
  await gradCheck('combined', {
    params: { h: [B, T, D] },
    data,
    build: (ad, p, d) => pool(ad, p['h']!, d['mask']!, { max: true, spans: [d['span']!] }),
  });
});

async function pooled(h: Float32Array, len: number[], Tn: number, span: Float32Array, weights: Map<string, Float32Array>, exported: boolean): Promise<Float32Array> {
  const n = len.length;
  const ad = exported ? new Autodiff('export', { training: false, weights }) : new Autodiff('train', { training: true });
  const att = attentionParams(ad, 'att', D, 4);
  const shape = exported ? ['batch', 'seq'] : [n, Tn];
  const hv = ad.input('h', 'float32', [...shape, D]);
  const mask = ad.input('mask', 'float32', shape);
  const y = pool(ad, hv, mask, { max: true, attention: att, spans: [ad.input('span', 'float32', shape)] });
  assert.equal(y.shape[1], pooledWidth(D, { max: true, attention: att, spans: [mask] }));
  const feeds: Record<string, HostTensor> = { h: { data: h, dims: [n, Tn, D] }, mask: { data: maskOf(len, Tn), dims: [n, Tn] }, span: { data: span, dims: [n, Tn] } };
  if (!exported) for (const p of ad.params) feeds[p.name] = { data: weights.get(p.name)!, dims: p.shape as number[] };
  return runForward(ad, y, feeds);
}

function attWeights(): Map<string, Float32Array> {
  const ad = new Autodiff('w', { training: true });
  attentionParams(ad, 'att', D, 4);
  return initialize(ad.params, 6);
}

test('pooling padding invariance and values: max, attention and span ignore padding (even huge values)', async () => {
  const w = attWeights();
  const real = rand(3 * D, 21, 1);
  const padded = rand(T * D, 22, 50); // padding far above every real value
  padded.set(real, 0);
  const span3 = Float32Array.of(0, 1, 1);
  const alone = await pooled(real, [3], 3, span3, w, false);
  const inBatch = await pooled(padded, [3], T, Float32Array.of(0, 1, 1, 0, 0), w, false);
  assertClose(inBatch, alone, 1e-5, 'padded vs alone');
  // Max and span against a direct computation.
  for (let k = 0; k < D; k++) {
    assert.ok(Math.abs(alone[k]! - Math.max(real[k]!, real[D + k]!, real[2 * D + k]!)) < 1e-6, `max ${k}`);
    assert.ok(Math.abs(alone[2 * D + k]! - (real[D + k]! + real[2 * D + k]!) / 2) < 1e-6, `span mean ${k}`);
  }
});

test('pooling export parity: training graph = exported graph', async () => {
  const w = attWeights();
  const h = rand(B * T * D, 31, 2);
  assertClose(await pooled(h, lengths, T, spanA.data as Float32Array, w, false), await pooled(h, lengths, T, spanA.data as Float32Array, w, true), 1e-6, 'export');
});

test('attention with keys: scores read the keys, the pooled values are h (position-aware attention)', async () => {
  const data = { mask: f32(maskOf(lengths, T), [B, T]) };
  await gradCheck('attention keys', {
    params: { h: [B, T, D], k: [B, T, 2], w: [2, 4], b: [4], v: [4, 1] },
    data,
    build: (ad, p, d) => pool(ad, p['h']!, d['mask']!, { attention: { w: p['w'] as never, b: p['b'] as never, v: p['v'] as never }, attentionKeys: p['k']! }),
    picks: spread(10),
  });
  // Values against a direct computation, one sequence of 3 real positions and 2 padded ones.
  const K = 2;
  const h = rand(T * D, 41, 1);
  const keys = rand(T * K, 42, 1);
  const w = rand(K * 4, 43, 1);
  const b = rand(4, 44, 0.5);
  const v = rand(4, 45, 1);
  const ad = new Autodiff('keys', { training: true });
  const hv = ad.input('h', 'float32', [1, T, D]);
  const kv = ad.input('k', 'float32', [1, T, K]);
  const mask = ad.input('mask', 'float32', [1, T]);
  const att = attentionParams(ad, 'att', K, 4);
  const y = pool(ad, hv, mask, { attention: att, attentionKeys: kv });
  const got = await runForward(ad, y, { h: { data: h, dims: [1, T, D] }, k: { data: keys, dims: [1, T, K] }, mask: { data: maskOf([3], T), dims: [1, T] }, 'att.w': { data: w, dims: [K, 4] }, 'att.b': { data: b, dims: [4] }, 'att.v': { data: v, dims: [4, 1] } });
  const score = [0, 1, 2].map((t) => {
    let s = 0;
    for (let j = 0; j < 4; j++) {
      let a = b[j]!;
      for (let i = 0; i < K; i++) a += keys[t * K + i]! * w[i * 4 + j]!;
      s += Math.tanh(a) * v[j]!;
    }
    return s;
  });
  const z = score.map((s) => Math.exp(s - Math.max(...score)));
  const sum = z.reduce((x, q) => x + q, 0);
  const want = Array.from({ length: D }, (_, d) => [0, 1, 2].reduce((acc, t) => acc + (z[t]! / sum) * h[t * D + d]!, 0));
  assertClose(got, want, 1e-5, 'keyed attention');
});
