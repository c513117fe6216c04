/**
 * Tagger ensembles sharing one word table (training/ner/nerEnsemble.ts): a second toy tagger is
 * trained on the first one's exported table, the ensemble graph's emissions and CRF scores are
 * the weighted mean of the members' (run side by side), the runtime tags with it, and a member
 * trained on another table, an existing destination and a repack of the ensemble are refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeTrainingDocuments, type NerExample } from '../../src/core/inference/mentions/nerExamples';
import { loadNerTagger } from '../../src/core/inference/mentions/nerTagger';
import { nerEmissions } from '../../src/core/inference/mentions/taggerModel';
import { MODEL_FILE, readModelConfig } from '../../src/core/inference/modelFolders';
import { createSession } from '../../src/core/runtime/session';
import { createNerBackend, nerCharScheme, repackNerFolder } from '../../src/core/training/ner/nerModel';
import { buildNerEnsemble, taggerWordTable } from '../../src/core/training/ner/nerEnsemble';
import { resolveNerConfig } from '../../src/core/training/ner/nerTrainJob';
import type { WordVocab } from '../../src/core/wordvec/wordVocab';
import { vectorsHash } from '../../src/core/wordvec/wordVectors';
import { assertClose } from '../helpers/layerCheck';
import { toyDoc, toyVocab } from '../helpers/toyMentions';

const DOCS = Array.from({ length: 36 }, (_, i) => toyDoc(i));
// What `ner train` records, so the ensemble can check the members held out the same documents.
const DATA = { sources: [{ corpus: 'toy', split: 'train' }], heldOutShare: 0.1 };

/** Train a toy BiLSTM-CRF tagger on `table` for a few steps and export it to `dir`. */
async function trainToy(dir: string, vocab: WordVocab, table: Float32Array, dim: number, overrides: string[], vectors: Record<string, unknown>): Promise<NerExample[]> {
  const { train: config, ner } = resolveNerConfig([`outDir=${dir}`, 'encoder=bilstm', 'crf=true', 'hidden=8', 'charFilters=6', 'charDim=4', 'maxChars=10', 'maxTokens=24', 'batchSize=8', 'learningRate=0.02', 'maxSteps=30', 'dropout=0', 'inputDropout=0', 'threads=1', 'buckets=128', 'featDim=6', 'tuneWords=10', ...overrides]);
  const enc = { vocab, buckets: ner.buckets, maxTokens: ner.maxTokens, chars: nerCharScheme(ner) };
  const train = encodeTrainingDocuments(DOCS.slice(0, 28), 'toy', ['Chemical', 'Disease'], enc);
  const dev = encodeTrainingDocuments(DOCS.slice(28), 'toy', ['Chemical', 'Disease'], enc);
  const backend = await createNerBackend({ config, ner, vocab, table, wordDim: dim, train, dev });
  for (let s = 0; s < config.maxSteps; s++) await backend.step(config.learningRate);
  await backend.exportModel(dir, { data: { ...DATA, vectors }, metrics: { f1: 50 } });
  await backend.session.dispose();
  return dev;
}

test('tagger ensemble: one shared int8 table, emissions and CRF scores are the weighted mean of the members, the runtime tags with it', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-ens-'));
  const { vocab, table: base, dim } = toyVocab();
  // The first member as shipped: its table as int8 rows, which re-quantize to themselves.
  await trainToy(path.join(root, 'a-fp16'), vocab, base, dim, ['seed=1'], { sha256: vectorsHash(base) });
  const a = path.join(root, 'a');
  repackNerFolder(path.join(root, 'a-fp16'), a);
  const shared = taggerWordTable(a);
  assert.equal(shared.vocab.size, vocab.size);
  // The second member reads that table frozen; it is told apart by its seed.
  const b = path.join(root, 'b');
  const dev = await trainToy(b, shared.vocab, shared.table, dim, ['seed=2', 'tuneEmbeddings=false', 'centerVectors=false'], { wordTable: a, tableSha256: shared.sha256 });
  const ens = path.join(root, 'ens');
  const report = buildNerEnsemble([a, b], ens, { weights: [3, 1] });
  assert.deepEqual(report.weights, [0.75, 0.25]);
  const cfg = readModelConfig(ens);
  assert.equal(cfg['mention_rules'], undefined, 'rules fitted for one member are not carried over');
  assert.equal((cfg['architecture'] as { members: unknown[] }).members.length, 2);
  assert.ok(fs.existsSync(path.join(ens, 'vocab.tsv')));
  // The ensemble stores the table once: smaller than the two members together by about a table.
  const size = (d: string): number => fs.statSync(path.join(d, MODEL_FILE)).size;
  assert.ok(size(ens) < size(a) + size(b) - 0.9 * vocab.size * dim, `${size(ens)} vs ${size(a)} + ${size(b)}`);

  const run = async (d: string) => {
    const s = await createSession(path.join(d, MODEL_FILE));
    try {
      return await nerEmissions(s, dev, { maxChars: 10 });
    } finally {
      await s.dispose();
    }
  };
  const [ra, rb, re] = [await run(a), await run(b), await run(ens)];
  const mean = (x: ArrayLike<number>, y: ArrayLike<number>): Float32Array => Float32Array.from(x, (v, i) => 0.75 * v + 0.25 * y[i]!);
  dev.forEach((_, i) => assertClose(re.logits[i]!, mean(ra.logits[i]!, rb.logits[i]!), 1e-4, `emissions of sentence ${i}`));
  assertClose(re.crf!.transitions, mean(ra.crf!.transitions, rb.crf!.transitions), 1e-5, 'transitions');
  assertClose(re.crf!.start, mean(ra.crf!.start, rb.crf!.start), 1e-5, 'start scores');
  assertClose(re.crf!.end, mean(ra.crf!.end, rb.crf!.end), 1e-5, 'end scores');

  const tagger = await loadNerTagger(ens);
  const tagged = await tagger.tagDocuments(DOCS.slice(28), { types: ['Chemical', 'Disease'], consistency: false });
  await tagger.dispose();
  assert.equal(tagged.length, 8);
  assert.ok(tagged.every((ms) => ms.every((m) => m.score > 0 && m.score <= 1)));

  // Refusals: a member trained on another table, an existing destination, a repack, nesting.
  assert.throws(() => buildNerEnsemble([a, path.join(root, 'a-fp16')], path.join(root, 'x1')), /was not trained on the word table of .*wordTable=/);
  assert.throws(() => buildNerEnsemble([a, b], ens), /already exists/);
  assert.throws(() => repackNerFolder(ens, path.join(root, 'x2')), /is a tagger ensemble/);
  assert.throws(() => buildNerEnsemble([ens, b], path.join(root, 'x3')), /itself an ensemble/);
  assert.throws(() => buildNerEnsemble([a], path.join(root, 'x4')), /at least two/);
  fs.rmSync(root, { recursive: true, force: true });
});
