/**
 * The char CNN word encoder: gradients against finite differences, padding invariance (more
 * padded characters or padded words change nothing), export parity, and a spelling task that
 * needs the characters (word ids alone carry no signal for unseen words).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Autodiff } from '../../src/core/engine/autodiff';
import { initialize } from '../../src/core/engine/initialize';
import { appendOptimizer } from '../../src/core/engine/optimizer';
import { StepRunner } from '../../src/core/engine/stepRunner';
import { charCnn, charCnnParams, charIds } from '../../src/core/engine/layers/charEncoder';
import { createSession, type HostTensor } from '../../src/core/runtime/session';
import { assertClose, spread, f32, gradCheck, i64, runForward } from '../helpers/layerCheck';

const ALPHABET = new Map([...'abcdefghijklmnopqrstuvwxyz0123456789-'].map((c, i) => [c, i + 2]));
const A = ALPHABET.size + 2;

test('char CNN gradients match finite differences (embeddings, filters, bias)', async () => {
  const { ids, mask } = charIds([['ab', 'c'], ['dcb', '']], ALPHABET, 4);
  await gradCheck('charcnn', {
    params: { emb: [A, 3], w: [9, 4], b: [4] },
    data: { ids: { data: ids, dims: [2, 2, 4], dtype: 'int64' }, mask: f32(mask, [2, 2, 4]) },
    build: (ad, p, d) => charCnn(ad, d['ids']!, d['mask']!, { emb: p['emb'] as never, w: p['w'] as never, b: p['b'] as never, width: 3, filters: 4 }),
    picks: spread(10),
  });
});

async function encode(words: string[][], L: number, weights: Map<string, Float32Array>, exported: boolean): Promise<{ out: Float32Array; T: number }> {
  const { ids, mask, B, T } = charIds(words, ALPHABET, L);
  const ad = exported ? new Autodiff('export', { training: false, weights }) : new Autodiff('train', { training: true });
  const p = charCnnParams(ad, 'char', A, 5, 6);
  const shape = exported ? ['batch', 'seq', L] : [B, T, L];
  const y = charCnn(ad, ad.input('ids', 'int64', shape), ad.input('mask', 'float32', shape), p);
  const feeds: Record<string, HostTensor> = { ids: { data: ids, dims: [B, T, L] }, mask: { data: mask, dims: [B, T, L] } };
  if (!exported) for (const q of ad.params) feeds[q.name] = { data: weights.get(q.name)!, dims: q.shape as number[] };
  return { out: await runForward(ad, y, feeds), T };
}

function charWeights(): Map<string, Float32Array> {
  const ad = new Autodiff('w', { training: true });
  charCnnParams(ad, 'char', A, 5, 6);
  const w = initialize(ad.params, 8);
  w.set('char.b', Float32Array.from({ length: 6 }, (_, i) => 0.1 * (i - 2)));
  return w;
}

test('char CNN padding invariance: a word encodes the same however far it is padded; padded words are zero', async () => {
  const w = charWeights();
  const alone = await encode([['aspirin']], 7, w, false);
  const padded = await encode([['aspirin', 'x', 'ab'], ['q']], 12, w, false);
  assertClose(padded.out.subarray(0, 6), alone.out, 1e-6, 'aspirin');
  // Row 1 has one word: its padded word slots encode to zeros.
  assert.ok(padded.out.subarray(4 * 6, 6 * 6).every((v) => v === 0), 'padded words');
  assert.ok(alone.out.some((v) => v > 0), 'a real word has a non-zero code');
});

test('char CNN export parity: training graph = exported graph', async () => {
  const w = charWeights();
  const words = [['warfarin', 'co-2'], ['x']];
  const a = await encode(words, 9, w, false);
  const b = await encode(words, 9, w, true);
  assertClose(a.out, b.out, 1e-6, 'export');
});

/** Words ending in "-ine" vs "-ase", built from random stems: held-out stems only share the suffix. */
test('char CNN learns a suffix rule that generalizes to unseen words', async () => {
  const letters = 'bcdfghklmnprstvz';
  let s = 5;
  const rnd = (n: number): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const make = (n: number): { word: string; label: number }[] =>
    Array.from({ length: n }, (_, i) => {
      const stem = Array.from({ length: 3 + rnd(4) }, () => letters[rnd(letters.length)]).join('');
      return { word: stem + (i % 2 ? 'ine' : 'ase'), label: i % 2 };
    });
  const B = 32;
  const L = 10;
  const ad = new Autodiff('suffix', { training: true, seed: 1 });
  const ids = ad.input('ids', 'int64', [B, 1, L]);
  const mask = ad.input('mask', 'float32', [B, 1, L]);
  const h = ad.reshape(charCnn(ad, ids, mask, charCnnParams(ad, 'char', A, 8, 16)), [0, -1], [B, 16]);
  const logits = ad.linear(h, ad.param('w', [16, 2], { kind: 'uniform', limit: 0.5 }), ad.param('b', [2], { kind: 'zeros' }, true));
  const loss = ad.softmaxCrossEntropy(logits, ad.input('labels', 'int64', [B]), ad.input('weights', 'float32', [B]));
  const opt = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, clipNorm: 0 };
  appendOptimizer(ad, loss, opt);
  const session = await createSession(ad.g.toBytes());
  const runner = new StepRunner(session, ad.params, initialize(ad.params, 2), opt);
  const feeds = (rows: { word: string; label: number }[]): Record<string, HostTensor> => {
    const c = charIds(rows.map((r) => [r.word]), ALPHABET, L);
    return { ids: { data: c.ids, dims: [B, 1, L] }, mask: { data: c.mask, dims: [B, 1, L] }, labels: i64(rows.map((r) => r.label), [B]), weights: { data: new Float32Array(B).fill(1), dims: [B] } };
  };
  const sets = [0, 1, 2, 3].map(() => feeds(make(B)));
  for (let step = 0; step < 80; step++) await runner.run(sets[step % 4]!, 0.02);
  await session.dispose();
  // Held-out words through the exported graph.
  const test = make(B);
  const exp = new Autodiff('x', { training: false, weights: runner.weights() });
  const c = charIds(test.map((r) => [r.word]), ALPHABET, L);
  const p = charCnnParams(exp, 'char', A, 8, 16);
  const eh = exp.reshape(charCnn(exp, exp.input('ids', 'int64', [B, 1, L]), exp.input('mask', 'float32', [B, 1, L]), p), [0, -1], [B, 16]);
  const z = await runForward(exp, exp.linear(eh, exp.param('w', [16, 2], { kind: 'zeros' }), exp.param('b', [2], { kind: 'zeros' })), { ids: { data: c.ids, dims: [B, 1, L] }, mask: { data: c.mask, dims: [B, 1, L] } });
  const acc = test.filter((r, i) => Number(z[2 * i + 1]! > z[2 * i]!) === r.label).length / B;
  assert.ok(acc >= 0.95, `held-out accuracy ${acc}`);
});
