/**
 * The decision-bias search of `biore calibrate-thresholds` over a synthetic scorer whose best
 * point is known: per class it finds each class's own optimum, shared it finds the one value
 * best for all relation classes together, and neither ever moves `none`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitClassBias } from '../../src/core/modelEvaluation/calibrateThresholds';

// F1 peaks at bias −0.5 for class 1 and −1 for class 2; moving `none` would be punished.
const f1 = (b: readonly number[]): number => 60 - 4 * (b[1]! + 0.5) ** 2 - 2 * (b[2]! + 1) ** 2 - 100 * Math.abs(b[0]!);

test('per-class biases reach each class optimum; none stays at 0', () => {
  const r = fitClassBias(3, f1, false);
  assert.deepEqual(r.bias, [0, -0.5, -1]);
  assert.equal(r.f1Argmax, f1([0, 0, 0]));
  assert.equal(r.best, 60);
});

test('a shared bias is one value for every relation class, the best of the grid for their sum', () => {
  const r = fitClassBias(3, f1, true);
  // 4(v+0.5)² + 2(v+1)² is smallest at v = −2/3; the grid's nearest best point is −0.75.
  assert.deepEqual(r.bias, [0, -0.75, -0.75]);
  assert.ok(r.best > r.f1Argmax);
});

test('no gain, no bias', () => {
  const flat = (): number => 50;
  assert.deepEqual(fitClassBias(4, flat, true).bias, [0, 0, 0, 0]);
  assert.deepEqual(fitClassBias(4, flat, false).bias, [0, 0, 0, 0]);
});
