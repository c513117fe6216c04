import assert from 'node:assert/strict';
import test from 'node:test';
import { assertDisjointFolds, crossValidate, meanAndSd } from '../../src/core/modelEvaluation/crossValidate';

test('cross-validation: folds must hold out disjoint documents; mean and spread of the fold scores', async () => {
  assert.doesNotThrow(() => assertDisjointFolds([{ model: 'a', docs: [{ id: '1' }, { id: '2' }] }, { model: 'b', docs: [{ id: '3' }] }]));
  assert.throws(() => assertDisjointFolds([{ model: 'a', docs: [{ id: '1' }, { id: '2' }] }, { model: 'b', docs: [{ id: '2' }] }]), /document 2 is held out by both a and b/);
  const { mean, sd } = meanAndSd([70, 72, 74]);
  assert.equal(mean, 72);
  assert.equal(sd, 2);
  assert.deepEqual(meanAndSd([5]), { mean: 5, sd: 0 });
  await assert.rejects(crossValidate('ddi', ['only-one']), /at least two folds/);
  await assert.rejects(crossValidate('nope', ['a', 'b']), /unknown relation task "nope"/);
});
