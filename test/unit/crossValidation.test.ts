import assert from 'node:assert/strict';
import test from 'node:test';
import { holdOutFold } from '../../src/core/corpora/taskSplits';

const docs = Array.from({ length: 400 }, (_, i) => ({ id: `PMID${1000 + i}` }));

test('holdOutFold: fold 0 is the usual split, the folds of one devShare partition the documents', () => {
  const usual = holdOutFold(docs, 0.1);
  assert.deepEqual(holdOutFold(docs, 0.1, 0), usual);
  assert.ok(usual.dev.length > 20 && usual.dev.length < 60, `${usual.dev.length} of 400 held out at 0.1`);
  assert.equal(usual.train.length + usual.dev.length, docs.length);
  // Five folds of 0.2: every document held out exactly once, and trained on by the other four.
  const seen = new Map<string, number>();
  for (let f = 0; f < 5; f++) {
    const { train, dev } = holdOutFold(docs, 0.2, f);
    assert.equal(train.length + dev.length, docs.length);
    const held = new Set(dev.map((d) => d.id));
    assert.ok(train.every((d) => !held.has(d.id)));
    for (const d of dev) seen.set(d.id, (seen.get(d.id) ?? 0) + 1);
  }
  assert.equal(seen.size, docs.length);
  assert.ok([...seen.values()].every((n) => n === 1));
  // Fold 0 of 0.2 holds out the usual 0.1 share and more.
  const f0 = new Set(holdOutFold(docs, 0.2, 0).dev.map((d) => d.id));
  assert.ok(usual.dev.every((d) => f0.has(d.id)));
});

test('holdOutFold: the last fold of an inexact share takes the rest; a fold past the range is an error', () => {
  const thirds = [0, 1, 2].map((f) => holdOutFold(docs, 0.3333, f).dev.length);
  assert.equal(thirds.reduce((a, b) => a + b, 0), docs.length);
  assert.throws(() => holdOutFold(docs, 0.2, 5), /devFold 5 is not a fold of devShare 0.2 \(folds 0-4\)/);
  assert.throws(() => holdOutFold(docs, 0.2, 1.5), /not a fold/);
});
