/**
 * Fine-tuning on decisions: examples come only from reviewed pairs, and a run writes a new model
 * version that the relation predictor loads, with before/after on the held-out decisions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parsePubTator } from '../../src/core/formats/pubtator';
import type { Relation } from '../../src/core/model/document';
import { decisionExamples, fineTuneOnDecisions } from '../../src/core/curation/fineTuneOnDecisions';
import { loadRelationPredictor } from '../../src/core/relations/relationPredictor';
import { writeFixtureModel } from '../e2e/fixtureModel';

const SAMPLE = path.resolve(__dirname, '../../../samples/sample.pubtator');

function reviewedDocument() {
  const doc = parsePubTator(fs.readFileSync(SAMPLE, 'utf8'), SAMPLE).documents[0]!;
  const rel = (chem: string, dis: string, status: NonNullable<Relation['status']>): Relation => ({
    id: `${chem}-${dis}`,
    type: 'CID',
    args: [{ role: 'Chemical', ref: { kind: 'concept', id: chem } }, { role: 'Disease', ref: { kind: 'concept', id: dis } }],
    attributes: {},
    status,
  });
  // Lithium causes what the sample says; amiloride and haloperidol pairs are rejected.
  doc.relations = [
    rel('D008094', 'D018500', 'accepted'),
    rel('D008094', 'D011141', 'accepted'),
    rel('D008094', 'D006955', 'added'),
    rel('D006220', 'D001480', 'accepted'),
    rel('D000584', 'D011141', 'rejected'),
    rel('D000584', 'D018500', 'rejected'),
    rel('D006220', 'D007674', 'rejected'),
    rel('D016651', 'D001714', 'rejected'),
  ];
  return doc;
}

test('decision examples: one per reviewed pair, labelled by the decision; unreviewed pairs left out', () => {
  const { docs, candidates } = decisionExamples('cdr', [reviewedDocument()]);
  assert.equal(docs.length, 1);
  assert.equal(candidates.length, 8);
  assert.deepEqual(candidates.map((c) => c.label).sort(), ['CID', 'CID', 'CID', 'CID', 'none', 'none', 'none', 'none']);
  assert.deepEqual(decisionExamples('ddi', [reviewedDocument()]).candidates, []);
});

test('fine-tune on decisions: a new model version that loads, with held-out before/after', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-'));
  const base = path.join(tmp, 'relation-cdr');
  await writeFixtureModel(base, SAMPLE);
  const out = path.join(tmp, 'versions', 'relation-cdr-ft1');
  const progress: number[] = [];
  const r = await fineTuneOnDecisions({ modelDir: base, outDir: out, documents: [reviewedDocument()], steps: 30, onProgress: (p) => progress.push(p.step) });
  assert.equal(r.task, 'cdr');
  assert.deepEqual(r.examples, { train: 6, heldOut: 2 });
  assert.ok(r.before >= 0 && r.before <= 100 && r.after >= 0 && r.after <= 100);
  assert.ok(progress.length > 0);
  const cfg = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.equal(cfg.finetune.from, base);
  const predictor = await loadRelationPredictor(out);
  const doc = { ...reviewedDocument(), relations: [] };
  assert.ok(Array.isArray(await predictor.predict(doc)));
  await predictor.dispose();
  await assert.rejects(fineTuneOnDecisions({ modelDir: base, outDir: out, documents: [reviewedDocument()] }), /exists already/);
  await assert.rejects(fineTuneOnDecisions({ modelDir: base, outDir: path.join(tmp, 'x'), documents: [] }), /at least 2/);
});
