/**
 * Fine-tune a relation classifier for one task, from a pre-trained encoder (initFrom) or from
 * random weights, select the best step on the development set with the official scorer, then
 * score the best model once on the held-out test set.
 *
 * Splits: DDI and DrugProt have no usable development set (DrugProt's dev is its test set), so
 * `devShare` of the training documents (chosen by document-id hash) is held out; BC5CDR and
 * BioRED use their official dev sets.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Document } from '../../document/document';
import { DEFAULT_ENCODER, type EncoderConfig } from '../../engine/layers/transformerEncoder';
import { MODEL_FILE, readModelConfig, readModelWeights } from '../../inference/modelFolders';
import { createSession } from '../../runtime/session';
import { generateAllCandidates } from '../../tasks/candidates';
import { BioTokenizer } from '../../tokenizer/tokenizer';
import { encodeCandidates, type RelationExample } from './relationExamples';
import { encoderConfigFromFolder } from '../pretraining/mlm';
import { createRelationBackend, predictRelations, scorePredictions } from './relationModel';
import { resolveConfig, type TrainConfig } from '../trainConfig';
import { taskDocuments } from '../../corpora/taskSplits';
import { BEST_DIR, type TrainProgress, type TrainSummary } from '../trainer';
import { runTrainingJob } from '../trainingJob';

/** Encoder architecture: the initFrom folder's config.json when given, else the training config. */
function encoderConfig(c: TrainConfig, vocabSize: number): EncoderConfig {
  if (c.initFrom) {
    const m = readModelConfig(c.initFrom);
    // Relation model folders record the encoder under `encoder`; encoder folders at top level.
    const enc = (m['encoder'] as EncoderConfig | undefined) ?? encoderConfigFromFolder(m);
    return { ...DEFAULT_ENCODER, ...enc, dropout: c.dropout };
  }
  return { ...DEFAULT_ENCODER, vocabSize, dModel: c.dModel, layers: c.layers, heads: c.heads, ffn: c.ffn, maxPositions: c.maxPositions, dropout: c.dropout, activation: c.activation };
}

export interface FinetuneJob {
  preset: string;
  overrides: Record<string, unknown>;
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  onLog?: (line: string) => void;
  resume?: boolean;
  command?: string;
}

export interface FinetuneResult {
  summary: TrainSummary;
  test: { precision: number; recall: number; f1: number; byType: Record<string, { precision: number; recall: number; f1: number }> };
  examples: { train: number; dev: number; test: number };
  bestModel: string;
}

export async function runFinetune(job: FinetuneJob): Promise<FinetuneResult> {
  const config = resolveConfig(job.preset, { objective: 'classify', ...job.overrides });
  const log = job.onLog ?? (() => {});
  const tokDir = config.initFrom && fs.existsSync(path.join(config.initFrom, 'tokenizer.json')) ? config.initFrom : config.tokenizer;
  const tok = BioTokenizer.fromDirectory(tokDir);
  const enc = encoderConfig(config, tok.vocabSize);
  const docs = await taskDocuments(config.task, config);
  const opts = { prompt: config.prompt, pooling: config.pooling, maxLength: Math.min(config.seqLen, enc.maxPositions) };
  const examples = (ds: Document[]): RelationExample[] => encodeCandidates(tok, ds, generateAllCandidates(config.task, ds), config.task, opts);
  const t0 = Date.now();
  const train_ = examples(docs.train);
  const dev = examples(docs.dev);
  const test = examples(docs.test);
  log(`examples: train ${train_.length} (${docs.train.length} docs), dev ${dev.length} (${docs.dev.length} docs), test ${test.length} (${docs.test.length} docs); encoded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const initialWeights = config.initFrom ? readModelWeights(config.initFrom) : undefined;
  const backend = await createRelationBackend({
    config,
    encoder: enc,
    tokenizerDir: tokDir,
    pad: tok.specialIds.pad,
    train: train_,
    dev,
    devDocs: docs.dev,
    ...(initialWeights ? { initialWeights } : {}),
  });
  const meta = {
    seed: config.seed,
    command: job.command ?? `biore finetune --preset ${job.preset} ${Object.entries(job.overrides).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`.trim(),
    data: { task: config.task, trainDocuments: docs.train.map((d) => d.id).length, devDocuments: docs.dev.length, trainExamples: train_.length, devExamples: dev.length },
  };
  const summary = await runTrainingJob(backend, { config, resolved: config, meta, select: { metric: 'f1', mode: 'max' }, controls: job });
  // Test once, with the best model as exported (the same file the runtime will load).
  const bestDir = path.join(config.outDir, BEST_DIR);
  const session = await createSession(path.join(bestDir, MODEL_FILE), { threads: config.threads });
  const preds = await predictRelations(session, test, tok.specialIds.pad);
  await session.dispose();
  const s = scorePredictions(config.task, docs.test, test, preds);
  const round = (x: number): number => +x.toFixed(2);
  const result: FinetuneResult = {
    summary,
    test: {
      precision: round(s.micro.precision),
      recall: round(s.micro.recall),
      f1: round(s.micro.f1),
      byType: Object.fromEntries(Object.entries(s.byType).map(([k, v]) => [k, { precision: round(v.precision), recall: round(v.recall), f1: round(v.f1) }])),
    },
    examples: { train: train_.length, dev: dev.length, test: test.length },
    bestModel: bestDir,
  };
  const cfgFile = path.join(bestDir, 'config.json');
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
  cfg['test_metrics'] = result.test;
  fs.writeFileSync(cfgFile, JSON.stringify(cfg, null, 1) + '\n');
  return result;
}
