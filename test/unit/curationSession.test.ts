/**
 * The core curation session and the suggestion policy: every change is recorded, saved and
 * replayed in one call, listeners hear which documents changed, and one duplicate key decides
 * what a suggestion repeats.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CurationSession } from '../../src/core/curation/curationSession';
import { CurationStore, parseSidecar } from '../../src/core/curation/curationStore';
import { relationKey, type Suggestion } from '../../src/core/curation/decisions';
import { addSuggestedRelations, suggestionsFromPredictions } from '../../src/core/curation/suggestionPolicy';
import type { Document, Relation, RelationArgument } from '../../src/core/document/document';
import { routeTasks } from '../../src/core/inference/relations/relationHeads';
import { parsePubTator } from '../../src/core/formats/pubtator';
import { generateCandidates } from '../../src/core/tasks/candidates';

const SAMPLE = path.resolve(__dirname, '../../../samples/sample.pubtator');
const concept = (role: string, id: string): RelationArgument => ({ role, ref: { kind: 'concept', id } });
const cid = (chem: string, dis: string, score: number, extra: Record<string, string> = {}): Relation => ({ id: `r-${chem}-${dis}`, type: 'CID', args: [concept('Chemical', chem), concept('Disease', dis)], score, attributes: { ...extra } });

async function openSession(): Promise<{ session: CurationSession; sidecar: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'biore-session-'));
  const file = path.join(dir, 'sample.pubtator');
  fs.copyFileSync(SAMPLE, file);
  const sidecar = `${file}.biore.json`;
  const store = await CurationStore.open(sidecar, file);
  return { session: await CurationSession.create({ path: file }, fs.readFileSync(file, 'utf8'), store), sidecar };
}

test('curation session: decide, decide many, undo and set suggestions each save, replay and notify', async () => {
  const { session, sidecar } = await openSession();
  const docId = session.file.documents[0]!.doc.id;
  const heard: string[][] = [];
  const stop = session.onDidChange((ids) => heard.push([...ids]));
  const args = [concept('Chemical', 'D008094'), concept('Disease', 'D006955')];
  const s: Suggestion = { key: relationKey('CID', args), type: 'CID', args, score: 0.9, task: 'cdr', evidence: { start: 0, end: 10 }, model: 'm' };

  await session.setSuggestions(docId, [s]);
  assert.equal(parseSidecar(fs.readFileSync(sidecar, 'utf8'), sidecar).suggestions[docId]!.length, 1, 'saved before it resolves');
  assert.equal(session.curated(docId)!.rows.find((r) => r.key === s.key)?.status, 'suggested', 'replayed');

  await session.decide(docId, { op: 'relation/verdict', key: s.key, verdict: 'accepted' });
  assert.equal(session.curated(docId)!.rows.find((r) => r.key === s.key)?.status, 'accepted');

  const undone = await session.undo();
  assert.equal(undone?.op, 'relation/verdict');
  assert.equal(session.curated(docId)!.rows.find((r) => r.key === s.key)?.status, 'suggested');

  await session.decideMany([{ docId, body: { op: 'relation/verdict', key: s.key, verdict: 'rejected' } }]);
  assert.equal(session.curated(docId)!.rows.find((r) => r.key === s.key)?.status, 'rejected');
  assert.equal(parseSidecar(fs.readFileSync(sidecar, 'utf8'), sidecar).decisions.length, 3);

  assert.match(session.newMentionId(), /^cm4$/);
  assert.deepEqual(heard, [[docId], [docId], [docId], [docId]]);
  stop();
  await session.decideMany([]);
  assert.equal(heard.length, 4, 'no change, no notice; an unsubscribed listener hears nothing');
});

test('suggestion policy: threshold for every suggestion (rules too), wanted tasks, one row per key', () => {
  const preds = [
    { relation: cid('D1', 'D2', 0.9), evidence: { start: 0, end: 5 }, task: 'cdr' as const },
    { relation: cid('D1', 'D2', 0.7), evidence: { start: 0, end: 5 }, task: 'cdr' as const },
    { relation: cid('D3', 'D4', 0.1), evidence: { start: 0, end: 5 }, task: 'cdr' as const },
    { relation: cid('D5', 'D6', 0.39, { rule: 'title-chemical' }), evidence: { start: 0, end: 5 }, task: 'cdr' as const },
    { relation: cid('D9', 'D6', 0.62, { rule: 'title-chemical' }), evidence: { start: 0, end: 5 }, task: 'cdr' as const },
    { relation: { ...cid('D7', 'D8', 0.95), type: 'Positive_Correlation' }, evidence: { start: 0, end: 5 }, task: 'biored' as const },
  ];
  const kept = suggestionsFromPredictions(preds, { tasks: ['cdr'], threshold: 0.5 }, 'relation-cdr');
  assert.deepEqual(kept.map((s) => [s.args[0]!.ref.id, s.score, s.rule ?? '']), [['D1', 0.9, ''], ['D9', 0.62, 'title-chemical']]);
  assert.equal(kept[0]!.key, relationKey('CID', preds[0]!.relation.args));
});

test('suggested relations join a document once: stated ones skipped, ids unique, evidence and task kept', () => {
  const doc: Document = { id: 'd', passages: [], relations: [{ ...cid('D1', 'D2', 1), id: 'r1' }], attributes: {} };
  const r = addSuggestedRelations(doc, [
    { relation: { ...cid('D1', 'D2', 0.9), id: 'x' }, evidence: { start: 0, end: 4 }, task: 'cdr' },
    { relation: { ...cid('D3', 'D4', 0.8), id: 'r1' }, evidence: { start: 2, end: 9 }, task: 'cdr' },
    { relation: { ...cid('D3', 'D4', 0.7), id: 'y' }, evidence: { start: 2, end: 9 } },
  ]);
  assert.deepEqual(r, { added: 1, restated: 2 });
  assert.equal(doc.relations.length, 2);
  const added = doc.relations[1]!;
  assert.equal(added.id, 'r1.1');
  assert.equal(added.status, 'suggested');
  assert.deepEqual(added.attributes, { task: 'cdr', evidence: '2-9' });
});

test('task routing: the first folder that has a task answers it; only wanted tasks', () => {
  const folders = [
    { dir: 'relation-cdr', tasks: ['cdr' as const] },
    { dir: 'relation-merged', tasks: ['ddi' as const, 'cdr' as const, 'biored' as const] },
  ];
  assert.deepEqual([...routeTasks(folders)], [['cdr', 'relation-cdr'], ['ddi', 'relation-merged'], ['biored', 'relation-merged']]);
  assert.deepEqual([...routeTasks(folders, ['biored', 'cdr'])], [['cdr', 'relation-cdr'], ['biored', 'relation-merged']]);
});

test('candidates without gold: same pairs, every label none, and another task\'s relations are no error', () => {
  const doc = parsePubTator(fs.readFileSync(SAMPLE, 'utf8'), SAMPLE).documents[0]!;
  const labelled = generateCandidates('cdr', doc);
  const unlabelled = generateCandidates('cdr', doc, { labels: false });
  assert.ok(labelled.some((c) => c.label !== 'none'), 'the sample has gold CID pairs');
  assert.deepEqual(unlabelled.map((c) => c.id), labelled.map((c) => c.id));
  assert.ok(unlabelled.every((c) => c.label === 'none' && c.labels.length === 0));
  // A CDR relation is not a DDI type: labelling DDI candidates from it is an error, prediction is not.
  assert.throws(() => generateCandidates('ddi', doc));
  assert.doesNotThrow(() => generateCandidates('ddi', doc, { labels: false }));
});
