/**
 * The BiLSTM tagger family on a toy corpus: trained through its backend (training graphs unrolled
 * per static length, partial labels from two corpora), exported with the ONNX LSTM op and a
 * char_ids input, loaded by the tagger runtime; the export's logits equal the training graph's;
 * CNN folders are fed as before, and the shipped tagger decodes the sample as recorded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Autodiff } from '../../src/core/engine/autodiff';
import { readCollection } from '../../src/core/formats/formatIo';
import { CHAR_ALPHABET, charScheme, charTable, tokenCharIds } from '../../src/core/inference/mentions/features';
import { encodeTrainingDocuments, type NerExample } from '../../src/core/inference/mentions/nerExamples';
import { calibratedMentionScore } from '../../src/core/inference/mentions/mentionCalibration';
import { loadNerTagger } from '../../src/core/inference/mentions/nerTagger';
import { NER_LABELS } from '../../src/core/inference/mentions/tags';
import { decodeMentions, nerEmissions, nerInputFeeds, nerLogits } from '../../src/core/inference/mentions/taggerModel';
import { MODEL_FILE, readModelConfig, readModelWeights } from '../../src/core/inference/modelFolders';
import { createSession, type HostTensor } from '../../src/core/runtime/session';
import { buildNerGraph, createNerBackend, nerCharScheme, nerFeeds, nerFoldedTable, nerTrainLengths, nerTuneIndex } from '../../src/core/training/ner/nerModel';
import { resolveNerConfig } from '../../src/core/training/ner/nerTrainJob';
import { assertClose } from '../helpers/layerCheck';
import { toyDoc, toyVocab } from '../helpers/toyMentions';

const C = NER_LABELS.length;

const feedsWithWeights = (f: Record<string, HostTensor>, params: readonly { name: string; shape: readonly (number | string)[] }[], w: ReadonlyMap<string, Float32Array>): Record<string, HostTensor> => ({
  ...f,
  ...Object.fromEntries(params.map((p) => [p.name, { data: w.get(p.name)!, dims: p.shape as number[] }])),
});

test('char ids: alphabet ids, unknown characters, head+tail truncation', () => {
  const table = charTable(charScheme(6));
  const out = new Uint8Array(6);
  tokenCharIds('TNF-α', table, 6, out, 0);
  assert.deepEqual([...out], [...'TNF-α'].map((c) => 2 + CHAR_ALPHABET.indexOf(c)).concat([0]));
  tokenCharIds('a€', table, 6, out, 0);
  assert.deepEqual([...out.slice(0, 3)], [2 + CHAR_ALPHABET.indexOf('a'), 1, 0]);
  // Longer words keep their first three and last three characters: the suffix survives.
  tokenCharIds('glomerulonephritis', table, 6, out, 0);
  assert.equal([...out].map((i) => CHAR_ALPHABET[i - 2]).join(''), 'glotis');
  assert.ok(2 + CHAR_ALPHABET.length < 256, 'char ids fit a byte');
  assert.deepEqual(nerTrainLengths(120), [16, 32, 48, 64, 96, 120]);
  assert.deepEqual(nerTrainLengths(40), [16, 32, 40]);
  // Offset rows fold into the exported table, the shared row 0 into every word without its own.
  const folded = nerFoldedTable(Float32Array.of(1, 1, 1), Float32Array.of(0.5, 2), Int32Array.of(0, 1, 0), 1);
  assert.deepEqual([...folded], [1.5, 3, 1.5]);
});

test('BiLSTM tagger: trains on partial labels, exports with char_ids, the runtime matches the training graph', async () => {
  const { vocab, table, dim } = toyVocab();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-bilstm-'));
  const { train: config, ner } = resolveNerConfig([
    `outDir=${dir}`,
    'encoder=bilstm',
    'hidden=12',
    'charFilters=8',
    'charDim=6',
    'maxChars=10',
    'maxTokens=40',
    'batchSize=8',
    'learningRate=0.02',
    'warmupSteps=5',
    'maxSteps=120',
    'dropout=0',
    'inputDropout=0',
    'threads=1',
    'buckets=256',
    'featDim=8',
    'tuneWords=12',
  ]);
  const docs = Array.from({ length: 45 }, (_, i) => toyDoc(i));
  const enc = { vocab, buckets: ner.buckets, maxTokens: ner.maxTokens, chars: nerCharScheme(ner) };
  // A third of the documents supervise only chemicals: their diseases must not be learnt as O.
  const trainEx = [...encodeTrainingDocuments(docs.slice(0, 15), 'both', ['Chemical', 'Disease'], enc), ...encodeTrainingDocuments(docs.slice(15, 30), 'chem', ['Chemical'], enc)];
  const devEx = encodeTrainingDocuments(docs.slice(30), 'both', ['Chemical', 'Disease'], enc);
  assert.ok(trainEx.every((e) => e.chars?.length === e.words.length * ner.maxChars));
  const backend = await createNerBackend({ config, ner, vocab, table, wordDim: dim, train: trainEx, dev: devEx });
  assert.equal(backend.arch.encoder, 'bilstm');
  const losses: number[] = [];
  for (let s = 0; s < config.maxSteps; s++) losses.push((await backend.step(s < 5 ? (config.learningRate * (s + 1)) / 5 : config.learningRate)).loss);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(losses.slice(-10)) < 0.3 * mean(losses.slice(0, 10)), `loss ${mean(losses.slice(0, 10))} → ${mean(losses.slice(-10))}`);
  const dev = await backend.evaluate();
  assert.ok(dev['f1']! > 90, `held-out F1 ${JSON.stringify(dev)}`);

  // The training graph's forward logits on one padded batch (dropout is 0), weights from the runner.
  const weights = new Map(backend.state().tensors);
  const short = devEx.filter((e) => e.words.length <= 16);
  const batch: NerExample[] = [short[0]!, devEx.find((e) => e.words.length > 16)!, short[1]!];
  const T = 32;
  const arch = backend.arch;
  const tune = nerTuneIndex(vocab.size, trainEx, ner.tuneWords);
  const trainGraph = new Autodiff('train', { training: true });
  const { logits: trainLogits } = buildNerGraph(trainGraph, arch, { kind: 'frozen', data: table }, T);
  trainGraph.g.output(trainLogits, 'y');
  const trainSession = await createSession(trainGraph.g.toBytes());
  const f = nerFeeds(batch, { tuneIndex: tune.index, maxChars: ner.maxChars, padTo: T, targets: true });
  const fromTraining = (await trainSession.run(feedsWithWeights(f, trainGraph.params, weights)))['y']!.data as Float32Array;
  await trainSession.dispose();
  const perExample = (all: Float32Array, Tp: number): Float32Array[] => batch.map((e, b) => all.slice(b * Tp * C, (b * Tp + e.words.length) * C));
  const expected = perExample(fromTraining, T);

  // The export graph (ONNX LSTM op, any length, tuned rows folded, row 0 included) in full
  // precision: equal up to the LSTM op's own float arithmetic (about 1e-4 on logits near 8).
  const foldedTable = nerFoldedTable(table, weights.get('emb.delta'), tune.index, dim);
  const ex = new Autodiff('export', { training: false, weights });
  ex.g.output(buildNerGraph(ex, { ...arch, tuneRows: 0 }, { kind: 'folded', data: foldedTable }).logits, 'logits');
  const exSession = await createSession(ex.g.toBytes());
  const exported = await nerLogits(exSession, batch, { maxChars: ner.maxChars });
  await exSession.dispose();
  batch.forEach((_, b) => assertClose(exported[b]!, expected[b]!, 5e-4, `export logits, example ${b}`));

  // The model folder (float16 weights): char_ids is an input, logits agree to fp16 precision,
  // and the tagger runtime decodes what the training graph's logits decode to.
  const modelDir = path.join(dir, 'export');
  await backend.exportModel(modelDir, { command: 'test' });
  await backend.session.dispose();
  const cfg = readModelConfig(modelDir);
  assert.equal(cfg['model_type'], 'biore-bilstm-ner');
  assert.deepEqual(cfg['inputs'], ['word_ids', 'feat_ids', 'mask', 'char_ids']);
  assert.deepEqual(cfg['chars'], charScheme(10));
  const folder = await createSession(path.join(modelDir, MODEL_FILE));
  assert.deepEqual([...folder.inputNames].sort(), ['char_ids', 'feat_ids', 'mask', 'word_ids']);
  const fromFolder = await nerLogits(folder, batch, { maxChars: ner.maxChars });
  await folder.dispose();
  batch.forEach((_, b) => assertClose(fromFolder[b]!, expected[b]!, 0.05, `folder logits, example ${b}`));

  const tagger = await loadNerTagger(modelDir);
  const devDocs = docs.slice(30);
  const tagged = await tagger.tagDocuments(devDocs, { types: ['Chemical', 'Disease'], consistency: false });
  await tagger.dispose();
  const gold = devDocs.map((d) => d.passages[0]!.annotations.map((a) => `${a.type}:${a.spans[0]!.start}-${a.spans[0]!.end}`).sort());
  const found = tagged.map((ms) => ms.map((m) => `${m.type}:${m.span.start}-${m.span.end}`).sort());
  const hits = found.filter((x, i) => x.join() === gold[i]!.join()).length;
  assert.ok(hits >= devDocs.length - 1, `runtime mentions ${JSON.stringify(found)} vs ${JSON.stringify(gold)}`);
  // The runtime's decoding equals decoding the training graph's logits for the batch's sentences.
  batch.forEach((e, b) => assert.deepEqual(decodeMentions(fromFolder[b]!, e.words.length, ['Chemical', 'Disease']), decodeMentions(expected[b]!, e.words.length, ['Chemical', 'Disease'])));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('CNN folders: no char input, no new config fields; the shipped tagger decodes the sample as recorded', async () => {
  // A fresh CNN (the default encoder) records the architecture it always did.
  const { vocab, table, dim } = toyVocab();
  const { train: config, ner } = resolveNerConfig(['maxSteps=1', 'threads=1', 'layers=3', 'filters=8', 'buckets=64', 'featDim=4', 'batchSize=4']);
  assert.equal(ner.encoder, 'cnn');
  assert.equal(nerCharScheme(ner), undefined);
  const ex = encodeTrainingDocuments([toyDoc(1), toyDoc(2)], 'both', ['Chemical', 'Disease'], { vocab, buckets: ner.buckets, maxTokens: ner.maxTokens, chars: nerCharScheme(ner) });
  assert.ok(ex.every((e) => e.chars === undefined));
  assert.deepEqual(Object.keys(nerInputFeeds(ex)).sort(), ['feat_ids', 'mask', 'word_ids']);
  const backend = await createNerBackend({ config, ner, vocab, table, wordDim: dim, train: ex, dev: ex });
  assert.equal(backend.arch.encoder, undefined);
  assert.equal(backend.arch.chars, undefined);
  await backend.step(1e-3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-cnn-'));
  await backend.exportModel(dir, {});
  await backend.session.dispose();
  const cfg = readModelConfig(dir);
  assert.equal(cfg['model_type'], 'biore-cnn-ner');
  assert.deepEqual(cfg['inputs'], ['word_ids', 'feat_ids', 'mask']);
  assert.equal(cfg['chars'], undefined);
  fs.rmSync(dir, { recursive: true, force: true });

  // The shipped tagger (the BiLSTM-CRF since round 5): the sample's mentions, spans, types and
  // scores as recorded when it shipped (test/fixtures/ner/sample-mentions.json, written by the
  // code of that commit; re-record it when models/ner is replaced).
  const root = path.resolve(__dirname, '../../..');
  const golden = JSON.parse(fs.readFileSync(path.join(root, 'test/fixtures/ner/sample-mentions.json'), 'utf8')) as { start: number; end: number; type: string; text: string; score: number }[];
  const docs = (await readCollection(path.join(root, 'samples/sample.pubtator'))).documents;
  for (const d of docs) for (const p of d.passages) p.annotations = [];
  const tagger = await loadNerTagger(path.join(root, 'models/ner'), { threads: 1 });
  const out = await tagger.tagDocuments(docs, { consistency: false });
  // Its scores are calibrated (`biore ner calibrate`): Platt scaling of the tagger's own scores, or
  // the precision of the mentions a rule added (mentionRules.ts; `biore ner fit-rules`).
  const raw = await tagger.tagDocuments(docs, { consistency: false, rawScores: true });
  await tagger.dispose();
  assert.ok(tagger.calibration, 'the shipped tagger records a score calibration');
  const cal = tagger.calibration!;
  raw[0]!.forEach((m, i) => assert.ok(Math.abs(out[0]![i]!.score - calibratedMentionScore(m, cal)) < 1e-9));
  assert.deepEqual(
    out[0]!.map((m) => ({ start: m.span.start, end: m.span.end, type: m.type, text: m.text, score: +m.score.toFixed(5) })),
    golden,
  );
});

test('weight averaging in a backend: held-out metrics carry the live weights\' F1 too, the export reads the average', async () => {
  const { vocab, table, dim } = toyVocab();
  const base = ['maxSteps=5', 'threads=1', 'layers=3', 'filters=8', 'buckets=64', 'featDim=4', 'batchSize=4', 'learningRate=0.05'];
  const ex = encodeTrainingDocuments([toyDoc(1), toyDoc(2), toyDoc(3)], 'both', ['Chemical', 'Disease'], { vocab, buckets: 64, maxTokens: 120 });
  const run = async (extra: string[]): Promise<{ metrics: Record<string, number>; weights: Map<string, Float32Array> }> => {
    const { train: config, ner } = resolveNerConfig([...base, ...extra]);
    const backend = await createNerBackend({ config, ner, vocab, table, wordDim: dim, train: ex, dev: ex });
    for (let i = 0; i < 5; i++) await backend.step(0.05);
    const metrics = await backend.evaluate();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-avg-'));
    await backend.exportModel(dir, {});
    await backend.session.dispose();
    const weights = readModelWeights(dir);
    fs.rmSync(dir, { recursive: true, force: true });
    return { metrics, weights };
  };
  const plain = await run([]);
  const averaged = await run(['averageDecay=0.99']);
  assert.equal(plain.metrics['liveF1'], undefined);
  assert.equal(typeof averaged.metrics['liveF1'], 'number');
  // Same seed and batches: the live weights are the plain run's, and the export is not them.
  assert.equal(averaged.metrics['liveF1'], plain.metrics['f1']);
  const w = 'cls.w';
  assert.ok(plain.weights.has(w), `export has ${w}: ${[...plain.weights.keys()].join(',')}`);
  const diff = plain.weights.get(w)!.reduce((s, v, i) => s + Math.abs(v - averaged.weights.get(w)![i]!), 0);
  assert.ok(diff > 1e-3, `the averaged export differs from the live weights (${diff})`);
});

test('BiLSTM-CRF tagger: partial-label CRF loss falls, the export carries the CRF scores, the runtime decodes with them', async () => {
  const { vocab, table, dim } = toyVocab();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-crf-'));
  const { train: config, ner } = resolveNerConfig([`outDir=${dir}`, 'encoder=bilstm', 'crf=true', 'hidden=12', 'charFilters=8', 'charDim=6', 'maxChars=10', 'maxTokens=40', 'batchSize=8', 'learningRate=0.02', 'maxSteps=100', 'dropout=0', 'inputDropout=0', 'threads=1', 'buckets=256', 'featDim=8', 'tuneWords=12']);
  const docs = Array.from({ length: 45 }, (_, i) => toyDoc(i));
  const enc = { vocab, buckets: ner.buckets, maxTokens: ner.maxTokens, chars: nerCharScheme(ner) };
  const trainEx = [...encodeTrainingDocuments(docs.slice(0, 15), 'both', ['Chemical', 'Disease'], enc), ...encodeTrainingDocuments(docs.slice(15, 30), 'chem', ['Chemical'], enc)];
  const devEx = encodeTrainingDocuments(docs.slice(30), 'both', ['Chemical', 'Disease'], enc);
  const backend = await createNerBackend({ config, ner, vocab, table, wordDim: dim, train: trainEx, dev: devEx });
  assert.equal(backend.arch.crf, true);
  const losses: number[] = [];
  for (let s = 0; s < config.maxSteps; s++) losses.push((await backend.step(config.learningRate)).loss);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(losses.slice(-10)) < 0.3 * mean(losses.slice(0, 10)), `loss ${mean(losses.slice(0, 10))} → ${mean(losses.slice(-10))}`);
  const dev = await backend.evaluate();
  assert.ok(dev['f1']! > 90, `held-out F1 ${JSON.stringify(dev)}`);
  const modelDir = path.join(dir, 'export');
  await backend.exportModel(modelDir, {});
  const weights = new Map(backend.state().tensors);
  await backend.session.dispose();
  const cfg = readModelConfig(modelDir);
  assert.deepEqual(cfg['outputs'], ['logits', 'crf_transitions', 'crf_start', 'crf_end']);
  const session = await createSession(path.join(modelDir, MODEL_FILE));
  const { crf } = await nerEmissions(session, devEx.slice(0, 2), { maxChars: ner.maxChars });
  await session.dispose();
  assert.ok(crf, 'CRF scores come with the emissions');
  assertClose(crf.end, weights.get('crf.end')!, 0, 'exported end scores');
  assertClose(crf.transitions, weights.get('crf.transitions')!, 5e-3, 'exported transitions (float16)');
  const tagger = await loadNerTagger(modelDir);
  const devDocs = docs.slice(30);
  const tagged = await tagger.tagDocuments(devDocs, { types: ['Chemical', 'Disease'], consistency: false });
  // Restricted to diseases, no chemical comes out (the type restriction holds with the CRF).
  const diseasesOnly = await tagger.tagDocuments(devDocs, { types: ['Disease'], consistency: false });
  await tagger.dispose();
  const gold = devDocs.map((d) => d.passages[0]!.annotations.map((a) => `${a.type}:${a.spans[0]!.start}-${a.spans[0]!.end}`).sort());
  const found = tagged.map((ms) => ms.map((m) => `${m.type}:${m.span.start}-${m.span.end}`).sort());
  assert.ok(found.filter((x, i) => x.join() === gold[i]!.join()).length >= devDocs.length - 1, `runtime mentions ${JSON.stringify(found)}`);
  assert.ok(diseasesOnly.every((ms) => ms.every((m) => m.type === 'Disease')) && diseasesOnly.some((ms) => ms.length > 0));
  fs.rmSync(dir, { recursive: true, force: true });
});
