/**
 * Rewrites of unmatched mentions toward MeSH's wording (normalization/nameRewrites.ts), and the
 * CID submission rule (evaluation/submission.ts): document-local concepts are not submitted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adjectiveNouns, chemicalRewrites, diseaseRewrites } from '../../src/core/inference/normalization/nameRewrites';
import { submittedDocuments, submittedPredictions } from '../../src/core/evaluation/submission';
import type { Document, Relation } from '../../src/core/document/document';
import type { Candidate } from '../../src/core/tasks/candidatePairs';

test('disease rewrites: organ nouns, MeSH head words, nouns of adjectives', () => {
  assert.ok(diseaseRewrites('renal toxicity').includes('kidney disease'));
  assert.ok(diseaseRewrites('renal impairment').includes('renal insufficiency'));
  assert.ok(diseaseRewrites('Pulmonary toxicity').includes('lung disease'));
  assert.ok(diseaseRewrites('myocardial hypertrophy').includes('heart hypertrophy'));
  // Organ noun alone comes before any head change (the more conservative rewrite first).
  const r = diseaseRewrites('cerebral damage');
  assert.ok(r.indexOf('brain damage') < r.indexOf('brain disease'));
  assert.ok(!r.includes('cerebral damage'), 'the mention itself is no rewrite');
  assert.deepEqual(diseaseRewrites('hypertension'), adjectiveNouns('hypertension'));
  assert.ok(adjectiveNouns('dystonic').includes('dystonia'));
  assert.ok(adjectiveNouns('psychotic').includes('psychosis'));
  assert.ok(adjectiveNouns('parkinsonian').includes('parkinsonism'));
  assert.ok(adjectiveNouns('depressive').includes('depression'));
  assert.ok(adjectiveNouns('edematous').includes('edema'));
  assert.deepEqual(adjectiveNouns('ic'), [], 'short words are left alone');
  assert.deepEqual(diseaseRewrites(''), []);
});

test('chemical rewrites: counter-ions of drug salts, anions as acids, drugs as agents', () => {
  assert.deepEqual(chemicalRewrites('bupropion HCl'), ['bupropion']);
  assert.deepEqual(chemicalRewrites('sodium valproate'), ['valproate', 'valproic acid']);
  assert.deepEqual(chemicalRewrites('acetylsalicylate'), ['acetylsalicylic acid']);
  assert.deepEqual(chemicalRewrites('cobalt chloride'), [], "a metal's chloride is its own compound");
  assert.deepEqual(chemicalRewrites('pregnenolone sulphate'), [], 'a sulphate ester is its own compound');
  assert.deepEqual(chemicalRewrites('beta-adrenergic blocking drugs'), ['beta-adrenergic blocking agents']);
  assert.deepEqual(chemicalRewrites('HCl'), [], 'a salt word alone stays');
});

function cdrDoc(relations: Relation[]): Document {
  return {
    id: 'd1',
    attributes: {},
    relations,
    passages: [{ offset: 0, text: 'x y', attributes: {}, annotations: [{ id: 'T1', type: 'Disease', spans: [{ start: 2, end: 3 }], text: 'y', ids: [], attributes: {} }] }],
  };
}

const rel = (id: string, chem: string, dis: { kind: 'concept' | 'annotation'; id: string }): Relation => ({
  id,
  type: 'CID',
  args: [
    { role: 'Chemical', ref: { kind: 'concept', id: chem } },
    { role: 'Disease', ref: dis },
  ],
  attributes: {},
});

test('CID submission: pairs naming a document-local concept (or a mention without ids) are left out and counted', () => {
  const d = cdrDoc([rel('r1', 'D1', { kind: 'concept', id: 'D2' }), rel('r2', 'local:Chemical:x', { kind: 'concept', id: 'D2' }), rel('r3', 'D1', { kind: 'annotation', id: 'T1' })]);
  const s = submittedDocuments('cdr', [d]);
  assert.deepEqual(s.documents[0]!.relations.map((r) => r.id), ['r1']);
  assert.equal(s.leftOut, 2);
  assert.equal(d.relations.length, 3, 'the suggestions themselves are untouched');
  assert.equal(submittedDocuments('ddi', [d]).leftOut, 0, 'other tasks submit everything');
  const arg = (id: string): Candidate['head'] => ({ kind: 'concept', id, type: 'Chemical', mentions: [] });
  const cands = [{ head: arg('D1'), tail: arg('D2') }, { head: arg('D1'), tail: arg('local:Disease:y') }, { head: arg('local:Chemical:z'), tail: arg('D2') }] as Candidate[];
  const p = submittedPredictions('cdr', cands, [{ label: 1 }, { label: 1 }, { label: 0 }]);
  assert.deepEqual(p.predictions.map((x) => x.label), [1, 0, 0]);
  assert.equal(p.leftOut, 1);
});
