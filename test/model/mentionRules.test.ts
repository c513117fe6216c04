/**
 * Decode-time mention rules (inference/mentions/mentionRules.ts) on hand-built abstracts: each
 * rule's effect and where it stops, the rules record in config.json, the trained-name table
 * (trainedNames.ts) and the calibration and hover of the mentions a rule adds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Annotation, Document } from '../../src/core/document/document';
import { mentionOrigin } from '../../src/core/curation/mentionOrigin';
import { buildGazetteer } from '../../src/core/inference/mentions/gazetteer';
import { calibratedMentionScore } from '../../src/core/inference/mentions/mentionCalibration';
import { NO_MENTION_RULES, applyMentionRules, chemicalPrefixLength, readMentionRules, type MentionRules } from '../../src/core/inference/mentions/mentionRules';
import { applyMentions } from '../../src/core/inference/mentions/nerTagger';
import type { NerType, PredictedMention } from '../../src/core/inference/mentions/tags';
import { countTrainedNames, loadTrainedNames, wordOccurrences, writeTrainedNames } from '../../src/core/inference/mentions/trainedNames';
import { fitMentionCalibration } from '../../src/core/modelEvaluation/calibrateMentions';
import { fitTaggerRules } from '../../src/core/modelEvaluation/fitMentionRules';

function doc(text: string, annotations: Annotation[] = []): Document {
  return { id: 'd', passages: [{ offset: 0, text, annotations, attributes: {} }], relations: [], attributes: {} } as unknown as Document;
}

/** A predicted mention of the n-th occurrence of `text`. */
function at(d: Document, text: string, type: NerType, score = 0.9, n = 0): PredictedMention {
  let i = -1;
  for (let k = 0; k <= n; k++) i = d.passages[0]!.text.indexOf(text, i + 1);
  assert.ok(i >= 0, `${text} is in the text`);
  return { span: { start: i, end: i + text.length }, type, text, score };
}

const only = (r: Partial<MentionRules>): MentionRules => ({ ...NO_MENTION_RULES, ...r });
const texts = (ms: readonly PredictedMention[]): string[] => ms.map((m) => `${m.type}:${m.text}`);

test('chemical prefixes: stereo and isotope labels come off, a labelled name with a hyphen or nothing left keeps them', () => {
  assert.equal(chemicalPrefixLength('(+)-cibenzoline'), 4);
  assert.equal(chemicalPrefixLength('(+/-)-amphetamine'), 6);
  assert.equal(chemicalPrefixLength('[3H]spiperone'), 4);
  assert.equal(chemicalPrefixLength('L-[3H]nicotine'), 6);
  assert.equal(chemicalPrefixLength('[24-14C]sodium deoxycholate'), 8);
  assert.equal(chemicalPrefixLength('[3H]-naloxone'), 0, 'BC5CDR keeps [3H]-name');
  assert.equal(chemicalPrefixLength('(+)-2'), 0, 'nothing that is a name would remain');
  assert.equal(chemicalPrefixLength('cibenzoline'), 0);
  const d = doc('(-)-Cibenzoline and [3H]spiperone bound; (+)-disease is not a chemical.');
  const out = applyMentionRules(d, [at(d, '(-)-Cibenzoline', 'Chemical'), at(d, '[3H]spiperone', 'Chemical'), at(d, '(+)-disease', 'Disease')], only({ chemicalPrefixes: true }));
  assert.deepEqual(texts(out), ['Chemical:Cibenzoline', 'Chemical:spiperone', 'Disease:(+)-disease']);
  assert.deepEqual(out[0]!.span, { start: 4, end: 15 });
  assert.equal(d.passages[0]!.text.slice(out[1]!.span.start, out[1]!.span.end), 'spiperone');
});

test('short-form veto: a defined short form keeps its type only when a mention of that type ends its long form', () => {
  const d = doc('The light-enhanced startle paradigm (LES) and LES responses; acute renal failure (ARF); ARF was treated. National Acute Spinal Cord Injury Studies (NASCIS) and NASCIS data.');
  const predicted = [at(d, 'LES', 'Disease'), at(d, 'LES', 'Disease', 0.9, 1), at(d, 'renal failure', 'Disease'), at(d, 'ARF', 'Disease'), at(d, 'ARF', 'Disease', 0.9, 1), at(d, 'Spinal Cord Injury', 'Disease'), at(d, 'NASCIS', 'Disease'), at(d, 'NASCIS', 'Disease', 0.9, 1)];
  const out = applyMentionRules(d, predicted, only({ shortFormVeto: true }));
  assert.deepEqual(texts(out), ['Disease:renal failure', 'Disease:ARF', 'Disease:ARF', 'Disease:Spinal Cord Injury'], 'LES (long form untagged) and NASCIS (its long form ends in Studies) go');
  assert.deepEqual(texts(applyMentionRules(d, predicted, NO_MENTION_RULES)), texts(predicted), 'no rules, no change');
});

test('receptor ligands: the chemical before receptor / agonist / antagonist, by dictionary, defined short form or the document; never over a mention', () => {
  const g = buildGazetteer(
    [
      { type: 'Chemical', source: 'mesh.pref', term: 'N-Methylaspartate' },
      { type: 'Chemical', source: 'mesh.entry', term: 'N-methyl-D-aspartate' },
      { type: 'Chemical', source: 'mesh.pref', term: 'Dopamine' },
      { type: 'Chemical', source: 'mesh.pref', term: 'Bradykinin' },
      { type: 'Chemical', source: 'mesh.entry', term: 'Bradykinin Receptors' },
    ],
    'sha',
  ).withAbbreviations(true);
  const text = 'N-methyl-D-aspartate (NMDA) acts on NMDA receptors, dopamine D2 receptors, bradykinin receptors antagonists, SR48 antagonists, and the glutamate receptor; alpha-1 adrenergic receptors. Glutamate was given.';
  const d = doc(text);
  const out = applyMentionRules(d, [at(d, 'Glutamate', 'Chemical')], only({ receptorLigands: true }), { gazetteer: g });
  const added = out.filter((m) => m.addedByRule === 'receptorLigands');
  assert.deepEqual(
    added.map((m) => m.text),
    ['NMDA', 'dopamine', 'bradykinin'],
    'glutamate (case differs from the tagged Glutamate), SR48 and adrenergic are not chemicals here; "bradykinin receptors" names the receptor',
  );
  assert.ok(added.every((m) => m.type === 'Chemical' && m.propagated === true));
  // A gene mention over `NMDA receptors` (genes asked for) keeps it a gene; without chemicals asked for, nothing is added.
  const gene = { span: { start: text.indexOf('NMDA receptors'), end: text.indexOf('NMDA receptors') + 14 }, type: 'Gene' as const, text: 'NMDA receptors', score: 0.9 };
  assert.ok(!applyMentionRules(d, [gene], only({ receptorLigands: true }), { gazetteer: g }).some((m) => m.text === 'NMDA'));
  assert.deepEqual(applyMentionRules(d, [], only({ receptorLigands: true }), { gazetteer: g, types: ['Gene'] }), []);
});

test('trained names: counted on word boundaries in training documents, kept when nearly always annotated, added where untagged', () => {
  assert.deepEqual(wordOccurrences('CM', 'CM and CMV, (CM).'), [0, 13]);
  const ann = (id: string, start: number, text: string, type: string): Annotation => ({ id, type, spans: [{ start, end: start + text.length }], text, ids: [], attributes: {} }) as Annotation;
  const train = [
    doc('contrast media and a tumor.', [ann('1', 0, 'contrast media', 'Chemical'), ann('2', 21, 'tumor', 'Disease')]),
    doc('contrast media, contrast media; tumor tumor tumor.', [ann('1', 0, 'contrast media', 'Chemical'), ann('2', 16, 'contrast media', 'Chemical'), ann('3', 32, 'tumor', 'Disease')]),
  ];
  const names = countTrainedNames(train, ['Chemical', 'Disease']);
  assert.deepEqual(names, [{ text: 'contrast media', type: 'Chemical', annotated: 3, occurrences: 3 }], 'tumor: 2 of 5');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trained-names-'));
  const file = path.join(dir, 'trained-names.tsv');
  writeTrainedNames(file, names, 'test');
  const table = loadTrainedNames(file);
  assert.deepEqual([...table], [['contrast media', 'Chemical']]);
  fs.writeFileSync(file, '# x\ncontrast media\tChemical\t3\n');
  assert.throws(() => loadTrainedNames(file), /trained-names\.tsv:2: expected text, type/);
  assert.throws(() => loadTrainedNames(path.join(dir, 'none.tsv')), /none\.tsv: missing/);
  fs.rmSync(dir, { recursive: true, force: true });

  const d = doc('Nonionic contrast media were given; contrast media-induced nephropathy.');
  const first = at(d, 'contrast media', 'Chemical');
  const out = applyMentionRules(d, [first], only({ trainedChemicalNames: true }), { trainedNames: table });
  assert.deepEqual(out.map((m) => [m.span.start, m.addedByRule]), [[9, undefined], [36, 'trainedChemicalNames']]);
  assert.equal(applyMentionRules(d, [], only({ trainedDiseaseNames: true }), { trainedNames: table }).length, 0, 'a chemical name needs the chemical rule');
  assert.equal(applyMentionRules(d, [], only({ trainedChemicalNames: true }), { trainedNames: table, types: ['Disease'] }).length, 0, 'only types asked for');
});

test('minimum scores drop the tagger own low mentions of a type, never added ones', () => {
  const d = doc('variant angina and angina with lithium');
  const low = at(d, 'angina', 'Disease', 0.47);
  const added = { ...at(d, 'angina', 'Disease', 0, 1), propagated: true };
  const chem = at(d, 'lithium', 'Chemical', 0.4);
  assert.deepEqual(texts(applyMentionRules(d, [low, added, chem], only({ minScore: { Disease: 0.55 } }))), ['Disease:angina', 'Chemical:lithium']);
});

test('the rules record is read strictly, all off when absent', () => {
  assert.deepEqual(readMentionRules('m', {}), NO_MENTION_RULES);
  const ok = { ...NO_MENTION_RULES, shortFormVeto: true, fittedOn: 'x', steps: [] };
  assert.deepEqual(readMentionRules('m', { mention_rules: ok }), { ...NO_MENTION_RULES, shortFormVeto: true });
  assert.deepEqual(readMentionRules('m', { mention_rules: { ...ok, minScore: { Chemical: 0.65 } } }).minScore, { Chemical: 0.65 });
  assert.throws(() => readMentionRules('m', { mention_rules: { shortFormVeto: true } }), /m\/config\.json: mention_rules must hold "chemicalPrefixes": true\|false/);
  assert.throws(() => readMentionRules('m', { mention_rules: { ...ok, minScore: { Protein: 0.5 } } }), /mention_rules\.minScore must map mention types/);
  assert.throws(() => readMentionRules('m', { mention_rules: { ...ok, minScore: { Chemical: 1.5 } } }), /scores in \[0, 1\)/);
});

test('mentions a rule added get their rule own precision, the annotation names the rule, the hover says it in words', () => {
  const points = [
    ...Array.from({ length: 200 }, (_, i) => ({ type: 'Chemical' as const, score: 0.9, propagated: false, correct: i % 10 !== 0 })),
    ...Array.from({ length: 8 }, (_, i) => ({ type: 'Chemical' as const, score: 0.8, propagated: true, addedByRule: 'receptorLigands', correct: i < 7 })),
    ...Array.from({ length: 10 }, (_, i) => ({ type: 'Chemical' as const, score: 0, propagated: true, correct: i < 4 })),
  ];
  const c = fitMentionCalibration(points, 'synthetic');
  assert.deepEqual(c.byRule, { receptorLigands: 0.8 }, '(7 + 1) / (8 + 2)');
  assert.equal(c.propagated, 0.4167, 'consistency-added alone: (4 + 1) / (10 + 2)');
  const m: PredictedMention = { span: { start: 0, end: 4 }, type: 'Chemical', text: 'NMDA', score: 0.8, propagated: true, addedByRule: 'receptorLigands' };
  assert.equal(calibratedMentionScore(m, c), 0.8);
  assert.equal(calibratedMentionScore({ ...m, addedByRule: 'unknownRule' }, c), c.propagated, 'a rule without its own precision counts as added');
  const d = doc('NMDA receptors');
  applyMentions(d, [{ ...m, score: 0.8 }]);
  const a = d.passages[0]!.annotations[0]!;
  assert.equal(a.attributes['rule'], 'receptorLigands');
  assert.equal(mentionOrigin(a.attributes), 'added by the mention rule "a chemical named before a receptor, agonist or antagonist", confidence 0.80');
});

test('fit-rules refuses a target corpus the tagger was not trained on, and a folder that records no held-out documents', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fit-rules-'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'biore-bilstm-ner', data: { heldOutShare: 0.1, sources: [{ corpus: 'bc5cdr', split: 'train', types: ['Chemical', 'Disease'] }] } }));
  await assert.rejects(fitTaggerRules(dir, { target: 'drugprot' }), /drugprot is not among the training sources \(bc5cdr\)/);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'biore-bilstm-ner' }));
  await assert.rejects(fitTaggerRules(dir), /records no training sources with a held-out share/);
  fs.rmSync(dir, { recursive: true, force: true });
});
