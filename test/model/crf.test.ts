/**
 * The linear-chain CRF: NLL against brute-force enumeration, gradients against finite
 * differences, padding invariance (Viterbi itself: test/unit/viterbi.test.ts),
 * export parity of a tiny BiLSTM-CRF tagger, and a task only the learned transitions can solve.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Autodiff } from '../../src/core/engine/autodiff';
import type { Value } from '../../src/core/engine/graph';
import { initialize } from '../../src/core/engine/initialize';
import { appendOptimizer } from '../../src/core/engine/optimizer';
import { StepRunner } from '../../src/core/engine/stepRunner';
import { CRF_OUTPUTS, crfNll, crfParams, crfPartialNll, crfScoreOutputs } from '../../src/core/engine/layers/crf';
import { biLstm, biLstmParams } from '../../src/core/engine/layers/lstm';
import { pathScore, viterbiBatch, type CrfScores } from '../../src/core/inference/sequence/viterbi';
import { createSession, type HostTensor } from '../../src/core/runtime/session';
import { assertClose, spread, f32, gradCheck, i64, maskOf, rand, runForward } from '../helpers/layerCheck';

const K = 3;

function scores(seed: number, k = K): CrfScores {
  return { tags: k, transitions: rand(k * k, seed, 1), start: rand(k, seed + 1, 1), end: rand(k, seed + 2, 1) };
}

/** Every path of length L over k tags. */
function allPaths(L: number, k: number): number[][] {
  let out: number[][] = [[]];
  for (let t = 0; t < L; t++) out = out.flatMap((p) => Array.from({ length: k }, (_, j) => [...p, j]));
  return out;
}

function bruteNll(em: Float32Array, gold: number[], crf: CrfScores): number {
  const all = allPaths(gold.length, crf.tags).map((p) => pathScore(em, p, crf));
  const m = Math.max(...all);
  const logZ = m + Math.log(all.reduce((s, x) => s + Math.exp(x - m), 0));
  return logZ - pathScore(em, gold, crf);
}

/** CRF NLL of rows padded to T, in onnxruntime. */
async function graphNll(em: Float32Array, tags: number[], lengths: number[], T: number, crf: CrfScores): Promise<number> {
  const B = lengths.length;
  const ad = new Autodiff('crf', { training: true });
  const p = crfParams(ad, 'crf', K);
  const e = ad.input('em', 'float32', [B, T, K]);
  const loss = crfNll(ad, e, ad.input('tags', 'int64', [B, T]), ad.input('mask', 'float32', [B, T]), p);
  const feeds: Record<string, HostTensor> = {
    em: { data: em, dims: [B, T, K] },
    tags: i64(tags, [B, T]),
    mask: { data: maskOf(lengths, T), dims: [B, T] },
    'crf.transitions': { data: Float32Array.from(crf.transitions), dims: [K, K] },
    'crf.start': { data: Float32Array.from(crf.start), dims: [K] },
    'crf.end': { data: Float32Array.from(crf.end), dims: [K] },
  };
  return (await runForward(ad, loss, feeds))[0]!;
}

test('CRF NLL equals brute-force enumeration; padding (with garbage emissions) changes nothing', async () => {
  const crf = scores(5);
  const L = 4;
  const em = rand(L * K, 11, 2);
  const gold = [2, 0, 0, 1];
  const expected = bruteNll(em, gold, crf);
  assert.ok(Math.abs((await graphNll(em, gold, [L], L, crf)) - expected) < 1e-4, 'unpadded');
  const T = 7;
  const padded = rand(T * K, 12, 9);
  padded.set(em, 0);
  assert.ok(Math.abs((await graphNll(padded, [...gold, 1, 2, 0], [L], T, crf)) - expected) < 1e-4, 'padded');
  // Mean over rows: a second, shorter row averages in; an empty row is ignored.
  const em2 = rand(2 * K, 13, 2);
  const two = new Float32Array(3 * T * K);
  two.set(padded, 0);
  two.set(em2, T * K);
  const both = await graphNll(two, [...gold, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [L, 2, 0], T, crf);
  assert.ok(Math.abs(both - (expected + bruteNll(em2, [1, 2], crf)) / 2) < 1e-4, 'batch mean');
});

test('CRF NLL gradients match finite differences (emissions, transitions, start, end)', async () => {
  const B = 2;
  const T = 4;
  const lengths = [4, 2];
  await gradCheck('crf', {
    params: { em: [B, T, K], transitions: [K, K], start: [K], end: [K] },
    data: { tags: i64([0, 2, 1, 1, 2, 0, 1, 1], [B, T]), mask: f32(maskOf(lengths, T), [B, T]) },
    build: (ad, p, d) => crfNll(ad, p['em']!, d['tags']!, d['mask']!, { transitions: p['transitions'] as never, start: p['start'] as never, end: p['end'] as never, tags: K }),
    isLoss: true,
    picks: spread(12),
  });
});

/** −log of the probability mass of the paths inside each token's allowed set, by enumeration. */
function brutePartialNll(em: Float32Array, allowed: number[][], crf: CrfScores): number {
  const lse = (xs: number[]): number => {
    const m = Math.max(...xs);
    return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
  };
  const paths = allPaths(allowed.length, crf.tags);
  const kept = paths.filter((p) => p.every((k, t) => allowed[t]!.includes(k)));
  return lse(paths.map((p) => pathScore(em, p, crf))) - lse(kept.map((p) => pathScore(em, p, crf)));
}

/** allowed float [B, T, K] from per-token tag lists (padding allows everything). */
function allowedOf(rows: number[][][], T: number): Float32Array {
  const out = new Float32Array(rows.length * T * K).fill(1);
  rows.forEach((row, b) =>
    row.forEach((tags, t) => {
      for (let k = 0; k < K; k++) out[(b * T + t) * K + k] = tags.includes(k) ? 1 : 0;
    }),
  );
  return out;
}

test('CRF partial-label NLL equals enumeration over the allowed paths; one tag per token gives crfNll', async () => {
  const crf = scores(8);
  const T = 5;
  const rows = [
    [[0, 1], [2], [0, 1, 2], [1], [0, 2]],
    [[2], [0, 1]],
  ];
  const lengths = rows.map((r) => r.length);
  const em = rand(rows.length * T * K, 21, 2);
  const feeds: Record<string, HostTensor> = {
    em: { data: em, dims: [rows.length, T, K] },
    allowed: { data: allowedOf(rows, T), dims: [rows.length, T, K] },
    mask: { data: maskOf(lengths, T), dims: [rows.length, T] },
    'crf.transitions': { data: Float32Array.from(crf.transitions), dims: [K, K] },
    'crf.start': { data: Float32Array.from(crf.start), dims: [K] },
    'crf.end': { data: Float32Array.from(crf.end), dims: [K] },
  };
  const partial = async (f: Record<string, HostTensor>, B: number): Promise<number> => {
    const ad = new Autodiff('crf-partial', { training: true });
    const p = crfParams(ad, 'crf', K);
    const loss = crfPartialNll(ad, ad.input('em', 'float32', [B, T, K]), ad.input('allowed', 'float32', [B, T, K]), ad.input('mask', 'float32', [B, T]), p);
    return (await runForward(ad, loss, f))[0]!;
  };
  const expected = rows.map((r, b) => brutePartialNll(em.subarray(b * T * K, (b * T + r.length) * K), r, crf));
  const got = await partial(feeds, rows.length);
  assert.ok(Math.abs(got - (expected[0]! + expected[1]!) / 2) < 1e-3, `partial NLL ${got} vs ${(expected[0]! + expected[1]!) / 2}`);
  // Exactly one allowed tag per token: the full-label NLL.
  const gold = [2, 0, 0, 1];
  const one = allowedOf([gold.map((k) => [k])], T);
  const single = await partial({ ...feeds, em: { data: em.slice(0, T * K), dims: [1, T, K] }, allowed: { data: one, dims: [1, T, K] }, mask: { data: maskOf([4], T), dims: [1, T] } }, 1);
  const full = await graphNll(em.slice(0, T * K), [...gold, 0], [4], T, crf);
  assert.ok(Math.abs(single - full) < 1e-3, `single-tag partial ${single} vs crfNll ${full}`);
});

test('CRF partial-label NLL gradients match finite differences (emissions, transitions, start, end)', async () => {
  const B = 2;
  const T = 4;
  const rows = [
    [[0, 1], [2], [0, 1, 2], [1]],
    [[2], [0, 1]],
  ];
  await gradCheck('crf-partial', {
    params: { em: [B, T, K], transitions: [K, K], start: [K], end: [K] },
    data: { allowed: f32(allowedOf(rows, T), [B, T, K]), mask: f32(maskOf(rows.map((r) => r.length), T), [B, T]) },
    build: (ad, p, d) => crfPartialNll(ad, p['em']!, d['allowed']!, d['mask']!, { transitions: p['transitions'] as never, start: p['start'] as never, end: p['end'] as never, tags: K }),
    isLoss: true,
    picks: spread(12),
  });
});

test('tagger export parity: BiLSTM-CRF emissions from the training graph = exported graph; same Viterbi paths', async () => {
  const B = 3;
  const T = 5;
  const E = 4;
  const lengths = [5, 2, 4];
  const ids = Array.from({ length: B * T }, (_, i) => (i * 7) % 9);
  const build = (ad: Autodiff, shape: [number | string, number | string]): Value => {
    const x = ad.gather(ad.param('emb', [9, E], { kind: 'normal', std: 1 }), ad.input('ids', 'int64', shape));
    const h = biLstm(ad, x, ad.input('lens', 'int64', [shape[0]]), ad.input('mask', 'float32', shape), biLstmParams(ad, 'lstm', E, 3));
    return ad.linear(h, ad.param('out.w', [6, K], { kind: 'uniform', limit: 1 }), ad.param('out.b', [K], { kind: 'uniform', limit: 1 }));
  };
  const train = new Autodiff('train', { training: true });
  const emTrain = build(train, [B, T]);
  crfParams(train, 'crf', K);
  const weights = initialize(train.params, 4);
  const feeds: Record<string, HostTensor> = { ids: i64(ids, [B, T]), lens: i64(lengths, [B]), mask: { data: maskOf(lengths, T), dims: [B, T] } };
  const trainFeeds = { ...feeds, ...Object.fromEntries(train.params.map((p) => [p.name, { data: weights.get(p.name)!, dims: p.shape as number[] }])) };
  const a = await runForward(train, emTrain, trainFeeds);
  // The exported graph carries the CRF scores as outputs next to the emissions.
  const exp = new Autodiff('export', { training: false, weights });
  exp.g.output(build(exp, ['batch', 'seq']), 'y');
  crfScoreOutputs(exp, crfParams(exp, 'crf', K));
  const session = await createSession(exp.g.toBytes());
  const out = await session.run(feeds);
  await session.dispose();
  const b = out['y']!.data as Float32Array;
  assertClose(a, b, 1e-5, 'emissions');
  const score = (k: string): Float32Array => out[k]!.data as Float32Array;
  const crf: CrfScores = { tags: K, transitions: score(CRF_OUTPUTS.transitions), start: score(CRF_OUTPUTS.start), end: score(CRF_OUTPUTS.end) };
  assertClose(crf.transitions, weights.get('crf.transitions')!, 0, 'exported transitions');
  assertClose(crf.end, weights.get('crf.end')!, 0, 'exported end scores');
  assert.deepEqual(viterbiBatch(a, lengths, T, crf), viterbiBatch(b, lengths, T, crf));
});

/**
 * Cycle task: tags run k, k+1, k+2, … (mod 3) from a start tag that only the first token shows;
 * every later token is the same filler. Per-token argmax cannot beat 1/3 after position 0; the
 * CRF's learned transitions carry the cycle.
 */
test('learnability: CRF transitions solve a task per-token decisions cannot', async () => {
  const B = 24;
  const T = 6;
  const ad = new Autodiff('cycle', { training: true, seed: 1 });
  const ids = ad.input('ids', 'int64', [B, T]);
  const tags = ad.input('tags', 'int64', [B, T]);
  const mask = ad.input('mask', 'float32', [B, T]);
  const em = ad.gather(ad.param('emb', [5, K], { kind: 'zeros' }), ids);
  const p = crfParams(ad, 'crf', K);
  const loss = crfNll(ad, em, tags, mask, p);
  const opt = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, clipNorm: 0 };
  appendOptimizer(ad, loss, opt);
  const session = await createSession(ad.g.toBytes());
  const runner = new StepRunner(session, ad.params, initialize(ad.params, 3), opt);
  const idv: number[] = [];
  const tagv: number[] = [];
  const lengths: number[] = [];
  for (let b = 0; b < B; b++) {
    const k0 = b % K;
    const L = 3 + (b % 4);
    lengths.push(L);
    for (let t = 0; t < T; t++) {
      idv.push(t >= L ? 0 : t === 0 ? 1 + k0 : 4);
      tagv.push((k0 + t) % K);
    }
  }
  const feeds = { ids: i64(idv, [B, T]), tags: i64(tagv, [B, T]), mask: { data: maskOf(lengths, T), dims: [B, T] } };
  let first = 0;
  let last = 0;
  for (let s = 0; s < 150; s++) {
    const r = await runner.run(feeds, 0.1);
    if (s === 0) first = r.loss;
    last = r.loss;
  }
  await session.dispose();
  assert.ok(last < first / 4, `loss ${first} → ${last}`);
  const w = runner.weights();
  const crf: CrfScores = { tags: K, transitions: w.get(p.transitions.name)!, start: w.get(p.start.name)!, end: w.get(p.end.name)! };
  const emb = w.get('emb')!;
  const emissions = Float32Array.from(idv.flatMap((id) => Array.from(emb.subarray(id * K, id * K + K))));
  const paths = viterbiBatch(emissions, lengths, T, crf);
  let right = 0;
  let total = 0;
  let perToken = 0;
  paths.forEach((path, b) =>
    path.forEach((k, t) => {
      total++;
      right += Number(k === tagv[b * T + t]);
      const row = emissions.subarray((b * T + t) * K, (b * T + t + 1) * K);
      perToken += Number(row.indexOf(Math.max(...row)) === tagv[b * T + t]);
    }),
  );
  assert.equal(right, total, 'Viterbi with learned transitions recovers every tag');
  assert.ok(perToken / total < 0.6, `per-token argmax accuracy ${perToken / total}`);
});
