/**
 * The engine worker over its typed protocol: inference round trip, errors as messages, and a
 * training job that reports progress and stops on cancel with a checkpoint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineClient } from '../../src/worker/engineClient';
import { BACKGROUND_NICE } from '../../src/protocol/worker';
import { Autodiff } from '../../src/core/engine/autodiff';
import { BioTokenizer } from '../../src/core/tokenizer/tokenizer';
import { savePreparedData } from '../../src/core/training/pretraining/pretrainData';
import { CHECKPOINT_FILE } from '../../src/core/training/trainer';
import { parsePubTator } from '../../src/core/formats/pubtator';
import { writeFixtureModel } from '../e2e/fixtureModel';

const WORKER = path.resolve(__dirname, '../../src/worker/engineWorker.js');
const FIXTURE_TOKENIZER = path.resolve(__dirname, '../../../test/fixtures/tokenizer');

/** A one-node model, y = 2x, as ONNX bytes. */
function doublingModel(): Uint8Array {
  const ad = new Autodiff('double', { training: false });
  const x = ad.input('x', 'float32', ['n']);
  ad.g.output(ad.scale(x, 2), 'y');
  return ad.g.toBytes();
}

test('worker: load a model, run it, get errors as messages', async () => {
  const client = new EngineClient(WORKER);
  try {
    const names = await client.loadModel('m', doublingModel());
    assert.deepEqual(names, { inputNames: ['x'], outputNames: ['y'] });
    const out = await client.run('m', { x: { data: Float32Array.from([1, 2.5]), dims: [2] } });
    assert.deepEqual([...(out['y']!.data as Float32Array)], [2, 5]);
    await assert.rejects(client.run('nope', {}), /no model loaded/);
    await assert.rejects(client.loadModel('bad', new Uint8Array([1, 2, 3])), /./);
  } finally {
    await client.dispose();
  }
});

/** Threads of this process at nice value `nice` (Linux: /proc/self/task/<tid>/stat, field 19). */
function threadsAtNice(nice: number): Set<string> {
  const tids = new Set<string>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, nice field 19.
    if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) === nice) tids.add(tid);
  }
  return tids;
}

test('worker: a background worker and the inference threads it starts run below the host (Linux)', { skip: process.platform !== 'linux' && 'nice values are per thread on Linux only' }, async () => {
  const model = doublingModel();
  const before = threadsAtNice(BACKGROUND_NICE);
  const plain = new EngineClient(WORKER);
  try {
    await plain.loadModel('m', model, 2);
    assert.equal(threadsAtNice(BACKGROUND_NICE).size, before.size, 'a plain worker keeps the host priority');
  } finally {
    await plain.dispose();
  }
  const background = new EngineClient(WORKER, { background: true });
  try {
    await background.loadModel('m', model, 2);
    await background.run('m', { x: { data: Float32Array.from([1]), dims: [1] } });
    const lowered = [...threadsAtNice(BACKGROUND_NICE)].filter((t) => !before.has(t));
    // The worker thread itself and onnxruntime's intra-op pool thread (2 threads: itself + 1).
    assert.ok(lowered.length >= 2, `worker and pool threads lowered (${lowered.length})`);
    assert.ok(!lowered.includes(String(process.pid)), 'the host thread keeps its priority');
    assert.equal(os.getPriority(), 0);
  } finally {
    await background.dispose();
  }
});

test('worker: a pre-training job reports progress and cancels with a checkpoint', async () => {
  const tok = BioTokenizer.fromDirectory(FIXTURE_TOKENIZER);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wk-'));
  // A synthetic token stream from the fixture vocabulary.
  const n = 5000;
  const ids = Int32Array.from({ length: n }, (_, i) => 5 + ((i * 7919) % (tok.vocabSize - 5)));
  const starts = new Uint8Array(n).fill(1);
  savePreparedData(path.join(dir, 'data'), {
    train: { ids, wordStart: starts },
    heldOut: { ids: ids.slice(0, 1000), wordStart: starts.slice(0, 1000) },
    meta: { sources: [], trainDocuments: 1, heldOutDocuments: 1, trainTokens: n, heldOutTokens: 1000, trainSha256: '', heldOutSha256: '', tokenizerSha256: '' },
  });
  const client = new EngineClient(WORKER);
  const ac = new AbortController();
  const steps: number[] = [];
  try {
    const summary = await client.pretrain(
      'tiny',
      { outDir: path.join(dir, 'run'), tokenizer: FIXTURE_TOKENIZER, maxSteps: 100000, logEvery: 2, evalEvery: 1000, checkpointEvery: 1000 },
      path.join(dir, 'data'),
      {
        signal: ac.signal,
        onProgress: (p) => {
          steps.push(p.step);
          if (p.step >= 6) ac.abort();
        },
      },
    );
    assert.equal(summary.stoppedBy, 'cancelled');
    assert.ok(steps.length >= 3 && steps[0] === 2, `progress steps ${steps.join(',')}`);
    assert.ok(fs.existsSync(path.join(dir, 'run', CHECKPOINT_FILE)));
  } finally {
    await client.dispose();
  }
});

test('worker: relations/predict runs a relation model folder on a document; a bad folder is one error naming it', async () => {
  const sampleFile = path.resolve(__dirname, '../../../samples/sample.pubtator');
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'relwk-')), 'relation-cdr');
  await writeFixtureModel(dir, sampleFile);
  const doc = parsePubTator(fs.readFileSync(sampleFile, 'utf8'), sampleFile).documents[0]!;
  const client = new EngineClient(WORKER);
  try {
    // The document keeps its CID gold relations: prediction must not trip over them.
    const rels = await client.predictRelations(dir, doc, { threads: 1 });
    assert.ok(rels.length >= 4);
    for (const r of rels) {
      assert.equal(r.task, 'cdr');
      assert.equal(r.relation.type, 'CID');
      assert.ok(r.relation.score! >= 0 && r.relation.score! <= 1);
      assert.deepEqual(r.relation.args.map((a) => a.ref.kind), ['concept', 'concept']);
      assert.ok(r.evidence.start >= 0 && r.evidence.end > r.evidence.start);
    }
    // Loaded once, reused: a second document gives the same answer.
    assert.deepEqual(await client.predictRelations(dir, doc, { threads: 1 }), rels);
    await assert.rejects(client.predictRelations(path.join(dir, 'missing'), doc), /missing/);
  } finally {
    await client.dispose();
  }
});

test('worker: train/finetuneDecisions writes a new model version with progress; it predicts like any model folder', async () => {
  const sampleFile = path.resolve(__dirname, '../../../samples/sample.pubtator');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ftwk-'));
  const base = path.join(tmp, 'relation-cdr');
  await writeFixtureModel(base, sampleFile);
  const doc = parsePubTator(fs.readFileSync(sampleFile, 'utf8'), sampleFile).documents[0]!;
  const rel = (chem: string, dis: string, status: 'accepted' | 'added' | 'rejected') => ({
    id: `${chem}-${dis}`,
    type: 'CID',
    args: [{ role: 'Chemical', ref: { kind: 'concept' as const, id: chem } }, { role: 'Disease', ref: { kind: 'concept' as const, id: dis } }],
    attributes: {},
    status,
  });
  const reviewed = { ...doc, relations: [rel('D008094', 'D018500', 'accepted'), rel('D008094', 'D006955', 'added'), rel('D000584', 'D011141', 'rejected'), rel('D006220', 'D007674', 'rejected')] };
  const client = new EngineClient(WORKER);
  try {
    const steps: number[] = [];
    const out = path.join(tmp, 'relation-cdr-ft');
    const r = await client.fineTuneOnDecisions(base, out, [reviewed], { onProgress: (p) => steps.push(p.step) });
    assert.equal(r.outDir, out);
    assert.equal(r.examples.train + r.examples.heldOut, 4);
    assert.ok(steps.length > 0 && steps[steps.length - 1] === r.steps);
    assert.ok((await client.predictRelations(out, { ...doc, relations: [] })).every((p) => p.task === 'cdr'));
    await assert.rejects(client.fineTuneOnDecisions(path.join(tmp, 'nope'), path.join(tmp, 'x'), [reviewed]), /nope/);
  } finally {
    await client.dispose();
  }
});

test('worker: mentions/detect runs the shipped tagger and lexicon on text without mentions; the document is untouched', async () => {
  const src = fs.readFileSync(path.resolve(__dirname, '../../../samples/sample.pubtator'), 'utf8');
  const doc = parsePubTator(src, 'sample.pubtator').documents[0]!;
  for (const p of doc.passages) p.annotations = [];
  const client = new EngineClient(WORKER);
  try {
    const mentions = await client.detectMentions(path.resolve(__dirname, '../../../models/ner'), doc, { threads: 1 });
    const lithium = mentions.find((m) => m.spans[0]!.start === 0);
    assert.equal(lithium?.text, 'Lithium');
    assert.equal(lithium?.type, 'Chemical');
    assert.deepEqual(lithium?.ids, ['D008094']);
    assert.ok(mentions.some((m) => m.type === 'Disease' && m.text === 'nephrogenic diabetes insipidus'), mentions.map((m) => `${m.text}:${m.type}`).join(', '));
    assert.equal(doc.passages.flatMap((p) => p.annotations).length, 0);
    await assert.rejects(client.detectMentions('/nonexistent/ner', doc), /nonexistent/);
  } finally {
    await client.dispose();
  }
});
