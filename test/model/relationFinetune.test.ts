/**
 * The transformer relation fine-tuning backend (training/transformer/relationModel.ts) on the toy
 * DDI corpus with a tiny encoder: the loss falls, held-out evaluation uses the official scorer,
 * and with weight averaging on (it is built on graphTrainer.ts like the other families) every
 * evaluation carries the live weights' F1 and the export holds the average.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AVERAGE_PREFIX } from '../../src/core/engine/stepRunner';
import { readModelWeights } from '../../src/core/inference/modelFolders';
import { generateAllCandidates } from '../../src/core/tasks/candidates';
import { BioTokenizer } from '../../src/core/tokenizer/tokenizer';
import { encoderConfigOf } from '../../src/core/training/pretraining/mlm';
import { resolveConfig } from '../../src/core/training/trainConfig';
import { encodeCandidates } from '../../src/core/training/transformer/relationExamples';
import { createRelationBackend } from '../../src/core/training/transformer/relationModel';
import { toyDocs } from '../helpers/toyDdi';

test('transformer relation fine-tuning: learns the toy task; with averaging, liveF1 at each evaluation and the export is the average', async () => {
  const tokenizerDir = path.resolve(__dirname, '../../../test/fixtures/tokenizer');
  const tok = BioTokenizer.fromDirectory(tokenizerDir);
  const config = resolveConfig(undefined, { objective: 'classify', task: 'ddi', layers: 1, dModel: 32, heads: 2, ffn: 64, maxPositions: 64, seqLen: 64, dropout: 0, batchSize: 16, learningRate: 3e-3, warmupSteps: 0, threads: 1, averageDecay: 0.9, noneWeight: 1 });
  const encode = (docs: ReturnType<typeof toyDocs>) => encodeCandidates(tok, docs, generateAllCandidates('ddi', docs), 'ddi', { prompt: true, pooling: 'entity-start', maxLength: 64 });
  const trainDocs = toyDocs(80, 1);
  const devDocs = toyDocs(20, 2);
  const backend = await createRelationBackend({ config, encoder: encoderConfigOf(config, tok.vocabSize), tokenizerDir, pad: tok.specialIds.pad, train: encode(trainDocs), dev: encode(devDocs), devDocs });
  const losses: number[] = [];
  for (let s = 0; s < 120; s++) losses.push((await backend.step(config.learningRate)).loss);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(losses.slice(-10)) < 0.6 * mean(losses.slice(0, 10)), `loss ${mean(losses.slice(0, 10))} -> ${mean(losses.slice(-10))}`);
  const dev = await backend.evaluate();
  assert.ok(typeof dev['liveF1'] === 'number' && typeof dev['f1'] === 'number', JSON.stringify(dev));
  assert.ok(dev['f1']! > 50, `held-out F1 of the averaged weights ${dev['f1']}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rel-ft-'));
  await backend.exportModel(dir, {});
  const state = backend.state();
  await backend.session.dispose();
  const exported = readModelWeights(dir);
  const name = [...exported.keys()].find((k) => state.tensors.has(AVERAGE_PREFIX + k) && exported.get(k)!.length > 1)!;
  assert.ok(name, 'an exported weight has a running average');
  assert.deepEqual([...exported.get(name)!], [...state.tensors.get(AVERAGE_PREFIX + name)!]);
  assert.notDeepEqual([...exported.get(name)!], [...state.tensors.get(name)!], 'the live weights differ from the average');
  fs.rmSync(dir, { recursive: true, force: true });
});
