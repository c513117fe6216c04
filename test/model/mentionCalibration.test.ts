import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitPlattScaling, plattScale, expectedCalibrationError } from '../../src/core/evaluation/calibration';
import { readMentionCalibration, calibratedMentionScore } from '../../src/core/inference/mentions/mentionCalibration';
import { fitMentionCalibration, recordedHeldOut } from '../../src/core/modelEvaluation/calibrateMentions';
import type { MentionScorePoint } from '../../src/core/modelEvaluation/evaluateMentions';

/** A seeded generator, so that the synthetic data is the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Scores whose true probability of being right is σ(a·logit(s) + b): overconfident when a < 1. */
function synthetic(n: number, a: number, b: number, seed = 7): { scores: number[]; correct: boolean[] } {
  const r = rng(seed);
  const scores: number[] = [];
  const correct: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const s = 0.02 + 0.97 * r();
    scores.push(s);
    correct.push(r() < plattScale(s, { a, b }));
  }
  return { scores, correct };
}

test('Platt scaling recovers the scaling that generated the data, and no data is the identity', () => {
  const { scores, correct } = synthetic(20000, 0.6, 0.3);
  const fit = fitPlattScaling(scores, correct);
  assert.ok(Math.abs(fit.a - 0.6) < 0.06 && Math.abs(fit.b - 0.3) < 0.08, JSON.stringify(fit));
  assert.deepEqual(fitPlattScaling([], []), { a: 1, b: 0 });
  assert.ok(Math.abs(plattScale(0.8, { a: 1, b: 0 }) - 0.8) < 1e-9);
  // Separable data keeps finite weights (Platt's smoothed targets).
  const sep = fitPlattScaling([0.1, 0.2, 0.8, 0.9], [false, false, true, true]);
  assert.ok(Number.isFinite(sep.a) && Number.isFinite(sep.b) && sep.a > 0);
  assert.throws(() => fitPlattScaling([0.5], []), /differ in length/);
});

test('the mention calibration lowers the ECE of overconfident scores and scores added mentions by their precision', () => {
  const { scores, correct } = synthetic(5000, 0.5, 0.2, 11);
  const points: MentionScorePoint[] = scores.map((score, i) => ({ score, propagated: false, correct: correct[i]! }));
  // 10 added mentions (score 0), 4 of them right: (4 + 1) / (10 + 2).
  for (let i = 0; i < 10; i++) points.push({ score: 0, propagated: true, correct: i < 4 });
  const c = fitMentionCalibration(points, 'synthetic');
  assert.equal(c.kind, 'platt-logit');
  assert.equal(c.mentions, 5000);
  assert.equal(c.propagatedMentions, 10);
  assert.ok(Math.abs(c.propagated - 5 / 12) < 1e-4);
  assert.ok(c.eceBefore > 5 && c.eceAfter < 2, `ECE ${c.eceBefore} -> ${c.eceAfter}`);
  const added = calibratedMentionScore({ span: { start: 0, end: 1 }, type: 'Disease', text: 'x', score: 0, propagated: true }, c);
  assert.equal(added, c.propagated);
  const own = calibratedMentionScore({ span: { start: 0, end: 1 }, type: 'Disease', text: 'x', score: 0.99 }, c);
  assert.ok(own < 0.99 && own > 0.5, 'an overconfident 0.99 comes down');
  const after = expectedCalibrationError(
    scores.map((s) => plattScale(s, c)),
    correct,
  ).ece;
  assert.ok(after < 2);
});

test('a tagger folder calibration is read strictly and fitted only on training sources', () => {
  assert.equal(readMentionCalibration('m', {}), undefined);
  const ok = { kind: 'platt-logit', a: 0.6, b: 0.2, propagated: 0.5 };
  assert.equal(readMentionCalibration('m', { score_calibration: ok })?.a, 0.6);
  assert.throws(() => readMentionCalibration('m', { score_calibration: { ...ok, propagated: 2 } }), /m\/config\.json: score_calibration must be/);
  assert.throws(() => readMentionCalibration('m', { score_calibration: { ...ok, kind: 'isotonic' } }), /biore ner calibrate --model m/);
  assert.throws(() => recordedHeldOut('m', {}), /m\/config\.json: records no training sources/);
  const data = (split: string): Record<string, unknown> => ({ data: { heldOutShare: 0.1, sources: [{ corpus: 'bc5cdr', split, types: ['Chemical', 'Disease'] }] } });
  assert.deepEqual(recordedHeldOut('m', data('train')), { share: 0.1, sources: [{ corpus: 'bc5cdr', split: 'train', types: ['Chemical', 'Disease'] }] });
  assert.throws(() => recordedHeldOut('m', data('test')), /test split bc5cdr:test; a calibration is never fitted on test documents/);
  assert.throws(() => recordedHeldOut('m', data('nope')), /data\.sources\[0\] names no known corpus split/);
});
