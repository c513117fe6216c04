/**
 * The BiLSTM language model (training/bilstmRelation/lstmLanguageModel.ts, lstmLmJob.ts): its
 * targets and sampler, that it learns a predictable toy text in both directions, and that its
 * LSTM is what a BiLSTM relation model takes from it through initFrom (and nothing else).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MODEL_FILE, readModelConfig, readModelWeights } from '../../src/core/inference/modelFolders';
import { encodeCnnCandidates, predictCnn } from '../../src/core/inference/relations/cnnRelationModel';
import { createSession } from '../../src/core/runtime/session';
import { pruneCnnRelationFolder } from '../../src/core/training/cnnRelation/cnnPrune';
import { generateAllCandidates } from '../../src/core/tasks/candidates';
import { lmBatch, lmTargets, readLanguageModelFeatures } from '../../src/core/training/bilstmRelation/lstmLanguageModel';
import { createLstmLmBackend, lmSampler, meanNll, resolveLstmLmConfig } from '../../src/core/training/bilstmRelation/lstmLmJob';
import { createCnnBackend } from '../../src/core/training/cnnRelation/cnnBackend';
import { resolveCnnConfig } from '../../src/core/training/cnnRelation/cnnConfig';
import { BEST_DIR, train } from '../../src/core/training/trainer';
import { DOC_BREAK } from '../../src/core/training/wordvec/wordCorpus';
import { SPECIAL_WORDS, UNK_ID } from '../../src/core/wordvec/wordVocab';
import { rand } from '../helpers/gradCheck';
import { toyDocs, toyVocab } from '../helpers/toyDdi';

test('lmTargets: forward rows predict the next word, backward rows the previous one; rare words as UNK; padding weighs 0', () => {
  const S = SPECIAL_WORDS.length;
  const b = lmBatch([Int32Array.from([S, S + 1, S + 9]), Int32Array.from([S + 2])], 4);
  assert.deepEqual(b.lengths, [3, 1]);
  assert.deepEqual([...b.feeds.mask], [1, 1, 1, 0, 1, 0, 0, 0]);
  const t = lmTargets(b.ids, b.lengths, 4, S + 5);
  // Forward: (0,0) → S+1, (0,1) → S+9 which is past the output words → UNK; nothing else.
  assert.deepEqual([...t.weights.slice(0, 8)], [1, 1, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...t.labels.slice(0, 2)].map(Number), [S + 1, UNK_ID]);
  // Backward: (0,1) → S, (0,2) → S+1.
  assert.deepEqual([...t.weights.slice(8)], [0, 1, 1, 0, 0, 0, 0, 0]);
  assert.deepEqual([...t.labels.slice(9, 11)].map(Number), [S, S + 1]);
});

test('lmSampler: every k-th document held out, training windows inside training documents', () => {
  const docs = Array.from({ length: 20 }, (_, d) => Array.from({ length: 5 + d }, () => 100 + d));
  const stream = Int32Array.from(docs.flatMap((d) => [...d, DOC_BREAK]));
  const s = lmSampler(stream, 0.1, 8, 3, 4);
  assert.equal(s.heldOutDocuments, 2);
  assert.equal(s.trainDocuments, 18);
  for (let i = 0; i < 200; i++) {
    const w = s.next();
    assert.ok(w.length >= 4 && w.length <= 8, `window of ${w.length}`);
    assert.ok(w.every((x) => x === w[0]), 'a window stays in one document');
    assert.ok(w[0] !== 100 && w[0] !== 110, 'held-out documents are never drawn');
  }
  const held = s.heldOut(10);
  assert.ok(held.every((w) => w[0] === 100 || w[0] === 110));
});

test('meanNll: the mean of −log softmax at the labels over weighted rows', () => {
  const logits = Float32Array.from([0, 0, Math.log(3), 5, 5, 5]);
  const r = meanNll(logits, 3, BigInt64Array.from([2n, 0n]), Float32Array.from([1, 0]));
  assert.equal(r.rows, 1);
  assert.ok(Math.abs(r.nll - Math.log(5 / 3)) < 1e-6);
});

test('BiLSTM language model: learns a predictable text in both directions; a relation model takes its LSTM through initFrom', async () => {
  const vocab = toyVocab();
  const S = SPECIAL_WORDS.length;
  const V = vocab.size - S;
  // Documents walk the vocabulary in steps of +1 or −1 (one direction per document): from any
  // word the next and the previous word are each one of two, so a model that reads the document
  // so far (or after) gets them far below the uniform log V.
  const parts: number[] = [];
  for (let d = 0; d < 200; d++) {
    const step = d % 2 === 0 ? 1 : V - 1;
    let w = (d * 7) % V;
    for (let i = 0; i < 16; i++) {
      parts.push(S + w);
      w = (w + step) % V;
    }
    parts.push(DOC_BREAK);
  }
  const stream = Int32Array.from(parts);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lstm-lm-'));
  const wordDim = 12;
  const vectors = { vocab, dim: wordDim, vectors: rand(vocab.size * wordDim, 5, 0.5), meta: { vectorsSha256: 'toy' } };
  const { train: config, lm } = resolveLstmLmConfig([`outDir=${outDir}`, 'hidden=12', 'posDim=4', 'seqLen=16', 'batchSize=16', 'maxSteps=600', 'warmupSteps=5', 'learningRate=0.02', 'evalEvery=200', 'checkpointEvery=1000', 'logEvery=1000', 'threads=1', 'dropout=0', 'heldOutShare=0.1', 'evalBatches=2']);
  const backend = await createLstmLmBackend({ config, lm, vectors, stream });
  const before = await backend.evaluate();
  assert.ok(Math.abs(before['evalLoss']! - Math.log(backend.arch.outputWords)) < 0.3, `untrained loss ${before['evalLoss']} is about log V`);
  const summary = await train(backend, { config, meta: {}, select: { metric: 'evalLoss', mode: 'min' }, resume: false });
  await backend.session.dispose();
  assert.ok(summary.best!['evalLoss']! < Math.log(2) + 0.25, `held-out loss ${summary.best!['evalLoss']} (uniform ${Math.log(backend.arch.outputWords).toFixed(2)}, the walk's two choices ${Math.log(2).toFixed(2)})`);

  const best = path.join(outDir, BEST_DIR);
  assert.equal(readModelConfig(best)['model_type'], 'bilstm-language-model');
  const lmWeights = readModelWeights(best);
  // A BiLSTM relation model with the same hidden and posDim takes exactly the LSTM.
  const docs = toyDocs(20, 1);
  const enc = { blinding: true, maxWords: 24, maxDistance: 10 };
  const ex = encodeCnnCandidates(vocab, docs, generateAllCandidates('ddi', docs), 'ddi', enc);
  const { train: rc, cnn } = resolveCnnConfig([`outDir=${fs.mkdtempSync(path.join(os.tmpdir(), 'lm-init-'))}`, 'family=bilstm', 'hidden=12', 'attnDim=8', 'maxWords=24', 'posDim=4', 'maxDistance=10', 'threads=1', 'batchSize=8']);
  const rel = await createCnnBackend({ config: rc, cnn, vectors, tasks: ['ddi'], train: ex, dev: ex, devDocs: new Map([['ddi', docs]]), initialWeights: lmWeights });
  try {
    assert.deepEqual([...rel.loadedWeights].sort(), ['lstm.b', 'lstm.r', 'lstm.w']);
    const w = rel.state().tensors;
    for (const name of ['lstm.w', 'lstm.r', 'lstm.b']) assert.deepEqual([...w.get(name)!], [...lmWeights.get(name)!], name);
  } finally {
    await rel.session.dispose();
  }
  // encoderLrScale=0 freezes what initFrom gave (the LSTM) while the new head still learns.
  const frozen = resolveCnnConfig([`outDir=${fs.mkdtempSync(path.join(os.tmpdir(), 'lm-init-'))}`, 'family=bilstm', 'hidden=12', 'attnDim=8', 'maxWords=24', 'posDim=4', 'maxDistance=10', 'threads=1', 'batchSize=8', 'encoderLrScale=0']);
  const still = await createCnnBackend({ config: frozen.train, cnn: frozen.cnn, vectors, tasks: ['ddi'], train: ex, dev: ex, devDocs: new Map([['ddi', docs]]), initialWeights: lmWeights });
  try {
    const head0 = Float32Array.from(still.state().tensors.get('cls.w')!);
    for (let i = 0; i < 3; i++) await still.step(0.01);
    const w = still.state().tensors;
    for (const name of ['lstm.w', 'lstm.r', 'lstm.b']) assert.deepEqual([...w.get(name)!], [...lmWeights.get(name)!], `${name} stays`);
    assert.notDeepEqual([...w.get('cls.w')!], [...head0], 'the head moves');
  } finally {
    await still.session.dispose();
  }
  // Language-model features: the LM's LSTM reads the words beside the relation LSTM, frozen; the
  // export carries it (prune rebuilds it too) and the relation runtime serves it.
  assert.throws(() => readLanguageModelFeatures(best, 'other vectors'), /other word vectors/);
  const features = readLanguageModelFeatures(best, 'toy');
  assert.deepEqual(features.lmFeatures, { hidden: 12, inputPad: 8 });
  const fOut = fs.mkdtempSync(path.join(os.tmpdir(), 'lm-feat-'));
  const withLm = resolveCnnConfig([`outDir=${fOut}`, 'family=bilstm', 'hidden=12', 'attnDim=8', 'maxWords=24', 'posDim=4', 'maxDistance=10', 'threads=1', 'batchSize=8', 'maxSteps=4', 'evalEvery=4', 'checkpointEvery=1000', 'logEvery=1000']);
  const fb = await createCnnBackend({ config: withLm.train, cnn: withLm.cnn, vectors, tasks: ['ddi'], train: ex, dev: ex, devDocs: new Map([['ddi', docs]]), initialWeights: features.weights, lmFeatures: features.lmFeatures });
  try {
    assert.deepEqual([...fb.loadedWeights].sort(), ['lmfeat.b', 'lmfeat.r', 'lmfeat.w']);
    await train(fb, { config: withLm.train, meta: {}, select: { metric: 'f1', mode: 'max' }, resume: false });
    const w = fb.state().tensors;
    for (const k of ['w', 'r', 'b']) assert.deepEqual([...w.get(`lmfeat.${k}`)!], [...lmWeights.get(`lstm.${k}`)!], `lmfeat.${k} stays the language model's`);
    assert.equal(w.get('lstm.w')!.length, 2 * (wordDim + 8 + 24) * 48, 'the relation LSTM reads words, positions and the 2 × 12 language-model states');
  } finally {
    await fb.session.dispose();
  }
  const exported = path.join(fOut, BEST_DIR);
  assert.deepEqual((readModelConfig(exported)['architecture'] as { lmFeatures?: unknown }).lmFeatures, { hidden: 12, inputPad: 8 });
  const pruned = fs.mkdtempSync(path.join(os.tmpdir(), 'lm-feat-pruned-'));
  pruneCnnRelationFolder(exported, pruned, vocab.size);
  const probs = async (dir: string): Promise<number[][]> => {
    const session = await createSession(path.join(dir, MODEL_FILE));
    try {
      return (await predictCnn(session, ex.slice(0, 6))).map((p) => p.probs);
    } finally {
      await session.dispose();
    }
  };
  const [a, b] = [await probs(exported), await probs(pruned)];
  a.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - b[i]![j]!) < 1e-4, `pruned export agrees (${v} vs ${b[i]![j]})`)));
  // Another hidden size shares nothing: initFrom says so instead of training from scratch.
  const other = resolveCnnConfig(['family=bilstm', 'hidden=10', 'attnDim=8', 'maxWords=24', 'posDim=4', 'maxDistance=10', 'threads=1']);
  await assert.rejects(createCnnBackend({ config: other.train, cnn: other.cnn, vectors, tasks: ['ddi'], train: ex, dev: ex, devDocs: new Map([['ddi', docs]]), initialWeights: lmWeights }), /no weight matched/);
});
