/**
 * Fine-tune a shipped relation model on a curator's own decisions: accepted and added relations
 * are positives of their type, rejected ones are `none` for their pair. Only pairs the curator
 * decided are used (an undecided suggestion says nothing). A share of the decided pairs is held
 * out (by pair hash) to show before/after; the new version is written as a complete model folder
 * (same layout, so the runtime and `biore.useModel` load it like the shipped one).
 *
 * The model starts from the folder's own weights (its folded word table becomes the frozen base,
 * a trainable offset covers the words of the decided pairs), as stage 2 of transfer does.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Document, Relation } from '../../document/document';
import { ENSEMBLE_RELATION_MODEL_TYPE, MODEL_FILE, RELATION_MODEL_TYPES, readModelConfig, readModelWeights } from '../../inference/modelFolders';
import { ensembleMembers } from '../../inference/relations/relationEnsemble';
import { createSession } from '../../runtime/session';
import { generateCandidates } from '../../tasks/candidates';
import { canonicalType, isUndirected, NONE, pairKey, relationKeys, TASK_NAMES, type TaskName } from '../../tasks/definitions';
import { resolveConfig } from '../trainConfig';
import { learningRateAt } from '../trainConfig';
import { VOCAB_FILE } from '../../wordvec/wordVectors';
import { WordVocab } from '../../wordvec/wordVocab';
import { documentText } from '../../document/document';
import { ModelFolderError } from '../../inference/relations/relationPredictor';
import { taskView } from '../../inference/relations/taskView';
import { MESH_TREE_FILE } from '../../inference/relations/meshHierarchy';
import { PAIR_STACKER_FILE } from '../../inference/relations/pairStacker';
import { CnnConfigSchema } from './cnnConfig';
import { createCnnBackend } from './cnnBackend';
import type { LmFeatureArch } from '../bilstmRelation/bilstmGraph';
import { encodeCnnCandidate, predictCnn, type CnnExample } from '../../inference/relations/cnnRelationModel';
import { taskOffsets } from './cnnGraph';
import type { RelationPrediction } from '../../inference/relations/relationPrediction';
import { taskLabels } from '../../tasks/definitions';

export interface DecisionFineTuneOptions {
  /** The model folder to start from (single- or multi-task CNN relation model). */
  modelDir: string;
  /** Documents whose relations carry the curator's status (`accepted`, `added`, `rejected`). */
  documents: readonly Document[];
  /** Where the new model folder goes. */
  outDir: string;
  /** Optimizer steps (default: enough for about 8 passes over the decided pairs, 20..300). */
  steps?: number;
  learningRate?: number;
  batchSize?: number;
  /** Share of decided pairs held out for before/after (default 0.2; none below 10 pairs). */
  heldOutShare?: number;
  threads?: number;
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (p: { step: number; steps: number; loss: number }) => void;
}

/** Candidate-level agreement with the curator on held-out decisions. */
export interface DecisionMetrics {
  pairs: number;
  /** Share of held-out pairs whose predicted type (none included) is the curator's, %. */
  accuracy: number;
  /** F1 over non-none types, %. */
  f1: number;
}

export interface DecisionFineTuneResult {
  outDir: string;
  examples: { train: number; heldOut: number; positives: number; negatives: number };
  before: DecisionMetrics;
  after: DecisionMetrics;
  steps: number;
  seconds: number;
}

const POSITIVE = new Set(['accepted', 'added']);

function hashShare(s: string): number {
  return crypto.createHash('sha1').update(s).digest().readUInt32BE(0) / 2 ** 32;
}

/** Which of the model's tasks a relation belongs to (the first that knows its type). */
function taskOf(rel: Relation, tasks: readonly TaskName[]): TaskName | undefined {
  for (const t of tasks) {
    const c = canonicalType(t, rel);
    if (c !== undefined && c !== NONE) return t;
  }
  return undefined;
}

function metrics(examples: readonly CnnExample[], preds: readonly RelationPrediction[]): DecisionMetrics {
  let right = 0;
  let tp = 0;
  let predicted = 0;
  let gold = 0;
  examples.forEach((e, i) => {
    const p = preds[i]!.label;
    if (p === e.label) right++;
    if (p !== 0) predicted++;
    if (e.label !== 0) gold++;
    if (p !== 0 && p === e.label) tp++;
  });
  const P = predicted ? tp / predicted : 0;
  const R = gold ? tp / gold : 0;
  return { pairs: examples.length, accuracy: +((100 * right) / Math.max(1, examples.length)).toFixed(2), f1: +(100 * (P + R ? (2 * P * R) / (P + R) : 0)).toFixed(2) };
}

/**
 * The folder a fine-tune starts from: the model folder itself, or an ensemble's first member (the
 * one `biore ensemble` lists first, its strongest): the new version is that member alone, fine-tuned.
 */
function startingFolder(modelDir: string): string {
  const cfg = readModelConfig(modelDir);
  if (!RELATION_MODEL_TYPES.has(String(cfg['model_type']))) throw new ModelFolderError(`${modelDir}: not a relation model folder this fine-tune can start from`);
  if (cfg['model_type'] !== ENSEMBLE_RELATION_MODEL_TYPE) return modelDir;
  return ensembleMembers(modelDir, cfg).dirs[0]!;
}

/** Fine-tune `modelDir` on the decisions in `documents` and write the new version to `outDir`. */
export async function fineTuneOnDecisions(o: DecisionFineTuneOptions): Promise<DecisionFineTuneResult> {
  const t0 = performance.now();
  const base = startingFolder(o.modelDir);
  const cfg = readModelConfig(base);
  const modelTasks = (Array.isArray(cfg['model_tasks']) ? cfg['model_tasks'] : [cfg['task']]) as TaskName[];
  if (!modelTasks.every((t) => (TASK_NAMES as readonly string[]).includes(t))) throw new ModelFolderError(`${base}: config.json names unknown tasks`);
  const headTasks = (cfg['tasks'] ? Object.keys(cfg['tasks'] as object) : modelTasks) as TaskName[];
  const multi = modelTasks.length > 1;
  const vocab = WordVocab.load(path.join(base, VOCAB_FILE));
  const weights = readModelWeights(base);
  const table = weights.get('emb.word');
  const arch = cfg['architecture'] as { wordDim: number; maxDistance: number; lmFeatures?: LmFeatureArch };
  if (!table) throw new ModelFolderError(`${base}: model.onnx has no word table (emb.word)`);
  const cnn = CnnConfigSchema.parse({ ...(cfg['cnn'] as object), wordTable: (cfg['cnn'] as { wordTable?: string } | undefined)?.wordTable ?? 'int8' });
  const enc = { blinding: cnn.blinding, maxWords: cnn.maxWords, maxDistance: cnn.maxDistance };

  // 1. Decided pairs → examples (label = curator's type; rejected → none).
  const examples: CnnExample[] = [];
  const docsByTask = new Map<TaskName, Document[]>();
  for (const doc of o.documents) {
    for (const task of headTasks) {
      const mine = doc.relations.filter((r) => r.status !== undefined && taskOf(r, [task]) === task);
      const positives = mine.filter((r) => POSITIVE.has(r.status!));
      const rejected = new Set<string>();
      for (const r of mine.filter((x) => x.status === 'rejected')) {
        const keys = relationKeys(task, doc, r, { source: 'decisions' });
        if (keys !== NONE) for (const k of keys) rejected.add(k.pair);
      }
      if (positives.length === 0 && rejected.size === 0) continue;
      const view = taskView({ ...doc, relations: positives.map((r) => ({ ...r })) }, task);
      const text = documentText(view);
      const labels = taskLabels(task);
      for (const c of generateCandidates(task, view)) {
        const key = pairKey(c.head.id, c.tail.id, isUndirected(task));
        if (c.label === NONE && !rejected.has(key)) continue;
        const e = encodeCnnCandidate(vocab, view, text, c, labels.indexOf(c.label), enc);
        examples.push(multi ? { ...e, taskId: modelTasks.indexOf(task) } : e);
      }
      const list = docsByTask.get(task) ?? [];
      list.push(view);
      docsByTask.set(task, list);
    }
  }
  if (examples.length === 0) throw new Error('no decided pairs: accept, reject or add some relations first');
  const share = examples.length >= 10 ? (o.heldOutShare ?? 0.2) : 0;
  const heldOut = examples.filter((e) => hashShare(e.candidate.id) < share);
  const train = examples.filter((e) => hashShare(e.candidate.id) >= share);
  const bs = o.batchSize ?? 16;
  const steps = o.steps ?? Math.min(300, Math.max(20, Math.ceil((8 * train.length) / bs)));

  // 2. Before: the starting model on the held-out decisions.
  const offsets = multi ? taskOffsets(modelTasks.map((t) => taskLabels(t).length)) : [0];
  const predictWith = async (dir: string): Promise<RelationPrediction[]> => {
    if (heldOut.length === 0) return [];
    const s = await createSession(path.join(dir, MODEL_FILE), { threads: o.threads ?? 1 });
    try {
      const out = new Array<RelationPrediction>(heldOut.length);
      for (let t = 0; t < modelTasks.length; t++) {
        const idx = heldOut.map((e, i) => ((e.taskId ?? 0) === t ? i : -1)).filter((i) => i >= 0);
        if (!idx.length) continue;
        const preds = await predictCnn(s, idx.map((i) => heldOut[i]!), { classRange: [offsets[t]!, offsets[t]! + taskLabels(modelTasks[t]!).length] });
        idx.forEach((i, k) => (out[i] = preds[k]!));
      }
      return out;
    } finally {
      await s.dispose();
    }
  };
  const before = metrics(heldOut, await predictWith(base));

  // 3. Train from the folder's weights.
  const config = resolveConfig(undefined, {
    objective: 'classify',
    task: headTasks[0]!,
    outDir: o.outDir,
    batchSize: bs,
    learningRate: o.learningRate ?? 5e-4,
    warmupSteps: Math.min(10, steps),
    maxSteps: steps,
    decay: 'linear',
    minLrRatio: 0.1,
    dropout: 0.5,
    threads: o.threads ?? 1,
    seed: o.seed ?? 1337,
  });
  const vectors = { vocab, dim: arch.wordDim, vectors: table, meta: (cfg['word_vectors'] ?? {}) as Record<string, unknown> };
  const backend = await createCnnBackend({ config, cnn, vectors, tasks: modelTasks, train, dev: heldOut, devDocs: docsByTask, initialWeights: weights, exportTasks: headTasks, ...(arch.lmFeatures ? { lmFeatures: arch.lmFeatures } : {}) });
  try {
    let lossSum = 0;
    for (let step = 0; step < steps; step++) {
      o.signal?.throwIfAborted();
      const r = await backend.step(learningRateAt(step, config));
      lossSum += r.loss;
      if ((step + 1) % 10 === 0 || step + 1 === steps) {
        o.onProgress?.({ step: step + 1, steps, loss: lossSum / ((step % 10) + 1) });
        lossSum = 0;
      }
    }
    // 4. The new version, complete and loadable; then after on the same held-out decisions.
    const tmp = `${o.outDir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    await backend.exportModel(tmp, {
      seed: config.seed,
      command: 'BioRE: Fine-tune on My Decisions',
      fine_tuned_from: path.resolve(o.modelDir),
      decisions: { train: train.length, heldOut: heldOut.length, steps },
      ...(cfg['calibration'] ? { calibration: cfg['calibration'] } : {}),
    });
    // What acts after the model in the folder (BC5CDR's MeSH step and pair stacker) carries over,
    // as the calibration does: without them a fine-tuned BC5CDR model would decide differently.
    for (const f of [MESH_TREE_FILE, PAIR_STACKER_FILE]) {
      const from = [base, o.modelDir].map((d) => path.join(d, f)).find((file) => fs.existsSync(file));
      if (from) fs.copyFileSync(from, path.join(tmp, f));
    }
    const after = metrics(heldOut, await predictWith(tmp));
    const newCfgFile = path.join(tmp, 'config.json');
    const newCfg = JSON.parse(fs.readFileSync(newCfgFile, 'utf8')) as Record<string, unknown>;
    newCfg['decision_metrics'] = { before, after };
    // Keep each task's calibration (the export writes fresh task heads).
    const oldTasks = cfg['tasks'] as Record<string, Record<string, unknown>> | undefined;
    const newTasks = newCfg['tasks'] as Record<string, Record<string, unknown>> | undefined;
    if (oldTasks && newTasks) for (const [t, h] of Object.entries(newTasks)) if (oldTasks[t]?.['calibration']) h['calibration'] = oldTasks[t]['calibration'];
    fs.writeFileSync(newCfgFile, JSON.stringify(newCfg, null, 1) + '\n');
    fs.rmSync(o.outDir, { recursive: true, force: true });
    fs.renameSync(tmp, o.outDir);
    const positives = examples.filter((e) => e.label !== 0).length;
    return { outDir: o.outDir, examples: { train: train.length, heldOut: heldOut.length, positives, negatives: examples.length - positives }, before, after, steps, seconds: +((performance.now() - t0) / 1000).toFixed(2) };
  } finally {
    await backend.session.dispose();
  }
}
