/** Ensemble folders: the members and weights a config declares, and the weighted mean of predictions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { averagePredictions, ensembleMembers } from '../../src/core/inference/relations/relationEnsemble';
import { softmaxPrediction } from '../../src/core/inference/relations/relationPrediction';

test('the weighted mean of calibrated probabilities decides; logits are its log', () => {
  const a = [softmaxPrediction([2, 0, 0]), softmaxPrediction([0, 0, 3])];
  const b = [softmaxPrediction([0, 3, 0]), softmaxPrediction([0, 0, 3])];
  const mean = averagePredictions([a, b], [0.5, 0.5]);
  // Candidate 0: a says none (0.79), b says class 1 (0.91): the mean prefers class 1.
  assert.equal(mean[0]!.label, 1);
  assert.ok(Math.abs(mean[0]!.probs.reduce((x, y) => x + y, 0) - 1) < 1e-9);
  assert.ok(Math.abs(mean[0]!.prob - (a[0]!.probs[1]! + b[0]!.probs[1]!) / 2) < 1e-12);
  assert.ok(Math.abs(Math.exp(mean[0]!.logits[1]!) - mean[0]!.prob) < 1e-12);
  // Weight 1 on a member is that member's decision.
  assert.equal(averagePredictions([a, b], [1, 0])[0]!.label, 0);
  assert.throws(() => averagePredictions([a, b.slice(1)], [0.5, 0.5]), /different candidate lists/);
});

test('members and weights from an ensemble config: normalized weights, clear errors naming the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ens-'));
  for (const m of ['m1', 'm2']) {
    fs.mkdirSync(path.join(dir, m));
    fs.writeFileSync(path.join(dir, m, 'config.json'), '{}');
  }
  assert.deepEqual(ensembleMembers(dir, { members: ['m1', 'm2'], weights: [3, 1] }), { dirs: [path.join(dir, 'm1'), path.join(dir, 'm2')], weights: [0.75, 0.25] });
  assert.deepEqual(ensembleMembers(dir, { members: ['m1', 'm2'] }).weights, [0.5, 0.5]);
  assert.throws(() => ensembleMembers(dir, { members: ['m1', 'm3'] }), /member m3 has no config\.json/);
  assert.throws(() => ensembleMembers(dir, { members: ['../x'] }), /config\.json: members/);
  assert.throws(() => ensembleMembers(dir, { members: ['m1', 'm2'], weights: [1] }), /weights needs one/);
});
