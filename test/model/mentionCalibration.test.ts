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

test('the mention calibration lowers the ECE of overconfident scores (per type when asked) and scores added mentions by their precision', () => {
  // Chemicals overconfident one way, genes another; 50 diseases, too few for a scaling of their own.
  const chem = synthetic(5000, 0.5, 0.2, 11);
  const gene = synthetic(3000, 0.8, -1, 13);
  const dis = synthetic(50, 1, 0, 17);
  const points: MentionScorePoint[] = [
    ...chem.scores.map((score, i) => ({ type: 'Chemical' as const, score, propagated: false, correct: chem.correct[i]! })),
    ...gene.scores.map((score, i) => ({ type: 'Gene' as const, score, propagated: false, correct: gene.correct[i]! })),
    ...dis.scores.map((score, i) => ({ type: 'Disease' as const, score, propagated: false, correct: dis.correct[i]! })),
  ];
  // 10 added mentions (score 0), 4 of them right: (4 + 1) / (10 + 2).
  for (let i = 0; i < 10; i++) points.push({ type: 'Chemical', score: 0, propagated: true, correct: i < 4 });
  const c = fitMentionCalibration(points, 'synthetic', { byType: true });
  assert.equal(fitMentionCalibration(points, 'synthetic').byType, undefined, 'one scaling for all types unless asked');
  assert.equal(c.kind, 'platt-logit');
  assert.equal(c.mentions, 8050);
  assert.equal(c.propagatedMentions, 10);
  assert.ok(Math.abs(c.propagated - 5 / 12) < 1e-4);
  assert.ok(Math.abs(c.byType!.Chemical!.a - 0.5) < 0.08 && Math.abs(c.byType!.Gene!.b + 1) < 0.15, JSON.stringify(c.byType));
  assert.equal(c.byType!.Disease, undefined, 'too few diseases: they use the all-types scaling');
  assert.ok(c.eceBefore > 5 && c.eceAfter < 2, `ECE ${c.eceBefore} -> ${c.eceAfter}`);
  assert.ok(c.eceByType!.Gene!.after < 2.5 && c.eceByType!.Gene!.before > 10, JSON.stringify(c.eceByType));
  const m = (type: 'Chemical' | 'Gene' | 'Disease', score: number, propagated = false) => ({ span: { start: 0, end: 1 }, type, text: 'x', score, ...(propagated ? { propagated } : {}) });
  assert.equal(calibratedMentionScore(m('Chemical', 0, true), c), c.propagated);
  assert.equal(calibratedMentionScore(m('Gene', 0.9), c), plattScale(0.9, c.byType!.Gene!));
  assert.equal(calibratedMentionScore(m('Disease', 0.9), c), plattScale(0.9, c));
  const own = calibratedMentionScore(m('Chemical', 0.99), c);
  assert.ok(own < 0.99 && own > 0.5, 'an overconfident 0.99 comes down');
  const after = expectedCalibrationError(
    chem.scores.map((s) => plattScale(s, c.byType!.Chemical!)),
    chem.correct,
  ).ece;
  assert.ok(after < 2);
});

test('a tagger folder calibration is read strictly and fitted only on training sources', () => {
  assert.equal(readMentionCalibration('m', {}), undefined);
  const ok = { kind: 'platt-logit', a: 0.6, b: 0.2, propagated: 0.5 };
  assert.equal(readMentionCalibration('m', { score_calibration: ok })?.a, 0.6);
  assert.throws(() => readMentionCalibration('m', { score_calibration: { ...ok, propagated: 2 } }), /m\/config\.json: score_calibration must be/);
  assert.throws(() => readMentionCalibration('m', { score_calibration: { ...ok, kind: 'isotonic' } }), /biore ner calibrate --model m/);
  assert.equal(readMentionCalibration('m', { score_calibration: { ...ok, byType: { Gene: { a: 1, b: -1 } } } })?.byType?.Gene?.b, -1);
  assert.throws(() => readMentionCalibration('m', { score_calibration: { ...ok, byType: { Protein: { a: 1, b: 0 } } } }), /score_calibration must be/);
  assert.throws(() => recordedHeldOut('m', {}), /m\/config\.json: records no training sources/);
  const data = (split: string): Record<string, unknown> => ({ data: { heldOutShare: 0.1, sources: [{ corpus: 'bc5cdr', split, types: ['Chemical', 'Disease'] }] } });
  assert.deepEqual(recordedHeldOut('m', data('train')), { share: 0.1, sources: [{ corpus: 'bc5cdr', split: 'train', types: ['Chemical', 'Disease'] }] });
  assert.throws(() => recordedHeldOut('m', data('test')), /test split bc5cdr:test; a calibration is never fitted on test documents/);
  assert.throws(() => recordedHeldOut('m', data('nope')), /data\.sources\[0\] names no known corpus split/);
});
