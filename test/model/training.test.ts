/**
 * The training step as a whole: AdamW in the graph equals a reference written in plain
 * TypeScript, clipping bounds the update, a tiny encoder classifier learns a toy task, the
 * exported forward-only model reproduces the training graph, and restoring a checkpoint
 * continues bit-identically.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Autodiff } from '../../src/core/engine/autodiff';
import { initialize } from '../../src/core/engine/initialize';
import { appendOptimizer, type OptimizerOptions } from '../../src/core/engine/optimizer';
import { StepRunner } from '../../src/core/engine/stepRunner';
import { DEFAULT_ENCODER, encode, encoderParams, type EncoderConfig } from '../../src/core/engine/layers/transformerEncoder';
import { createSession, type HostTensor } from '../../src/core/runtime/session';
import type { Value } from '../../src/core/engine/graph';

/** loss = Σ (x ⊙ w − target)² / 2 over a vector parameter w: gradient (x⊙w − target)⊙x. */
async function quadratic(opt: OptimizerOptions & { averageDecay?: number }): Promise<{ runner: StepRunner; x: Float32Array; target: Float32Array }> {
  const ad = new Autodiff('quad', { training: true });
  const w = ad.param('w', [4], { kind: 'zeros' }, true);
  const m = ad.param('m', [2, 2], { kind: 'zeros' });
  const x = ad.input('x', 'float32', [4]);
  const t = ad.input('t', 'float32', [4]);
  const r = ad.sub(ad.add(ad.mul(x, w), ad.reshape(m, [4], [4])), t);
  const loss = ad.scale(ad.reduceSum(ad.mul(r, r), [0], false), 0.5);
  appendOptimizer(ad, loss, opt);
  const session = await createSession(ad.g.toBytes());
  const init = new Map([
    ['w', Float32Array.from([0.5, -1, 2, 0])],
    ['m', Float32Array.from([0.1, 0.2, -0.3, 0.4])],
  ]);
  return { runner: new StepRunner(session, ad.params, init, opt), x: Float32Array.from([1, 2, -1, 3]), target: Float32Array.from([1, 0, 1, -2]) };
}

test('AdamW in the graph matches a plain TypeScript AdamW over 5 steps (decay on matrices only)', async () => {
  const opt: OptimizerOptions = { beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.1, clipNorm: 0 };
  const { runner, x, target } = await quadratic(opt);
  // Reference: w is a vector (no decay), m a matrix (decayed).
  const w = [0.5, -1, 2, 0];
  const m = [0.1, 0.2, -0.3, 0.4];
  const state = { mw: [0, 0, 0, 0], vw: [0, 0, 0, 0], mm: [0, 0, 0, 0], vm: [0, 0, 0, 0] };
  const lr = 0.05;
  for (let t = 1; t <= 5; t++) {
    const r = w.map((wi, i) => x[i]! * wi + m[i]! - target[i]!);
    const gw = r.map((ri, i) => ri * x[i]!);
    const gm = r;
    const upd = (p: number[], g: number[], mo: number[], vo: number[], decay: boolean): void => {
      for (let i = 0; i < 4; i++) {
        mo[i] = 0.9 * mo[i]! + 0.1 * g[i]!;
        vo[i] = 0.99 * vo[i]! + 0.01 * g[i]! ** 2;
        const mh = mo[i]! / (1 - 0.9 ** t);
        const vh = vo[i]! / (1 - 0.99 ** t);
        p[i] = p[i]! - lr * (mh / (Math.sqrt(vh) + 1e-8)) - (decay ? lr * 0.1 * p[i]! : 0);
      }
    };
    const expectedLoss = r.reduce((s, ri) => s + ri * ri, 0) / 2;
    upd(w, gw, state.mw, state.vw, false);
    upd(m, gm, state.mm, state.vm, true);
    const got = await runner.run({ x: { data: x, dims: [4] }, t: { data: target, dims: [4] } }, lr);
    assert.ok(Math.abs(got.loss - expectedLoss) < 1e-4, `step ${t} loss ${got.loss} vs ${expectedLoss}`);
  }
  const weights = runner.weights();
  weights.get('w')!.forEach((v, i) => assert.ok(Math.abs(v - w[i]!) < 1e-4, `w[${i}] ${v} vs ${w[i]}`));
  weights.get('m')!.forEach((v, i) => assert.ok(Math.abs(v - m[i]!) < 1e-4, `m[${i}] ${v} vs ${m[i]}`));
});

test('gradient clipping reports the norm and bounds the first Adam moment', async () => {
  const opt: OptimizerOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, clipNorm: 0.01 };
  const { runner, x, target } = await quadratic(opt);
  const r = await runner.run({ x: { data: x, dims: [4] }, t: { data: target, dims: [4] } }, 0.01);
  // Unclipped gradient norm at the initial point, computed by hand.
  const w = [0.5, -1, 2, 0];
  const m = [0.1, 0.2, -0.3, 0.4];
  const res = w.map((wi, i) => x[i]! * wi + m[i]! - target[i]!);
  const norm = Math.sqrt(res.reduce((s, ri, i) => s + (ri * x[i]!) ** 2 + ri ** 2, 0));
  assert.ok(Math.abs(r.gradNorm - norm) / norm < 1e-5, `${r.gradNorm} vs ${norm}`);
  const moments = runner.state().tensors;
  let sq = 0;
  for (const k of ['m.w', 'm.m']) for (const v of moments.get(k)!) sq += (v / 0.1) ** 2;
  assert.ok(Math.abs(Math.sqrt(sq) - 0.01) < 1e-6, `clipped gradient norm ${Math.sqrt(sq)}`);
});

test('weight averaging: the average is the ramped moving average of the live weights, checkpoints carry it, off means the live weights', async () => {
  const opt = { beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0, clipNorm: 0, averageDecay: 0.5 };
  const { runner, x, target } = await quadratic(opt);
  const batch = { x: { data: x, dims: [4] }, t: { data: target, dims: [4] } };
  const expected = Array.from(runner.weights().get('w')!);
  for (let t = 1; t <= 4; t++) {
    await runner.run(batch, 0.1);
    const d = StepRunner.averageDecayAt(0.5, t);
    const live = runner.weights().get('w')!;
    expected.forEach((a, i) => (expected[i] = d * a + (1 - d) * live[i]!));
  }
  assert.equal(StepRunner.averageDecayAt(0.5, 1), 2 / 11, 'the first steps decay less than averageDecay');
  const avg = runner.averagedWeights().get('w')!;
  avg.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-6, `average w[${i}] ${v} vs ${expected[i]}`));
  assert.ok(Math.abs(avg[0]! - runner.weights().get('w')![0]!) > 1e-4, 'the average differs from the live weights');

  // A checkpoint restores the average; one written without averaging starts it at its weights.
  const saved = new Map([...runner.state().tensors].map(([k, v]) => [k, Float32Array.from(v)]));
  assert.ok(saved.has('average/w') && saved.has('average/m'));
  const { runner: resumed } = await quadratic(opt);
  resumed.restore({ step: 4, tensors: saved });
  assert.deepEqual(Array.from(resumed.averagedWeights().get('w')!), Array.from(avg));
  const withoutAverage = new Map([...saved].filter(([k]) => !k.startsWith('average/')));
  resumed.restore({ step: 4, tensors: withoutAverage });
  assert.deepEqual(Array.from(resumed.averagedWeights().get('w')!), Array.from(runner.weights().get('w')!));

  const { runner: plain } = await quadratic({ ...opt, averageDecay: 0 });
  await plain.run(batch, 0.1);
  assert.equal(plain.averaging, false);
  assert.deepEqual(Array.from(plain.averagedWeights().get('w')!), Array.from(plain.weights().get('w')!));
  assert.ok(![...plain.state().tensors.keys()].some((k) => k.startsWith('average/')));
});

const TINY: EncoderConfig = { ...DEFAULT_ENCODER, vocabSize: 20, dModel: 16, layers: 1, heads: 2, ffn: 32, maxPositions: 8, dropout: 0.1 };

/** A classifier graph on the encoder: label = whether token 3 occurs in the sequence. */
function classifier(ad: Autodiff): { logits: Value; loss?: Value } {
  const ids = ad.input('input_ids', 'int64', ['batch', 'seq']);
  const mask = ad.input('attention_mask', 'float32', ['batch', 'seq']);
  const h = encode(ad, TINY, encoderParams(ad, TINY), ids, mask);
  const pooled = ad.reduceMax(h, 1, false);
  const logits = ad.linear(pooled, ad.param('cls.w', [TINY.dModel, 2], { kind: 'normal', std: 0.02 }), ad.param('cls.b', [2], { kind: 'zeros' }, true));
  if (!ad.training) return { logits };
  const labels = ad.input('labels', 'int64', ['batch']);
  const weights = ad.input('weights', 'float32', ['batch']);
  return { logits, loss: ad.softmaxCrossEntropy(logits, labels, weights) };
}

function toyBatch(seed: number, B = 16, T = 6): Record<string, HostTensor> {
  let s = seed;
  const next = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / 2 ** 24;
  const ids = new BigInt64Array(B * T);
  const mask = new Float32Array(B * T);
  const labels = new BigInt64Array(B);
  for (let b = 0; b < B; b++) {
    const len = 3 + Math.floor(next() * (T - 2));
    let has = false;
    for (let t = 0; t < T; t++) {
      if (t < len) {
        const tok = 4 + Math.floor(next() * 16) - (next() < 0.25 ? 1 : 0);
        ids[b * T + t] = BigInt(Math.min(19, tok));
        mask[b * T + t] = 1;
        if (tok === 3) has = true;
      }
    }
    labels[b] = has ? 1n : 0n;
  }
  return {
    input_ids: { data: ids, dims: [B, T] },
    attention_mask: { data: mask, dims: [B, T] },
    labels: { data: labels, dims: [B] },
    weights: { data: new Float32Array(B).fill(1), dims: [B] },
  };
}

test('a tiny encoder classifier learns a toy task; export reproduces it; checkpoints resume exactly', async () => {
  const opt: OptimizerOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, clipNorm: 1 };
  const build = async (seed: number): Promise<{ runner: StepRunner; ad: Autodiff }> => {
    const ad = new Autodiff('toy', { training: true, seed });
    const { loss } = classifier(ad);
    appendOptimizer(ad, loss!, opt);
    const session = await createSession(ad.g.toBytes());
    return { ad, runner: new StepRunner(session, ad.params, initialize(ad.params, 7), opt) };
  };
  const { runner, ad } = await build(1);
  const first: number[] = [];
  const last: number[] = [];
  for (let step = 0; step < 150; step++) {
    const r = await runner.run(toyBatch(step), 3e-3);
    if (step < 10) first.push(r.loss);
    if (step >= 140) last.push(r.loss);
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(last) < 0.5 * mean(first), `loss ${mean(first).toFixed(3)} -> ${mean(last).toFixed(3)}`);

  // Export: forward-only graph, weights as initializers, dropout off.
  const weights = runner.weights();
  const ex = new Autodiff('toy-export', { training: false, weights });
  ex.g.output(classifier(ex).logits, 'logits');
  const exported = await createSession(ex.g.toBytes());
  assert.deepEqual([...exported.inputNames].sort(), ['attention_mask', 'input_ids']);
  // The same forward pass in a training-graph layout with dropout off, weights fed as inputs.
  const ref = new Autodiff('toy-ref', { training: false });
  ref.g.output(classifier(ref).logits, 'logits');
  const refSession = await createSession(ref.g.toBytes());
  const batch = toyBatch(999);
  const feeds = { input_ids: batch['input_ids']!, attention_mask: batch['attention_mask']! };
  const a = (await exported.run(feeds))['logits']!.data as Float32Array;
  const refFeeds: Record<string, HostTensor> = { ...feeds };
  for (const p of ref.params) refFeeds[p.name] = { data: weights.get(p.name)!, dims: p.shape as number[] };
  const b = (await refSession.run(refFeeds))['logits']!.data as Float32Array;
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-4, `logit ${i}: ${v} vs ${b[i]}`));
  let correct = 0;
  const labels = batch['labels']!.data as BigInt64Array;
  for (let i = 0; i < labels.length; i++) if ((a[2 * i + 1]! > a[2 * i]! ? 1n : 0n) === labels[i]) correct++;
  assert.ok(correct >= 12, `toy accuracy ${correct}/16`);

  // Checkpoint/resume: a fresh runner restored from a state continues with identical losses
  // (dropout off here: its random stream restarts with each session by design).
  const noDrop = async (): Promise<StepRunner> => {
    const d = new Autodiff('toy-nodrop', { training: true, seed: 1 });
    const saved = TINY.dropout;
    (TINY as { dropout: number }).dropout = 0;
    const { loss } = classifier(d);
    (TINY as { dropout: number }).dropout = saved;
    appendOptimizer(d, loss!, opt);
    return new StepRunner(await createSession(d.g.toBytes()), d.params, initialize(d.params, 7), opt);
  };
  const r1 = await noDrop();
  for (let s = 0; s < 3; s++) await r1.run(toyBatch(s), 3e-3);
  const snapshot = r1.state();
  const copy = { step: snapshot.step, tensors: new Map([...snapshot.tensors].map(([k, v]) => [k, Float32Array.from(v)])) };
  const cont1 = [];
  for (let s = 3; s < 6; s++) cont1.push((await r1.run(toyBatch(s), 3e-3)).loss);
  const r2 = await noDrop();
  r2.restore(copy);
  const cont2 = [];
  for (let s = 3; s < 6; s++) cont2.push((await r2.run(toyBatch(s), 3e-3)).loss);
  assert.deepEqual(cont2, cont1);
  assert.equal(ad.params.length, weights.size);
});
