/**
 * The BiLSTM relation family end to end on the toy DDI task: trained through the shared CNN
 * backend (unrolled training graph, every batch padded to maxWords), exported with the ONNX LSTM
 * op, served by the same relation runtime, and the export agreeing with the eval graph.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MODEL_FILE, readModelConfig, readModelWeights } from '../../src/core/inference/modelFolders';
import { encodeCnnCandidates, predictCnn } from '../../src/core/inference/relations/cnnRelationModel';
import { loadRelationPredictor } from '../../src/core/inference/relations/relationPredictor';
import { scoreCandidatePredictions } from '../../src/core/evaluation/candidateScores';
import { createSession } from '../../src/core/runtime/session';
import { generateAllCandidates } from '../../src/core/tasks/candidates';
import { createCnnBackend } from '../../src/core/training/cnnRelation/cnnBackend';
import { resolveCnnConfig } from '../../src/core/training/cnnRelation/cnnConfig';
import { BEST_DIR, train } from '../../src/core/training/trainer';
import { fineTuneOnDecisions } from '../../src/core/training/cnnRelation/fineTuneOnDecisions';
import { rand } from '../helpers/gradCheck';
import { toyDocs, toyVocab } from '../helpers/toyDdi';

test('BiLSTM relation family: learns the toy DDI task, exports to the ONNX LSTM op, served by the relation runtime', async () => {
  const vocab = toyVocab();
  const trainDocs = toyDocs(120, 1);
  const devDocs = toyDocs(40, 2);
  const enc = { blinding: true, maxWords: 24, maxDistance: 10 };
  const trainEx = encodeCnnCandidates(vocab, trainDocs, generateAllCandidates('ddi', trainDocs), 'ddi', enc);
  const devEx = encodeCnnCandidates(vocab, devDocs, generateAllCandidates('ddi', devDocs), 'ddi', enc);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bilstm-'));
  const { train: config, cnn } = resolveCnnConfig([
    `outDir=${outDir}`,
    'family=bilstm',
    'hidden=12',
    'attnDim=8',
    'maxWords=24',
    'batchSize=16',
    'maxSteps=120',
    'warmupSteps=5',
    'evalEvery=60',
    'checkpointEvery=1000',
    'logEvery=1000',
    'learningRate=0.01',
    'threads=1',
    'dropout=0.1',
    'posDim=4',
    'maxDistance=10',
  ]);
  const wordDim = 12;
  const vectors = { vocab, dim: wordDim, vectors: rand(vocab.size * wordDim, 21, 0.3), meta: {} };
  const backend = await createCnnBackend({ config, cnn, vectors, tasks: ['ddi'], train: trainEx, dev: devEx, devDocs: new Map([['ddi', devDocs]]) });
  const summary = await train(backend, { config, meta: {}, select: { metric: 'f1', mode: 'max' }, resume: false });
  await backend.session.dispose();
  assert.ok(summary.best && summary.best['f1']! > 80, `dev F1 ${JSON.stringify(summary.best)}`);

  const best = path.join(outDir, BEST_DIR);
  const cfg = readModelConfig(best);
  assert.equal(cfg['model_type'], 'biore-bilstm-relation');
  const exported = await createSession(path.join(best, MODEL_FILE));
  assert.deepEqual([...exported.inputNames].sort(), ['mask', 'pos1', 'pos2', 'word_ids']);
  const fromExport = await predictCnn(exported, devEx);
  await exported.dispose();
  const s = scoreCandidatePredictions('ddi', devDocs, devEx.map((e) => e.candidate), fromExport);
  assert.ok(Math.abs(s.micro.f1 - summary.best['f1']!) < 1.5, `export F1 ${s.micro.f1} vs eval ${summary.best['f1']}`);

  // The runtime serves it like a CNN folder: suggestions for a document's pairs.
  const predictor = await loadRelationPredictor(best);
  try {
    assert.deepEqual(predictor.tasks, ['ddi']);
    const suggested = await predictor.predict(devDocs[0]!);
    assert.ok(suggested.every((p) => p.task === 'ddi' && (p.relation.score ?? 0) > 0));
  } finally {
    await predictor.dispose();
  }

  // A curator's decisions fine-tune a BiLSTM folder too (the shipped DDI and DrugProt models are BiLSTMs).
  const decided = toyDocs(60, 7).map((d) => ({ ...d, relations: d.relations.map((r) => ({ ...r, status: 'accepted' as const })) }));
  const ftDir = path.join(outDir, 'ft');
  const r = await fineTuneOnDecisions({ modelDir: best, documents: decided, outDir: ftDir, steps: 10, threads: 1 });
  assert.equal(r.steps, 10);
  assert.equal(readModelConfig(ftDir)['model_type'], 'biore-bilstm-relation');
  await (await loadRelationPredictor(ftDir)).dispose();
});

test('BiLSTM relation family with position-aware attention: the scorer reads the position embeddings, the export agrees with the eval graph', async () => {
  const vocab = toyVocab();
  const trainDocs = toyDocs(60, 3);
  const devDocs = toyDocs(20, 4);
  const enc = { blinding: true, maxWords: 24, maxDistance: 10 };
  const trainEx = encodeCnnCandidates(vocab, trainDocs, generateAllCandidates('ddi', trainDocs), 'ddi', enc);
  const devEx = encodeCnnCandidates(vocab, devDocs, generateAllCandidates('ddi', devDocs), 'ddi', enc);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bilstm-pa-'));
  const { train: config, cnn } = resolveCnnConfig([`outDir=${outDir}`, 'family=bilstm', 'positionAttention=true', 'hidden=8', 'attnDim=6', 'maxWords=24', 'batchSize=16', 'maxSteps=40', 'warmupSteps=5', 'evalEvery=40', 'checkpointEvery=1000', 'logEvery=1000', 'learningRate=0.01', 'threads=1', 'dropout=0', 'posDim=4', 'maxDistance=10']);
  const wordDim = 12;
  const vectors = { vocab, dim: wordDim, vectors: rand(vocab.size * wordDim, 22, 0.3), meta: {} };
  const backend = await createCnnBackend({ config, cnn, vectors, tasks: ['ddi'], train: trainEx, dev: devEx, devDocs: new Map([['ddi', devDocs]]) });
  const summary = await train(backend, { config, meta: {}, select: { metric: 'f1', mode: 'max' }, resume: false });
  await backend.session.dispose();
  const best = path.join(outDir, BEST_DIR);
  assert.equal((readModelConfig(best)['architecture'] as { positionAttention?: boolean }).positionAttention, true);
  // The scorer's input is the two directions' states plus the two position embeddings.
  assert.equal(readModelWeights(best).get('attn.w')!.length, (2 * 8 + 2 * 4) * 6);
  const exported = await createSession(path.join(best, MODEL_FILE));
  const fromExport = await predictCnn(exported, devEx);
  await exported.dispose();
  const s = scoreCandidatePredictions('ddi', devDocs, devEx.map((e) => e.candidate), fromExport);
  assert.ok(Math.abs(s.micro.f1 - summary.best!['f1']!) < 1.5, `export F1 ${s.micro.f1} vs eval ${summary.best!['f1']}`);
  fs.rmSync(outDir, { recursive: true, force: true });
});
