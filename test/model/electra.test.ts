import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createElectraBackend, generatorConfigOf } from '../../src/core/training/pretraining/electra';
import { resolveConfig } from '../../src/core/training/trainConfig';

test('ELECTRA: generator is narrower, joint loss falls, discriminator metrics reported', async () => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-'));
  const config = resolveConfig('tiny', { objective: 'electra', outDir, dropout: 0, learningRate: 3e-3, warmupSteps: 0, evalBatches: 2 });
  const gen = generatorConfigOf(config, 50);
  assert.ok(gen.dModel < config.dModel && gen.dModel % gen.heads === 0);
  // A token stream with structure: tokens repeat in a fixed cycle, so replacements are detectable.
  const n = 4000;
  const ids = Int32Array.from({ length: n }, (_, i) => 5 + (i % 20));
  const stream = { ids, wordStart: new Uint8Array(n).fill(1) };
  const backend = await createElectraBackend({
    config,
    vocabSize: 50,
    special: { pad: 0, cls: 2, sep: 3, mask: 4 },
    train: stream,
    heldOut: stream,
    tokenizerDir: path.resolve(__dirname, '../../../test/fixtures/tokenizer'),
  });
  const first = await backend.evaluate();
  const losses: number[] = [];
  for (let s = 0; s < 60; s++) losses.push((await backend.step(3e-3)).loss);
  const last = await backend.evaluate();
  for (const k of ['evalLoss', 'evalMlmLoss', 'evalRtdLoss', 'evalRtdAccuracy', 'evalRtdF1']) assert.ok(Number.isFinite(last[k]!), k);
  assert.ok(last['evalLoss']! < first['evalLoss']!, `eval loss ${first['evalLoss']} -> ${last['evalLoss']}`);
  assert.ok(losses.slice(-10).reduce((a, b) => a + b) < losses.slice(0, 10).reduce((a, b) => a + b));
  await backend.exportModel(path.join(outDir, 'best'), {});
  const cfg = JSON.parse(fs.readFileSync(path.join(outDir, 'best', 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(cfg['objective'], 'electra');
  await backend.session.dispose();
});
