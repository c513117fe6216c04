/**
 * Dictionary features of the mention tagger (inference/mentions/gazetteer.ts): longest matches of
 * vocabulary names over the tagger's tokens, what is left out of the dictionary, the extra feature
 * slot, and a tiny tagger trained with one that finds names it never saw in training because the
 * dictionary knows them; its folder carries the vocabulary file and refuses another one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { Annotation, Document } from '../../src/core/document/document';
import { documentAnnotations } from '../../src/core/document/document';
import { FEATURE_SLOTS, dictionaryFeature, nerTokens } from '../../src/core/inference/mentions/features';
import { buildGazetteer, loadGazetteer } from '../../src/core/inference/mentions/gazetteer';
import { encodeSentence, encodeTrainingDocuments } from '../../src/core/inference/mentions/nerExamples';
import { loadNerTagger } from '../../src/core/inference/mentions/nerTagger';
import { bareCopy, scoreMentions } from '../../src/core/modelEvaluation/evaluateMentions';
import { createNerBackend } from '../../src/core/training/ner/nerModel';
import { resolveNerConfig } from '../../src/core/training/ner/nerTrainJob';
import { train } from '../../src/core/training/trainer';
import { SPECIAL_WORDS, WordVocab } from '../../src/core/wordvec/wordVocab';

const entry = (type: 'Chemical' | 'Disease' | 'Gene', term: string, source = 'mesh.entry') => ({ type, source: source as 'mesh.entry', term });

function tagsOf(g: ReturnType<typeof buildGazetteer>, text: string): string {
  const toks = nerTokens(text);
  const tags = g.tags(toks);
  return toks.map((t, i) => `${t.surface}/${tags[i]}`).join(' ');
}

test('gazetteer: longest match, inverted MeSH terms, plurals, both types; abbreviations, genes and short names left out', () => {
  const g = buildGazetteer(
    [
      entry('Disease', 'Renal Insufficiency'),
      entry('Disease', 'Renal Insufficiency, Acute'),
      entry('Disease', 'Seizures', 'mesh.pref'),
      entry('Chemical', 'Lead', 'mesh.pref'),
      entry('Disease', 'Lead Poisoning'),
      entry('Disease', 'Lead'),
      entry('Chemical', 'cis-Platinum', 'scr.name'),
      entry('Disease', 'ARF', 'mesh.abbr'),
      entry('Gene', 'insulin', 'gene.symbol'),
      entry('Chemical', 'K', 'mesh.pref'),
    ],
    'sha',
  );
  assert.equal(tagsOf(g, 'acute renal insufficiency after cis-platinum'), 'acute/B-D renal/I-D insufficiency/I-D after/O cis/B-C platinum/I-C');
  assert.equal(tagsOf(g, 'renal insufficiency, a seizure'), 'renal/B-D insufficiency/I-D ,/O a/O seizure/B-D');
  assert.equal(tagsOf(g, 'lead poisoning and lead'), 'lead/B-D poisoning/I-D and/O lead/B-CD');
  assert.equal(tagsOf(g, 'ARF with insulin and K'), 'ARF/O with/O insulin/O and/O K/O');
  assert.deepEqual(g.tags([]), []);
});

test('gazetteer: a short form the document defines for a dictionary name is tagged wherever it occurs, only when asked', () => {
  const g = buildGazetteer([entry('Chemical', 'Nitric Oxide', 'mesh.pref'), entry('Disease', 'Contrast-Induced Nephropathy'), entry('Chemical', '5-Hydroxytryptamine')], 'sha');
  const doc = {
    passages: [
      { offset: 0, text: 'Nitric oxide (NO) and 5-hydroxytryptamine (5-HT) in contrast-induced nephropathy (CIN).', annotations: [], attributes: {} },
      { offset: 90, text: 'NO rose; CIN and 5-HT fell; no change in BP (blood pressure).', annotations: [], attributes: {} },
    ],
  };
  assert.equal(g.documentAbbreviations(doc).size, 0, 'off by default');
  const on = g.withAbbreviations(true);
  assert.deepEqual([...on.documentAbbreviations(doc)], [['NO', 1], ['5 HT', 1], ['CIN', 2]]);
  const toks = nerTokens(doc.passages[1]!.text);
  const tags = on.tags(toks, on.documentAbbreviations(doc));
  assert.equal(toks.map((t, i) => `${t.surface}/${tags[i]}`).join(' '), 'NO/B-aC rose/O ;/O CIN/B-aD and/O 5/B-aC HT/I-aC fell/O ;/O no/O change/O in/O BP/O (/O blood/O pressure/O )/O ./O');
  assert.deepEqual(g.tags(toks), tags.map(() => 'O'));
});

test('gazetteer: a file with other content than the tagger recorded is refused by name', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaz-'));
  const file = path.join(dir, 'vocabulary.tsv.br');
  fs.writeFileSync(file, zlib.brotliCompressSync(Buffer.from(vocabularyText([['Disease', 'D1', 'tardive dyskinesia']]))));
  const g = loadGazetteer(file);
  assert.equal(g.names.size, 1);
  assert.throws(() => loadGazetteer(file, '0'.repeat(64)), (e: Error) => e.message.startsWith(file) && /differs from the vocabulary the tagger was trained with/.test(e.message));
  assert.throws(() => loadGazetteer(path.join(dir, 'missing.tsv.br')), /missing/);
  // The extra slot holds the hashed tag; without a gazetteer the features are as before.
  const sentence = { documentId: 'd', tokens: nerTokens('tardive dyskinesia .') };
  const vocab = new WordVocab([...SPECIAL_WORDS], SPECIAL_WORDS.map(() => 0));
  const plain = encodeSentence(sentence, { vocab, buckets: 64 });
  const withDict = encodeSentence(sentence, { vocab, buckets: 64, gazetteer: g });
  assert.equal(plain.feats.length, 3 * FEATURE_SLOTS);
  assert.equal(withDict.feats.length, 3 * (FEATURE_SLOTS + 1));
  assert.deepEqual([0, 1, 2].map((t) => withDict.feats[t * (FEATURE_SLOTS + 1) + FEATURE_SLOTS]), ['B-D', 'I-D', 'O'].map((tag) => dictionaryFeature(tag, 64)));
  assert.deepEqual(Array.from(withDict.feats.subarray(0, FEATURE_SLOTS)), Array.from(plain.feats.subarray(0, FEATURE_SLOTS)));
  fs.rmSync(dir, { recursive: true, force: true });
});

function vocabularyText(rows: [string, string, string][]): string {
  return ['#format\tbiore-vocabulary 1', '#epoch\t0', '#columns\ttype\tid\tsource\tnote\tterm', ...rows.map(([type, id, term]) => `${type}\t${id}\tmesh.entry\t${type === 'Disease' ? 'C' : 'D'}\t${term}`)].join('\n') + '\n';
}

// Made-up words in four spelling families (-itis, -osis, -via, -emia). Per family: a disease and a
// word that is none, seen in training; another disease and another non-disease, seen only in the
// test documents. Spelling cannot tell a disease here; only the dictionary (which lists the
// diseases) can, so a tagger without it cannot find the unseen ones.
const SEEN = ['zarbitis', 'vextrosis', 'mobrivia', 'frandemia'];
const SEEN_DECOYS = ['quomitis', 'plindosis', 'sarnevia', 'crobemia'];
const UNSEEN = ['kopsalitis', 'telquosis', 'glentivia', 'pelvemia'];
const UNSEEN_DECOYS = ['drelitis', 'brumosis', 'hoskavia', 'trinemia'];
const FILLERS = ['patients', 'given', 'developed', 'after', 'treatment', 'with', 'severe', 'the', 'was', 'reported'];

function toyDoc(i: number, names: readonly string[], decoys: readonly string[]): Document {
  const d = names[i % names.length]!;
  const decoy = decoys[(i * 3 + 1) % decoys.length]!;
  const f = (k: number): string => FILLERS[(Math.floor(i / 2) * 7 + k * 3) % FILLERS.length]!; // the same for both orders
  // The disease and a decoy in varying order: position and neighbours say nothing.
  const parts = i % 2 ? [f(0), d, f(1), decoy, f(2)] : [f(0), decoy, f(1), d, f(2)];
  const text = `${parts.join(' ')} .`;
  const at = text.indexOf(d);
  const a: Annotation = { id: 'T0', type: 'Disease', spans: [{ start: at, end: at + d.length }], text: d, ids: ['-1'], attributes: {} };
  return { id: `toy${i}`, passages: [{ offset: 0, text, attributes: {}, annotations: [a] }], relations: [], attributes: {} };
}

/** Train a tiny tagger on the seen names (with or without the dictionary); its folder and unseen-name F1. */
async function trainToy(dir: string, vocabFile: string | undefined): Promise<{ modelDir: string; f1: number; predicted: string[] }> {
  const words = [...SPECIAL_WORDS, ...SEEN, ...SEEN_DECOYS, ...FILLERS, '.'];
  const vocab = new WordVocab(words, words.map((_, i) => (i < SPECIAL_WORDS.length ? 0 : 10)));
  const dim = 8;
  const table = new Float32Array(vocab.size * dim).map((_, i) => Math.sin(i * 12.9898) * 0.5);
  const overrides = [`outDir=${dir}`, 'maxSteps=300', 'evalEvery=300', 'checkpointEvery=1000', 'warmupSteps=10', 'batchSize=8', 'learningRate=0.01', 'dropout=0', 'inputDropout=0', 'threads=1', 'layers=3', 'filters=16', 'buckets=4096', 'featDim=8', 'tuneWords=20'];
  const { train: config, ner } = resolveNerConfig([...overrides, ...(vocabFile ? [`dictionary=${vocabFile}`] : [])]);
  const enc = { vocab, buckets: ner.buckets, maxTokens: ner.maxTokens, gazetteer: vocabFile ? loadGazetteer(vocabFile) : undefined };
  const trainDocs = Array.from({ length: 32 }, (_, i) => toyDoc(i, SEEN, SEEN_DECOYS));
  const testDocs = Array.from({ length: 16 }, (_, i) => toyDoc(i, UNSEEN, UNSEEN_DECOYS));
  const trainEx = encodeTrainingDocuments(trainDocs, 'toy', ['Disease'], enc);
  const backend = await createNerBackend({ config, ner, vocab, table, wordDim: dim, train: trainEx, dev: encodeTrainingDocuments(trainDocs.slice(0, 8), 'toy', ['Disease'], enc) });
  await train(backend, { config, meta: { command: 'test' }, select: { metric: 'f1', mode: 'max' }, resume: false });
  await backend.session.dispose();
  const modelDir = path.join(dir, 'best');
  const tagger = await loadNerTagger(modelDir);
  const predicted = await tagger.tagDocuments(testDocs.map(bareCopy), { types: ['Disease'], consistency: false });
  await tagger.dispose();
  assert.equal(documentAnnotations(testDocs[0]!).length, 1);
  return { modelDir, f1: scoreMentions(testDocs, predicted, ['Disease']).micro.f1, predicted: predicted.flat().map((p) => p.text) };
}

test('a tagger trained with a dictionary finds dictionary names it never saw; its folder carries the file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-dict-'));
  const vocabFile = path.join(dir, 'names.tsv.br');
  fs.writeFileSync(vocabFile, zlib.brotliCompressSync(Buffer.from(vocabularyText([...SEEN, ...UNSEEN].map((n, i) => ['Disease', `D${i}`, n])))));
  const withDict = await trainToy(path.join(dir, 'dict'), vocabFile);
  const without = await trainToy(path.join(dir, 'plain'), undefined);
  assert.ok(withDict.f1 > 90, `unseen dictionary names, F1 ${withDict.f1}: ${withDict.predicted.join(' ')}`);
  assert.ok(withDict.predicted.every((t) => !UNSEEN_DECOYS.includes(t)), 'decoys are not diseases');
  assert.ok(without.f1 < withDict.f1 - 20, `without the dictionary F1 ${without.f1}, with ${withDict.f1}`);

  const { modelDir } = withDict;
  const cfg = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8')) as { features: { version: number; slots: string[]; dictionary: { file: string; sha256: string } } };
  assert.equal(cfg.features.version, 2);
  assert.equal(cfg.features.slots.at(-1), 'dict');
  assert.equal(cfg.features.dictionary.file, 'vocabulary.tsv.br');
  assert.equal(cfg.features.dictionary.sha256, loadGazetteer(vocabFile).sha256);
  assert.deepEqual(fs.readFileSync(path.join(modelDir, 'vocabulary.tsv.br')), fs.readFileSync(vocabFile));
  const plainCfg = JSON.parse(fs.readFileSync(path.join(without.modelDir, 'config.json'), 'utf8')) as { features: { version: number } };
  assert.equal(plainCfg.features.version, 1);
  assert.ok(!fs.existsSync(path.join(without.modelDir, 'vocabulary.tsv.br')));

  // Another vocabulary file in the folder: the tagger refuses to load, naming it.
  fs.writeFileSync(path.join(modelDir, 'vocabulary.tsv.br'), zlib.brotliCompressSync(Buffer.from(vocabularyText([['Disease', 'D0', 'zarbitis']]))));
  await assert.rejects(loadNerTagger(modelDir), (e: Error) => e.message.includes(path.join(modelDir, 'vocabulary.tsv.br')) && /trained with/.test(e.message));
  fs.rmSync(dir, { recursive: true, force: true });
});
