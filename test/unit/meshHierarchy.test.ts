/** The MeSH hierarchy of a relation folder, the broader-concept step of BC5CDR, and class biases. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MeshHierarchy, broaderNegatives, broaderPairs } from '../../src/core/inference/relations/meshHierarchy';
import { softmaxPrediction, withClassBias } from '../../src/core/inference/relations/relationPrediction';

// Kidney diseases > renal insufficiency > acute kidney injury; hypertension elsewhere.
const MESH = MeshHierarchy.parse(['# test', 'D007674\tC12.777.419|C12.200.777.419', 'D051437\tC12.777.419.780', 'D058186\tC12.777.419.780.050', 'D006973\tC14.907.489'].join('\n'), 'test');

test('MeSH: an ancestor by tree-number prefix, in any tree position; never itself or an unknown id', () => {
  assert.ok(MESH.isAncestor('D007674', 'D058186'));
  assert.ok(MESH.isAncestor('D051437', 'D058186'));
  assert.ok(!MESH.isAncestor('D058186', 'D007674'));
  assert.ok(!MESH.isAncestor('D007674', 'D007674'));
  assert.ok(!MESH.isAncestor('D007674', 'D006973'));
  assert.ok(!MESH.isAncestor('D999999', 'D058186'));
  // C12.777.41 is no ancestor of C12.777.419.780: prefixes end at a dot.
  assert.ok(!MeshHierarchy.parse('A\tC12.777.41\nB\tC12.777.419.780', 't').isAncestor('A', 'B'));
  assert.throws(() => MeshHierarchy.parse('D1 C01', 'bad.tsv'), /bad\.tsv:1/);
});

test('broader pairs: a positive pair whose disease is an ancestor of another positive disease of the same chemical is dropped', () => {
  const pairs = [
    { documentId: 'd', head: 'C1', tail: 'D007674', positive: true }, // broader than D058186: dropped
    { documentId: 'd', head: 'C1', tail: 'D058186', positive: true },
    { documentId: 'd', head: 'C2', tail: 'D007674', positive: true }, // C2 has no narrower disease: kept
    { documentId: 'd', head: 'C1', tail: 'D006973', positive: true },
    { documentId: 'e', head: 'C1', tail: 'D007674', positive: true }, // another document: kept
    { documentId: 'd', head: 'C3', tail: 'D051437', positive: true },
    { documentId: 'd', head: 'C3', tail: 'D058186', positive: false }, // not predicted: no reason to drop
  ];
  assert.deepEqual(broaderPairs(pairs, MESH), [0]);
});

test('class biases move only the decision: the prediction keeps its calibrated probabilities', () => {
  const p = softmaxPrediction([2, 1.5, 0]);
  assert.equal(p.label, 0);
  const biased = withClassBias(p, [0, 1, 0]);
  assert.equal(biased.label, 1);
  assert.equal(biased.prob, p.probs[1]);
  assert.deepEqual(biased.probs, p.probs);
  assert.equal(withClassBias(p, [0, 0, 0]), p);
});

test('training: a negative whose disease is an ancestor of a gold disease of the same chemical (same document) is dropped', () => {
  const pairs = [
    { documentId: 'd1', head: 'C1', tail: 'D058186', positive: true },
    { documentId: 'd1', head: 'C1', tail: 'D007674', positive: false }, // broader than the gold pair: dropped
    { documentId: 'd1', head: 'C2', tail: 'D007674', positive: false }, // another chemical: kept
    { documentId: 'd2', head: 'C1', tail: 'D051437', positive: false }, // another document: kept
    { documentId: 'd1', head: 'C1', tail: 'D006973', positive: false }, // unrelated disease: kept
    { documentId: 'd1', head: 'C1', tail: 'D051437', positive: true }, // a positive is never dropped
  ];
  assert.deepEqual(broaderNegatives(pairs, MESH), [1]);
});
