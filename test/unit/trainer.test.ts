import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { learningRateAt, parseOverrides, resolveConfig } from '../../src/core/training/trainConfig';
import { CHECKPOINT_FILE, train, type TrainerBackend } from '../../src/core/training/trainer';
import { loadCheckpoint, saveCheckpoint } from '../../src/core/training/checkpoint';

test('config: defaults < preset < overrides, validated, kebab-case keys, typed values', () => {
  const c = resolveConfig('tiny', parseOverrides(['learning-rate=0.01', 'wholeWordMask=false', 'outDir=/tmp/x']));
  assert.equal(c.layers, 1);
  assert.equal(c.learningRate, 0.01);
  assert.equal(c.wholeWordMask, false);
  assert.equal(c.outDir, '/tmp/x');
  assert.equal(c.beta2, 0.98);
  assert.throws(() => resolveConfig('nope'), /unknown preset/);
  assert.throws(() => parseOverrides(['layers=abc']), /needs a number/);
  assert.throws(() => parseOverrides(['colour=red']), /unknown config key/);
  assert.throws(() => resolveConfig(undefined, { dropout: 2 }), /dropout/);
});

test('learning rate: linear warm-up, then linear or cosine decay to the floor', () => {
  const c = { learningRate: 1, warmupSteps: 10, maxSteps: 110, decay: 'linear' as const, minLrRatio: 0.1 };
  assert.equal(learningRateAt(5, c), 0.5);
  assert.equal(learningRateAt(10, c), 1);
  assert.ok(Math.abs(learningRateAt(60, c) - 0.55) < 1e-12);
  assert.ok(Math.abs(learningRateAt(110, c) - 0.1) < 1e-12);
  assert.ok(Math.abs(learningRateAt(60, { ...c, decay: 'cosine' }) - 0.55) < 1e-12);
  assert.equal(learningRateAt(50, { ...c, decay: 'constant' }), 1);
});

test('checkpoint files round-trip and reject foreign files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ck-'));
  const f = path.join(dir, 'c.bin');
  saveCheckpoint(f, 7, new Map([['a', Float32Array.from([1, 2, 3])], ['b', Float32Array.from([4])]]), { seed: 1, x: 'é' });
  const r = loadCheckpoint(f);
  assert.equal(r.step, 7);
  assert.deepEqual([...r.tensors.get('a')!], [1, 2, 3]);
  assert.equal(r.meta['x'], 'é');
  fs.writeFileSync(f, 'hello');
  assert.throws(() => loadCheckpoint(f), /not a BioRE checkpoint/);
});

/** A fake backend: "loss" is 1/step, state is a step counter and one tensor. */
function fake(): TrainerBackend & { exports: number; lrs: number[] } {
  let step = 0;
  const w = new Float32Array(2);
  const b = {
    exports: 0,
    lrs: [] as number[],
    async step(lr: number) {
      step++;
      w[0] = step;
      b.lrs.push(lr);
      return { loss: 1 / step, gradNorm: 1, tokens: 10 };
    },
    async evaluate() {
      return { evalLoss: step === 20 ? 5 : 1 / step };
    },
    state() {
      return { step, tensors: new Map([['w', w]]) };
    },
    restore(s: { step: number; tensors: ReadonlyMap<string, Float32Array> }) {
      step = s.step;
      w.set(s.tensors.get('w')!);
    },
    async exportModel(dir: string) {
      b.exports++;
      fs.mkdirSync(dir, { recursive: true });
    },
  };
  return b;
}

test('loop: evaluates, keeps the best, checkpoints, resumes where it stopped, and honours cancel', async () => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'run-'));
  const config = resolveConfig('tiny', { outDir, maxSteps: 30, evalEvery: 10, checkpointEvery: 5, warmupSteps: 0 });
  const b1 = fake();
  const progress: number[] = [];
  const ac = new AbortController();
  const s1 = await train(b1, {
    config,
    meta: { seed: 1 },
    signal: ac.signal,
    onProgress: (p) => {
      progress.push(p.step);
      if (p.step === 15) ac.abort();
    },
  });
  assert.equal(s1.stoppedBy, 'cancelled');
  assert.equal(s1.steps, 15);
  assert.equal(loadCheckpoint(path.join(outDir, CHECKPOINT_FILE)).step, 15);
  // Resume: continues at step 16 with the schedule of step 16, not from scratch.
  const b2 = fake();
  const s2 = await train(b2, { config, meta: { seed: 1 } });
  assert.equal(s2.stoppedBy, 'maxSteps');
  assert.equal(s2.steps, 30);
  assert.equal(b2.lrs.length, 15);
  assert.equal(s2.history.map((h) => h.step).join(','), '10,20,30');
  // Step 20's eval was worse than step 10's; step 30 is best.
  assert.equal(s2.bestStep, 30);
  assert.ok(progress.includes(5));
});
