/**
 * Curation below the UI: decisions and undo, the curated document, the atomic sidecar store,
 * export to PubTator / BioC XML / BioC JSON, and reading files as the editor shows them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parsePubTator } from '../../src/core/formats/pubtator';
import { mentionOrigin } from '../../src/core/curation/mentionOrigin';
import { parseBiocXml, writeBiocXml } from '../../src/core/formats/biocXml';
import { parseBiocJson, writeBiocJson } from '../../src/core/formats/biocJson';
import { documentText, type RelationArgument } from '../../src/core/document/document';
import { effectiveDecisions, lastUndoable, relationKey, type Decision, type DecisionBody, type Suggestion } from '../../src/core/curation/decisions';
import { curateDocument, statusCounts } from '../../src/core/curation/curatedDocument';
import { CurationStore, parseSidecar, sidecarPathFor } from '../../src/core/curation/curationStore';
import { exportCurated } from '../../src/core/curation/curatedExport';
import { readEditorFile, readEditorFileAsync, detectEditorFormat } from '../../src/core/curation/editorDocuments';
import { entityCategory } from '../../src/core/curation/entityCategories';
import { DEFAULT_SETTINGS, normalizeSettings } from '../../src/core/settings';

const SAMPLE = path.resolve(__dirname, '../../../samples/sample.pubtator');
const sampleText = fs.readFileSync(SAMPLE, 'utf8');
const sample = parsePubTator(sampleText, SAMPLE);
const doc = sample.documents[0]!;

const concept = (role: string, id: string): RelationArgument => ({ role, ref: { kind: 'concept', id } });
function suggestion(chem: string, dis: string, score: number): Suggestion {
  const args = [concept('Chemical', chem), concept('Disease', dis)];
  return { key: relationKey('CID', args), type: 'CID', args, score, task: 'cdr', evidence: { start: 0, end: 85 }, model: 'models/relation-cdr' };
}
// amiloride-polyuria, haloperidol-renal dysfunction, lithium-hypernatremia (not gold), lithium-polyuria (gold)
const SUGGESTIONS = [suggestion('D000584', 'D011141', 0.4), suggestion('D006220', 'D007674', 0.2), suggestion('D008094', 'D006955', 0.9), suggestion('D008094', 'D011141', 0.8)];
let seq = 0;
const dec = (body: DecisionBody, docId = doc.id): Decision => ({ seq: ++seq, at: '2026-01-01T00:00:00Z', docId, ...body }) as Decision;

test('undo reverts the latest decision in force; undoing an undo restores it', () => {
  const a = dec({ op: 'relation/verdict', key: 'k1', verdict: 'accepted' });
  const b = dec({ op: 'relation/verdict', key: 'k2', verdict: 'rejected' });
  const u1 = dec({ op: 'undo', target: b.seq });
  assert.deepEqual(effectiveDecisions([a, b, u1]).map((d) => d.seq), [a.seq]);
  assert.equal(lastUndoable([a, b, u1])?.seq, a.seq);
  const u2 = dec({ op: 'undo', target: u1.seq });
  assert.deepEqual(effectiveDecisions([a, b, u1, u2]).map((d) => d.seq), [a.seq, b.seq]);
  assert.equal(lastUndoable([a, b, u1], 'other'), undefined);
});

test('curated document: rows merge gold and suggestions, verdicts and additions apply, counts', () => {
  const [amil, halo, hyper, poly] = SUGGESTIONS as [Suggestion, Suggestion, Suggestion, Suggestion];
  const added = [concept('Chemical', 'D000584'), concept('Disease', 'D003681')];
  const decisions = [
    dec({ op: 'relation/verdict', key: hyper.key, verdict: 'accepted' }),
    dec({ op: 'relation/verdict', key: halo.key, verdict: 'rejected' }),
    dec({ op: 'relation/add', key: relationKey('CID', added), type: 'CID', args: added }),
  ];
  const { rows, document } = curateDocument(doc, SUGGESTIONS, decisions);
  assert.equal(rows.length, 3 + 3 + 1); // 3 gold, 3 new suggestions (one repeats gold), 1 added
  const polyRow = rows.find((r) => r.key === poly.key)!;
  assert.equal(polyRow.status, 'gold');
  assert.equal(polyRow.score, 0.8);
  assert.equal(rows.find((r) => r.key === amil.key)!.status, 'suggested');
  assert.deepEqual(statusCounts(rows), { gold: 3, suggested: 1, accepted: 1, rejected: 1, added: 1 });
  // Exported: 3 gold + accepted + added; never the open suggestion or the rejected one.
  assert.equal(document.relations.length, 5);
  const acc = document.relations.find((r) => r.status === 'accepted')!;
  assert.equal(acc.score, 0.9);
  assert.equal(acc.attributes['evidence'], documentText(doc).slice(0, 85));
  const add = document.relations.find((r) => r.status === 'added')!;
  // The added relation's evidence is the sentence where amiloride and dehydration meet.
  assert.match(add.attributes['evidence']!, /^Clinicians should monitor/);
  assert.equal(doc.relations.length, 3, 'the input document is not modified');
});

test('curated document: mention add, fix and delete; relations of a deleted mention disappear', () => {
  const text = documentText(doc);
  const start = text.indexOf('Water deprivation');
  const mentionArgs: RelationArgument[] = [
    { role: 'Chemical', ref: { kind: 'annotation', id: 'cm1' } },
    { role: 'Disease', ref: { kind: 'annotation', id: doc.passages[0]!.annotations[1]!.id } },
  ];
  const decisions = [
    dec({ op: 'mention/add', id: 'cm1', type: 'Chemical', span: { start, end: start + 5 }, text: 'Water', ids: ['D014867'] }),
    dec({ op: 'relation/add', key: relationKey('CID', mentionArgs), type: 'CID', args: mentionArgs }),
    dec({ op: 'mention/update', id: doc.passages[0]!.annotations[0]!.id, ids: ['D999999'] }),
  ];
  let c = curateDocument(doc, [], decisions);
  const all = c.document.passages.flatMap((p) => p.annotations);
  assert.equal(all.length, 19);
  assert.deepEqual(all.find((a) => a.id === 'cm1')!.spans, [{ start, end: start + 5 }]);
  assert.deepEqual(all[0]!.ids, ['D999999']);
  assert.equal(c.rows.filter((r) => r.added).length, 1);
  c = curateDocument(doc, [], [...decisions, dec({ op: 'mention/delete', id: 'cm1' })]);
  assert.equal(c.rows.filter((r) => r.added).length, 0);
});

test('a mention Detect Mentions found keeps the tagger attributes through the sidecar, for the hover', async () => {
  const text = documentText(doc);
  const start = text.indexOf('Water deprivation');
  const attributes = { score: '0.874', source: 'biore-ner', propagated: 'true' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cur-attr-'));
  const file = path.join(dir, 'a.pubtator');
  fs.writeFileSync(file, sampleText);
  const store = await CurationStore.open(sidecarPathFor(file, dir), file);
  await store.record(doc.id, { op: 'mention/add', id: 'tm1', type: 'Chemical', span: { start, end: start + 5 }, text: 'Water', ids: [], attributes });
  const again = await CurationStore.open(sidecarPathFor(file, dir), file);
  const c = curateDocument(doc, [], again.decisions);
  const a = c.document.passages.flatMap((p) => p.annotations).find((x) => x.id === 'tm1')!;
  assert.deepEqual(a.attributes, attributes);
  assert.equal(mentionOrigin(a.attributes), 'found by the mention tagger elsewhere in this document and marked here too, confidence 0.87');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('store: decisions persist atomically and survive reopening; fallback folder when not writable', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cur-'));
  const file = path.join(dir, 'a.pubtator');
  fs.writeFileSync(file, sampleText);
  const side = sidecarPathFor(file, path.join(dir, 'storage'));
  assert.equal(side, file + '.biore.json');
  const store = await CurationStore.open(side, file, () => new Date('2026-01-01T00:00:00Z'));
  await store.setSuggestions(doc.id, SUGGESTIONS);
  await store.record(doc.id, { op: 'relation/verdict', key: SUGGESTIONS[0]!.key, verdict: 'accepted' });
  await store.record(doc.id, { op: 'relation/verdict', key: SUGGESTIONS[1]!.key, verdict: 'rejected' });
  assert.equal((await store.undo(doc.id))?.seq, 2);
  // Saved on every change: a fresh store (a reloaded window, a restarted host) sees it all.
  const again = await CurationStore.open(side, file);
  assert.equal(again.decisions.length, 3);
  assert.equal(again.effective().length, 1);
  assert.equal(again.suggestionsOf(doc.id).length, 4);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['a.pubtator', 'a.pubtator.biore.json'], 'no temp file left behind');
  // Many concurrent writes: the last state wins, and the file always parses.
  await Promise.all(Array.from({ length: 20 }, (_, i) => again.record(doc.id, { op: 'mention/delete', id: `x${i}` })));
  assert.equal(parseSidecar(fs.readFileSync(side, 'utf8'), side).decisions.length, 23);
  // A folder that cannot be written (here: one that does not exist) sends the sidecar to storage.
  const elsewhere = sidecarPathFor(path.join(dir, 'missing', 'b.pubtator'), path.join(dir, 'storage'));
  assert.equal(path.dirname(elsewhere), path.join(dir, 'storage'));
  assert.match(path.basename(elsewhere), /^b\.pubtator\.[0-9a-f]{12}\.biore\.json$/);
  // A damaged sidecar is one clear error naming it.
  fs.writeFileSync(side, '{"format":"biore-curation","version":1,"file":"a","suggestions":{},"decisions":[{"op":"nope"}]}');
  await assert.rejects(CurationStore.open(side, file), /a\.pubtator\.biore\.json.*invalid curation sidecar/);
});

test('export: PubTator has exactly the kept relations; BioC XML and JSON carry status, score, evidence', () => {
  const noGold = parsePubTator(sampleText.split('\n').filter((l) => !/\tCID\t/.test(l)).join('\n'), 'x');
  const [amil, halo, hyper] = SUGGESTIONS as [Suggestion, Suggestion, Suggestion];
  const added = [concept('Chemical', 'D000584'), concept('Disease', 'D003681')];
  const curation = {
    suggestionsOf: () => SUGGESTIONS,
    decisions: [
      dec({ op: 'relation/verdict', key: hyper.key, verdict: 'accepted' }),
      dec({ op: 'relation/verdict', key: halo.key, verdict: 'rejected' }),
      dec({ op: 'relation/verdict', key: amil.key, verdict: 'accepted' }),
      dec({ op: 'undo', target: seq }),
      dec({ op: 'relation/add', key: relationKey('CID', added), type: 'CID', args: added }),
    ],
  };
  const pt = exportCurated(noGold, curation, 'pubtator');
  const relLines = pt.split('\n').filter((l) => /\tCID\t/.test(l));
  assert.deepEqual(relLines, ['99000001\tCID\tD008094\tD006955', '99000001\tCID\tD000584\tD003681']);
  assert.equal(parsePubTator(pt, 'out').documents[0]!.relations.length, 2);

  const xml = exportCurated(noGold, curation, 'bioc');
  const back = parseBiocXml(xml, 'out.xml').documents[0]!;
  assert.deepEqual(back.relations.map((r) => [r.type, r.status, r.score]), [['CID', 'accepted', 0.9], ['CID', 'added', undefined]]);
  assert.equal(back.relations[0]!.attributes['evidence'], documentText(doc).slice(0, 85));
  assert.equal(back.relations[0]!.attributes['model'], 'models/relation-cdr');
  assert.equal(writeBiocXml(parseBiocXml(xml, 'x')), xml, 'the export is a stable BioC file');

  const json = exportCurated(noGold, curation, 'biocjson');
  const fromJson = parseBiocJson(json, 'out.json').documents[0]!;
  assert.deepEqual(fromJson.relations.map((r) => r.status), ['accepted', 'added']);
  assert.equal(JSON.parse(writeBiocJson(parseBiocJson(json, 'x'))).documents.length, 1);
});

test('a document rule\'s suggestion keeps its rule through the sidecar and into the export', () => {
  const noGold = parsePubTator(sampleText.split('\n').filter((l) => !/\tCID\t/.test(l)).join('\n'), 'x');
  const ruled: Suggestion = { ...suggestion('D008094', 'D006955', 0.3), rule: 'title-chemical' };
  const sidecar = JSON.stringify({ format: 'biore-curation', version: 1, file: 'x', suggestions: { [doc.id]: [ruled] }, decisions: [] });
  assert.equal(parseSidecar(sidecar, 'x.biore.json').suggestions[doc.id]![0]!.rule, 'title-chemical');
  const curation = { suggestionsOf: () => [ruled], decisions: [dec({ op: 'relation/verdict', key: ruled.key, verdict: 'accepted' })] };
  const back = parseBiocXml(exportCurated(noGold, curation, 'bioc'), 'out.xml').documents[0]!;
  assert.equal(back.relations[0]!.attributes['rule'], 'title-chemical');
});

test('editor file: PubTator offsets map to file positions; a malformed document is a problem at its line', () => {
  const broken = sampleText.trimEnd() + '\n\n12345|t|Broken title\n12345\t0\t99\tBroken\tChemical\tD1\n\n' + sampleText.replace(/99000001/g, '99000002');
  const f = readEditorFile(broken, 'x.pubtator');
  assert.equal(f.format, 'pubtator');
  assert.deepEqual(f.documents.map((d) => d.doc.id), ['99000001', '99000002']);
  assert.equal(f.problems.length, 1);
  assert.equal(f.problems[0]!.line, 25); // 0-based line of the bad mention
  for (const ed of f.documents) {
    for (const a of ed.doc.passages.flatMap((p) => p.annotations)) {
      const s = ed.spanToFile(a.spans[0]!)!;
      assert.equal(broken.slice(s.start, s.end), a.text);
      assert.equal(ed.fromFile(s.start), a.spans[0]!.start);
    }
  }
  assert.equal(detectEditorFormat('abstract.txt', sampleText), 'pubtator');
  assert.equal(detectEditorFormat('abstract.txt', 'Aspirin and bleeding.'), 'text');
});

test('editor file: BioC XML and JSON mentions map onto their escaped text; parse errors have a line', () => {
  const xmlPath = path.resolve(__dirname, '../../../test/fixtures/bioc/small.xml');
  const xml = fs.readFileSync(xmlPath, 'utf8');
  const jsonText = writeBiocJson(parseBiocXml(xml, xmlPath));
  for (const [text, name] of [[xml, 'small.xml'], [jsonText, 'small.json']] as const) {
    const f = readEditorFile(text, name);
    assert.deepEqual(f.problems, []);
    let checked = 0;
    for (const ed of f.documents) {
      for (const a of ed.doc.passages.flatMap((p) => p.annotations)) {
        const s = ed.spanToFile(a.spans[0]!);
        assert.ok(s, `${name}: mention ${a.id} mapped`);
        assert.equal(ed.fromFile(s.start), a.spans[0]!.start);
        checked++;
      }
    }
    assert.ok(checked > 3);
  }
  // "clonidine" sits inside &quot; entities in the XML: its file span covers exactly the raw characters.
  const ed = readEditorFile(xml, 'small.xml').documents[0]!;
  const clon = ed.doc.passages[0]!.annotations[1]!;
  const s = ed.spanToFile(clon.spans[0]!)!;
  assert.equal(xml.slice(s.start, s.end), 'clonidine');
  const bad = readEditorFile(xml.replace('</passage>', '</pasage>'), 'bad.xml');
  assert.equal(bad.documents.length, 0);
  assert.equal(bad.problems.length, 1);
  assert.ok(bad.problems[0]!.line > 10);
});

test('editor file: the sliced reader gives what the one-pass reader gives', async () => {
  const xmlPath = path.resolve(__dirname, '../../../test/fixtures/bioc/small.xml');
  const xml = fs.readFileSync(xmlPath, 'utf8');
  for (const [text, name] of [[sampleText, 'a.pubtator'], [xml, 'small.xml']] as const) {
    const a = readEditorFile(text, name);
    const b = await readEditorFileAsync(text, name, { sliceMs: 0 });
    assert.deepEqual(b.documents.map((d) => [d.doc, d.fileSpan]), a.documents.map((d) => [d.doc, d.fileSpan]));
    assert.deepEqual(b.problems, a.problems);
  }
});

test('curated document: adding what the model suggested counts as added; a concept relation leaves with its last mention', () => {
  const [amil] = SUGGESTIONS as [Suggestion];
  const c = curateDocument(doc, SUGGESTIONS, [dec({ op: 'relation/add', key: amil.key, type: 'CID', args: amil.args })]);
  const row = c.rows.find((r) => r.key === amil.key)!;
  assert.equal(row.status, 'added');
  assert.equal(row.score, 0.4);
  // amiloride (D000584) has two mentions: deleting both removes its relations.
  const amiloride = doc.passages.flatMap((p) => p.annotations).filter((a) => a.ids.includes('D000584'));
  assert.equal(amiloride.length, 2);
  const one = curateDocument(doc, SUGGESTIONS, [dec({ op: 'mention/delete', id: amiloride[0]!.id })]);
  assert.ok(one.rows.some((r) => r.key === amil.key));
  const both = curateDocument(doc, SUGGESTIONS, amiloride.map((a) => dec({ op: 'mention/delete', id: a.id })));
  assert.ok(!both.rows.some((r) => r.key === amil.key));
});

test('settings and entity categories', () => {
  assert.deepEqual(normalizeSettings({ modelPath: ' /m ', threshold: 2, tasks: ['cdr', 'nope'], threads: 0, relationNotes: 'loud', inferencePriority: 'high' }), { modelPath: '/m', threshold: 0.5, tasks: ['cdr'], threads: 2, relationNotes: 'compact', inferencePriority: 'background' });
  assert.equal(normalizeSettings({ inferencePriority: 'normal' }).inferencePriority, 'normal');
  assert.deepEqual(normalizeSettings({}), DEFAULT_SETTINGS);
  // No tasks set: one schema per file (inferred or asked); a setting lists the override.
  assert.deepEqual(DEFAULT_SETTINGS.tasks, []);
  assert.deepEqual(normalizeSettings({ tasks: ['biored', 'cdr', 'biored'], relationNotes: 'full' }).tasks, ['biored', 'cdr']);
  assert.equal(normalizeSettings({ relationNotes: 'off' }).relationNotes, 'off');
  assert.deepEqual(['Chemical', 'GENE-Y', 'DiseaseOrPhenotypicFeature', 'SequenceVariant', 'drug'].map(entityCategory), ['chemical', 'gene', 'disease', 'other', 'chemical']);
});

test('the hover says how the tagger found a mention, with its calibrated confidence', () => {
  assert.equal(mentionOrigin({}), undefined, 'a mention from the file');
  assert.equal(mentionOrigin({ source: 'biore-ner', score: '0.934' }), 'found by the mention tagger, confidence 0.93');
  assert.equal(mentionOrigin({ source: 'biore-ner', score: '0.514', propagated: 'true' }), 'found by the mention tagger elsewhere in this document and marked here too, confidence 0.51');
  assert.equal(mentionOrigin({ source: 'biore-ner' }), 'found by the mention tagger');
});
