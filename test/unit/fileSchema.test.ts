/**
 * One schema per file: the tasks a file's own content names, the order setting > sidecar > file,
 * and one row per argument pair when several schemas report it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Document, Relation } from '../../src/core/document/document';
import { inferFileTasks, resolveFileTasks, taskOfRelationType } from '../../src/core/curation/fileSchema';
import { suggestionsFromPredictions } from '../../src/core/curation/suggestionPolicy';
import { CurationStore, parseSidecar } from '../../src/core/curation/curationStore';
import { CurationSession } from '../../src/core/curation/curationSession';

function docWith(types: string[], relationTypes: string[] = []): Document {
  let at = 0;
  const annotations = types.map((type, i) => ({ id: `T${i}`, type, ids: [`X${i}`], spans: [{ start: at, end: (at += 3) }], text: 'abc', attributes: {} }));
  const relations: Relation[] = relationTypes.map((type, i) => ({ id: `R${i}`, type, args: [{ role: 'a', ref: { kind: 'concept', id: 'X0' } }, { role: 'b', ref: { kind: 'concept', id: 'X1' } }], attributes: {}, status: 'gold' }));
  return { id: 'd', passages: [{ offset: 0, text: 'abc'.repeat(types.length), annotations, attributes: {} }], relations, attributes: {} } as Document;
}

test('the file says its schema: BC5CDR → cdr, DDI → ddi, DrugProt → drugprot, BioRED → biored', () => {
  assert.deepEqual(inferFileTasks([docWith(['Chemical', 'Disease', 'Chemical'])])?.tasks, ['cdr']);
  assert.deepEqual(inferFileTasks([docWith(['drug', 'brand', 'group'])])?.tasks, ['ddi']);
  assert.deepEqual(inferFileTasks([docWith(['CHEMICAL', 'GENE-Y', 'GENE-N'])])?.tasks, ['drugprot']);
  assert.deepEqual(inferFileTasks([docWith(['ChemicalEntity', 'GeneOrGeneProduct', 'DiseaseOrPhenotypicFeature'])])?.tasks, ['biored']);
  assert.deepEqual(inferFileTasks([docWith(['Chemical', 'Gene'])])?.tasks, ['drugprot']);
  // Relations outrank mention types; the most frequent task first.
  const mixed = inferFileTasks([docWith(['Chemical', 'Disease'], ['Positive_Correlation', 'Association', 'CID'])]);
  assert.deepEqual(mixed?.tasks, ['biored', 'cdr']);
  assert.match(mixed!.reason, /relations/);
  assert.deepEqual(inferFileTasks([docWith(['Chemical', 'Disease'], ['mechanism'])])?.tasks, ['ddi']);
  assert.equal(taskOfRelationType('INHIBITOR'), 'drugprot');
  assert.equal(taskOfRelationType('Effect'), 'ddi');
  assert.equal(taskOfRelationType('Foo'), undefined);
});

test('a file that does not say is asked about: three tagger types together, or none', () => {
  assert.equal(inferFileTasks([docWith(['Chemical', 'Gene', 'Disease'])]), undefined);
  assert.equal(inferFileTasks([docWith([])]), undefined);
  assert.equal(inferFileTasks([docWith(['Chemical'])]), undefined);
  assert.equal(inferFileTasks([docWith(['Species', 'Disease', 'Chemical'])]), undefined);
});

test('the setting overrides the sidecar, the sidecar the file', () => {
  const docs = [docWith(['Chemical', 'Disease'])];
  assert.deepEqual(resolveFileTasks(['ddi'], ['biored'], docs), { tasks: ['ddi'], source: 'setting', reason: 'the biore.tasks setting' });
  assert.equal(resolveFileTasks([], ['biored'], docs)?.source, 'sidecar');
  assert.deepEqual(resolveFileTasks([], ['biored'], docs)?.tasks, ['biored']);
  assert.deepEqual(resolveFileTasks([], undefined, docs)?.tasks, ['cdr']);
  assert.equal(resolveFileTasks([], [], [docWith(['Chemical', 'Gene', 'Disease'])]), undefined);
});

test('the sidecar keeps the chosen tasks; an old sidecar without them still opens', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'biore-schema-'));
  const file = path.join(dir, 'x.pubtator');
  const store = await CurationStore.open(file + '.biore.json', file);
  assert.equal(store.tasks, undefined);
  await store.setTasks(['drugprot']);
  const again = await CurationStore.open(file + '.biore.json', file);
  assert.deepEqual(again.tasks, ['drugprot']);
  fs.writeFileSync(file + '.biore.json', JSON.stringify({ format: 'biore-curation', version: 1, file: 'x.pubtator', suggestions: {}, decisions: [], tasks: ['nope'] }));
  await assert.rejects(CurationStore.open(file + '.biore.json', file), /invalid curation sidecar/);
});

test('a pair several schemas report is one row, of the first wanted task', () => {
  const rel = (type: string, a: string, b: string, score: number): Relation => ({ id: `${type}${a}${b}`, type, args: [{ role: 'Chemical', ref: { kind: 'concept', id: a } }, { role: 'Disease', ref: { kind: 'concept', id: b } }], attributes: {}, score, status: 'suggested' });
  const ev = { start: 0, end: 3 };
  const preds = [
    { relation: rel('Positive_Correlation', 'D1', 'D2', 0.99), evidence: ev, task: 'biored' as const },
    { relation: rel('CID', 'D1', 'D2', 0.7), evidence: ev, task: 'cdr' as const },
    // The same pair the other way round (BioRED is undirected) is still the same pair.
    { relation: rel('Association', 'D2', 'D1', 0.95), evidence: ev, task: 'biored' as const },
    { relation: rel('Association', 'D3', 'D4', 0.8), evidence: ev, task: 'biored' as const },
  ];
  const cdrFirst = suggestionsFromPredictions(preds, { tasks: ['cdr', 'biored'], threshold: 0.5 }, 'm');
  assert.deepEqual(cdrFirst.map((s) => `${s.type} ${s.args[0]!.ref.id}`).sort(), ['Association D3', 'CID D1']);
  const bioredFirst = suggestionsFromPredictions(preds, { tasks: ['biored', 'cdr'], threshold: 0.5 }, 'm');
  assert.deepEqual(bioredFirst.map((s) => `${s.type} ${s.score}`).sort(), ['Association 0.8', 'Positive_Correlation 0.99']);
});

test('suggestions of many documents: one sidecar write, one notice naming them all', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'biore-many-'));
  const file = path.join(dir, 'two.pubtator');
  const text = '1|t|aspirin causes ulcers\n1\t0\t7\taspirin\tChemical\tD1\n1\t15\t21\tulcers\tDisease\tD2\n\n2|t|aspirin causes ulcers\n2\t0\t7\taspirin\tChemical\tD1\n2\t15\t21\tulcers\tDisease\tD2\n\n';
  fs.writeFileSync(file, text);
  const store = await CurationStore.open(file + '.biore.json', file);
  const session = await CurationSession.create({ path: file }, text, store);
  const heard: string[][] = [];
  session.onDidChange((ids) => heard.push([...ids]));
  let writes = 0;
  const save = store.save.bind(store);
  store.save = () => (writes++, save());
  const args = [{ role: 'Chemical', ref: { kind: 'concept' as const, id: 'D1' } }, { role: 'Disease', ref: { kind: 'concept' as const, id: 'D2' } }];
  const s = { key: 'CID|c:D1|c:D2', type: 'CID', args, score: 0.8, task: 'cdr' as const, evidence: { start: 0, end: 21 }, model: 'm' };
  await session.setSuggestionsMany([{ docId: '1', suggestions: [s] }, { docId: '2', suggestions: [s, { ...s, score: 0.7 }] }]);
  assert.equal(writes, 1);
  assert.deepEqual(heard, [['1', '2']]);
  const saved = parseSidecar(fs.readFileSync(file + '.biore.json', 'utf8'), 'x');
  assert.deepEqual([saved.suggestions['1']!.length, saved.suggestions['2']!.length], [1, 2]);
  assert.equal(session.curated('2')!.rows.filter((r) => r.status === 'suggested').length, 1, 'replayed (one row per key)');
  await session.setSuggestionsMany([]);
  assert.equal(writes, 1, 'nothing to save, no write');
});
