/**
 * `bench train-seq` at tiny shapes: the JSON fields the interface promises, and a loss
 * that falls on the fixed batch (the benchmark trains for real), for both models.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchTrainSeq } from '../../src/cli/commands/benchTrainSeq';

const tiny = { vocab: '50', emb: '8', pos: '3', hidden: '4', seq: '6', batch: '4', classes: '3', tags: '5', steps: '4', threads: '1', lr: '0.02', lstm: 'unrolled', python: 'python3', inferVocab: '50', abstractSentences: '2', abstractTokens: '5', abstractPairs: '2' };

for (const model of ['classifier', 'tagger']) {
  test(`bench train-seq --model ${model}: interface fields, falling loss, inference figure`, async () => {
    const r = await benchTrainSeq({ ...tiny, model, infer: true });
    assert.equal(r.model, model);
    assert.ok(r.medianStepSeconds > 0);
    assert.equal(r.losses.length, 5);
    assert.ok(r.lastLoss < r.firstLoss, `loss ${r.firstLoss} → ${r.lastLoss}`);
    assert.ok(r.inference && r.inference.msPerAbstract > 0);
    assert.equal(r.torch, undefined);
  });
}

test('bench train-seq rejects an unknown model or LSTM variant', async () => {
  await assert.rejects(benchTrainSeq({ ...tiny, model: 'gru' }), /classifier or tagger/);
  await assert.rejects(benchTrainSeq({ ...tiny, model: 'tagger', lstm: 'scan' }), /--lstm/);
});
