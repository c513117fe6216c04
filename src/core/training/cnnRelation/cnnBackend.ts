/** Trainer backend of the CNN relation model: training graph, eval graph, export. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Autodiff } from '../../engine/autodiff';
import { rng } from '../../engine/initialize';
import type { Document } from '../../document/document';
import { scoreCandidatePredictions } from '../../evaluation/candidateScores';
import { writeModelFolder } from '../../inference/modelFolders';
import { cnnInputFeeds, predictCnn, type CnnExample } from '../../inference/relations/cnnRelationModel';
import type { RelationPrediction } from '../../inference/relations/relationPrediction';
import type { HostTensor, ModelSession } from '../../runtime/session';
import { createGraphTrainer } from '../graphTrainer';
import { taskLabels, type TaskName } from '../../tasks/definitions';
import { VOCAB_FILE, vectorsHash, type WordVectors } from '../../wordvec/wordVectors';
import { BLIND_HEAD_ID, BLIND_OTHER_ID, BLIND_TAIL_ID, SPECIAL_WORDS, WORD_TOKENIZER } from '../../wordvec/wordVocab';
import { lengthBucketedBatches } from '../batching';
import type { TrainConfig } from '../trainConfig';
import type { TrainerBackend } from '../trainer';
import { parseWindows, type CnnConfig } from './cnnConfig';
import { cnnWordTable, foldTunedRows, taskOffsets, tuneIndexFor, type CnnArch, type WordTable } from './cnnGraph';
import { buildRelationGraph, relationModelType, type RelationArch } from './relationGraph';
import { LM_FEATURE_PREFIX, type LmFeatureArch } from '../bilstmRelation/bilstmGraph';

/** Training feeds: the model's inputs plus labels (task-offset in a multi-task model) and per-example weights. */
export function cnnTrainFeeds(batch: readonly CnnExample[], tuneIndex: Int32Array | undefined, noneWeight: number, labelOffsets: readonly number[], piecewise: boolean, padTo?: number): Record<string, HostTensor> {
  const f = cnnInputFeeds(batch, { tuneIndex, piecewise, padTo });
  f['labels'] = { data: BigInt64Array.from(batch, (e) => BigInt(e.label + (e.taskId === undefined ? 0 : (labelOffsets[e.taskId] ?? 0)))), dims: [batch.length] };
  f['weights'] = { data: Float32Array.from(batch, (e) => (e.label === 0 ? noneWeight : 1)), dims: [batch.length] };
  return f;
}

/** What the CNN backend trains on: configs, vectors, encoded examples, dev documents for the scorer. */
export interface CnnBackendOptions {
  config: TrainConfig;
  cnn: CnnConfig;
  vectors: WordVectors;
  /** The model's tasks in task-id order (one task: no task input). */
  tasks: readonly TaskName[];
  train: CnnExample[];
  dev: CnnExample[];
  /** Development documents per task, for the official scorers. */
  devDocs: ReadonlyMap<TaskName, Document[]>;
  /** Weights to start from (an exported model's; `emb.word` is its folded word table). */
  initialWeights?: ReadonlyMap<string, Float32Array>;
  /** Tasks whose heads the export lists (default: all). */
  exportTasks?: readonly TaskName[];
  /** BiLSTM: language-model features (their `lmfeat.*` weights come in `initialWeights`; frozen). */
  lmFeatures?: LmFeatureArch;
}

/** The architecture a config, task list and vector set give. */
export function cnnArch(c: TrainConfig, cnn: CnnConfig, wv: Pick<WordVectors, 'vocab' | 'dim'>, tuneRows: number, tasks: readonly TaskName[] = [c.task], lmFeatures?: LmFeatureArch): RelationArch {
  const taskClasses = tasks.length > 1 ? tasks.map((t) => taskLabels(t).length) : [];
  const base: CnnArch = {
    vocabSize: wv.vocab.size,
    wordDim: wv.dim,
    posDim: cnn.posDim,
    maxDistance: cnn.maxDistance,
    windows: parseWindows(cnn.windows),
    filters: cnn.filters,
    dropout: c.dropout,
    classes: tasks.length > 1 ? taskClasses.reduce((a, b) => a + b, 0) : taskLabels(tasks[0]!).length,
    tuneRows: cnn.tuneEmbeddings ? tuneRows : 0,
    taskClasses,
    taskPrompt: cnn.taskPrompt,
    piecewise: cnn.pooling === 'piecewise',
    ...(cnn.focalGamma > 0 ? { focalGamma: cnn.focalGamma } : {}),
    ...(cnn.detectionWeight > 0 ? { detectionWeight: cnn.detectionWeight } : {}),
  };
  if (cnn.family === 'bilstm') return { ...base, family: 'bilstm', hidden: cnn.hidden, attnDim: cnn.attnDim, entityPooling: cnn.entityPooling, ...(cnn.positionAttention ? { positionAttention: true } : {}), ...(lmFeatures ? { lmFeatures } : {}), seqLen: cnn.maxWords };
  if (lmFeatures) throw new Error('lmFeatures: only the BiLSTM family (family=bilstm) reads language-model features');
  return base;
}

/** Official-scorer results per task of one prediction pass over tagged examples. */
async function scoreByTask(
  tasks: readonly TaskName[],
  examples: readonly CnnExample[],
  docs: ReadonlyMap<TaskName, Document[]>,
  predict: (ex: readonly CnnExample[], t: number) => Promise<RelationPrediction[]>,
): Promise<Map<TaskName, { score: ReturnType<typeof scoreCandidatePredictions>; examples: CnnExample[]; preds: RelationPrediction[] }>> {
  const out = new Map<TaskName, { score: ReturnType<typeof scoreCandidatePredictions>; examples: CnnExample[]; preds: RelationPrediction[] }>();
  for (let t = 0; t < tasks.length; t++) {
    const task = tasks[t]!;
    const ex = examples.filter((e) => (e.taskId ?? 0) === t);
    if (ex.length === 0) continue;
    const preds = await predict(ex, t);
    out.set(task, { score: scoreCandidatePredictions(task, docs.get(task) ?? [], ex.map((e) => e.candidate), preds), examples: ex, preds });
  }
  return out;
}

/**
 * Trainer backend for the CNN; evaluate() reports official dev P/R/F1 (select on `f1`; with
 * several tasks, `f1` is their mean and `f1.<task>` each one).
 */
export async function createCnnBackend(o: CnnBackendOptions): Promise<TrainerBackend & { session: ModelSession; arch: RelationArch; loadedWeights: string[] }> {
  const c = o.config;
  const tasks = o.tasks;
  const tune = tuneIndexFor(o.vectors.vocab.size, o.train);
  const arch = cnnArch(c, o.cnn, o.vectors, tune.rows, tasks, o.lmFeatures);
  const offsets = arch.taskClasses.length ? taskOffsets(arch.taskClasses) : [0];
  const start = o.initialWeights?.get('emb.word');
  if (start && start.length !== o.vectors.vocab.size * o.vectors.dim) throw new Error('initFrom: its word table does not match the word vectors (use the vectors it was trained with)');
  const base = start ? Float32Array.from(start) : cnnWordTable(o.vectors, o.cnn.centerVectors);
  const frozen: WordTable = { kind: 'frozen', data: base };
  const { session, runner, evalSession, withWeights, evalWeights, evaluateAveraged, loadedWeights } = await createGraphTrainer({ name: 'cnn', config: c, build: (ad) => buildRelationGraph(ad, arch, frozen), ...(o.initialWeights ? { initialWeights: o.initialWeights } : {}), lrScale: (p) => (p.name.startsWith(`${LM_FEATURE_PREFIX}.`) ? 0 : 1) });
  const tuneIndex = arch.tuneRows > 0 ? tune.index : undefined;

  const batches = lengthBucketedBatches(o.train, c.batchSize, rng(c.seed), (e) => e.words.length);
  const predict = (examples: readonly CnnExample[], t: number): Promise<RelationPrediction[]> =>
    predictCnn(evalSession, examples, { ...(tuneIndex ? { tuneIndex } : {}), extraFeeds: withWeights, classRange: [offsets[t]!, offsets[t]! + taskLabels(tasks[t]!).length] });
  const exportTasks = o.exportTasks ?? tasks;
  const evaluateWeights = async (): Promise<Record<string, number>> => {
    const byTask = await scoreByTask(tasks, o.dev, o.devDocs, predict);
    const out: Record<string, number> = {};
    let nll = 0;
    let n = 0;
    let f1 = 0;
    for (const [task, r] of byTask) {
      r.preds.forEach((p, i) => (nll -= Math.log(Math.max(1e-12, p.probs[r.examples[i]!.label]!))));
      n += r.preds.length;
      f1 += r.score.micro.f1;
      if (byTask.size > 1) out[`f1.${task}`] = r.score.micro.f1;
      else Object.assign(out, { precision: r.score.micro.precision, recall: r.score.micro.recall });
    }
    return { ...out, evalLoss: nll / Math.max(1, n), f1: f1 / Math.max(1, byTask.size) };
  };
  return {
    session,
    arch,
    loadedWeights,
    async step(lr) {
      const batch = batches.next().value as CnnExample[];
      const f = cnnTrainFeeds(batch, tuneIndex, c.noneWeight, offsets, arch.piecewise === true, arch.family === 'bilstm' ? arch.seqLen : undefined);
      const r = await runner.run(f, lr);
      return { ...r, tokens: f['word_ids']!.dims[0]! * f['word_ids']!.dims[1]! };
    },
    evaluate: () => evaluateAveraged(evaluateWeights),
    state: () => runner.state(),
    restore: (s) => runner.restore(s),
    async exportModel(dir, meta) {
      const weights = evalWeights();
      const folded = foldTunedRows(base, weights.get('emb.delta'), tune.index, arch.wordDim);
      const ex = new Autodiff('cnn-relation', { training: false, weights });
      ex.g.output(buildRelationGraph(ex, { ...arch, tuneRows: 0 }, { kind: 'folded', data: folded, storage: o.cnn.wordTable }).logits, 'logits');
      const single = tasks.length === 1;
      const labels = taskLabels(tasks[0]!);
      writeModelFolder(dir, ex.g.toBytes(), {
        model_type: relationModelType(arch),
        ...(single
          ? { task: tasks[0], id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])), label2id: Object.fromEntries(labels.map((l, i) => [l, i])) }
          : { tasks: Object.fromEntries(exportTasks.map((t) => { const i = tasks.indexOf(t); return [t, { task_id: i, offset: offsets[i], labels: taskLabels(t) }]; })), model_tasks: tasks }),
        inputs: ['word_ids', 'pos1', 'pos2', 'mask', ...(single ? [] : ['task_id']), ...(arch.piecewise ? ['segments'] : [])],
        outputs: ['logits'],
        architecture: { ...arch, tuneRows: 0 },
        tokenizer: { ...WORD_TOKENIZER, vocab: VOCAB_FILE },
        blinding: o.cnn.blinding ? { head: SPECIAL_WORDS[BLIND_HEAD_ID], tail: SPECIAL_WORDS[BLIND_TAIL_ID], other: SPECIAL_WORDS[BLIND_OTHER_ID] } : null,
        max_words: o.cnn.maxWords,
        negative_filters: o.cnn.negativeFilters,
        max_distance: o.cnn.maxDistance,
        position_encoding: 'clip(token index − nearest argument token index, ±max_distance) + max_distance',
        cnn: o.cnn,
        word_vectors: { dim: o.vectors.dim, vocabSize: o.vectors.vocab.size, vectorsSha256: o.vectors.meta['vectorsSha256'] ?? vectorsHash(o.vectors.vectors), data: o.vectors.meta['data'] ?? null, params: o.vectors.meta['params'] ?? null },
        ...meta,
      });
      fs.writeFileSync(path.join(dir, VOCAB_FILE), o.vectors.vocab.toText());
    },
  };
}
