/**
 * Fine-tuning a shipped relation model on a curator's decisions. Every reviewed relation is one
 * labelled example: accepted and added relations give their type, rejected ones `none`. The
 * model folder's own weights, word table and vocabulary are the starting point; a fixed part of
 * the decisions is held out and scored before and after, so the curator sees whether the new
 * version is better on their own material. Training runs through the shared CNN backend and
 * trainer loop (cancellable, with progress), and the result is a complete model folder that the
 * relation predictor loads like any other.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Document, Relation } from '../model/document';
import { readModelConfig, readModelWeights, MODEL_FILE } from '../models/modelFolder';
import { taskView } from '../relations/taskView';
import { createSession } from '../runtime/session';
import { candidateToRelation, generateCandidates } from '../tasks/candidates';
import { NONE, TASK_NAMES, type TaskName } from '../tasks/definitions';
import { createCnnBackend, encodeCnnCandidates, predictCnn, resolveCnnConfig, type CnnExample } from '../training/cnnRelation';
import { taskLabels } from '../training/relationExamples';
import { BEST_DIR, train, type TrainProgress } from '../training/trainer';
import { VOCAB_FILE } from '../wordvec/wordVectors';
import { WordVocab } from '../wordvec/wordVocab';
import { relationKey } from './decisions';

/** What a fine-tune run reports. */
export interface FineTuneResult {
  task: TaskName;
  /** Folder of the new model version. */
  modelDir: string;
  examples: { train: number; heldOut: number };
  /** Accuracy (%) on the held-out decisions, of the starting model and of the new one. */
  before: number;
  after: number;
  steps: number;
  seconds: number;
}

export interface FineTuneOptions {
  /** Starting model folder (a single-task `biore-cnn-relation` folder). */
  modelDir: string;
  /** Where the new version is written (must not exist yet). */
  outDir: string;
  /** Reviewed documents: relations with status accepted, added (positives) or rejected (`none`). */
  documents: readonly Document[];
  steps?: number;
  threads?: number;
  /** Share of the decisions held out for before/after (at least one). */
  heldOut?: number;
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
}

/** Relation arguments without the type, to match a candidate pair to a decision of any type. */
function pairKey(r: Pick<Relation, 'args'>): string {
  return relationKey('', r.args);
}

/**
 * The reviewed candidates of one task: each document's candidate pairs that the curator decided
 * about, labelled from the decision. Pairs nobody reviewed are left out (an open suggestion is
 * not a `none`).
 */
export function decisionExamples(task: TaskName, documents: readonly Document[]): { docs: Document[]; candidates: ReturnType<typeof generateCandidates> } {
  const positive = taskLabels(task).find((l) => l !== NONE)!;
  const docs: Document[] = [];
  const candidates: ReturnType<typeof generateCandidates> = [];
  for (const doc of documents) {
    const decided = new Map<string, string>();
    for (const r of doc.relations) {
      if (r.status === 'accepted' || r.status === 'added') decided.set(pairKey(r), r.type);
      else if (r.status === 'rejected') decided.set(pairKey(r), NONE);
    }
    if (decided.size === 0) continue;
    const view = { ...taskView(doc, task), relations: [] };
    let used = false;
    for (const c of generateCandidates(task, view)) {
      const label = decided.get(pairKey(candidateToRelation(c, positive)!));
      if (label === undefined || !taskLabels(task).includes(label)) continue;
      candidates.push({ ...c, label, labels: label === NONE ? [] : [label] });
      used = true;
    }
    if (used) docs.push(view);
  }
  return { docs, candidates };
}

function accuracy(labels: readonly number[], predicted: readonly number[]): number {
  if (labels.length === 0) return 0;
  return (100 * labels.filter((l, i) => l === predicted[i]).length) / labels.length;
}

/** Fine-tunes `modelDir` on the decisions in `documents` and writes the new version to `outDir`. */
export async function fineTuneOnDecisions(o: FineTuneOptions): Promise<FineTuneResult> {
  const started = Date.now();
  const cfg = readModelConfig(o.modelDir);
  const task = cfg['task'];
  if (cfg['model_type'] !== 'biore-cnn-relation' || typeof task !== 'string' || !(TASK_NAMES as readonly string[]).includes(task)) {
    throw new Error(`${o.modelDir}: fine-tuning needs a single-task relation model folder (biore-cnn-relation)`);
  }
  if (fs.existsSync(o.outDir)) throw new Error(`${o.outDir} exists already`);
  const t = task as TaskName;
  const arch = cfg['architecture'] as { wordDim: number; posDim: number; maxDistance: number; windows: number[]; filters: number; dropout: number };
  const vocab = WordVocab.load(path.join(o.modelDir, VOCAB_FILE));
  const weights = readModelWeights(o.modelDir);
  const table = weights.get('emb.word');
  if (!table || table.length !== vocab.size * arch.wordDim) throw new Error(`${o.modelDir}: its word table does not match its vocabulary`);
  const enc = { blinding: cfg['blinding'] !== null && cfg['blinding'] !== undefined, maxWords: Number(cfg['max_words'] ?? 150), maxDistance: Number(cfg['max_distance'] ?? arch.maxDistance) };

  const { docs, candidates } = decisionExamples(t, o.documents);
  const examples = encodeCnnCandidates(vocab, docs, candidates, t, enc);
  if (examples.length < 2) throw new Error(`only ${examples.length} reviewed ${t} relation(s): accept, reject or add at least 2 first`);
  // A fixed, spread-out held-out part: every k-th decision.
  const k = Math.max(2, Math.round(1 / (o.heldOut ?? 0.25)));
  const held = (i: number): boolean => i % k === k - 1 || (examples.length < k && i === examples.length - 1);
  const heldOut = examples.filter((_, i) => held(i));
  const trainEx = examples.filter((_, i) => !held(i));

  const temperature = Number((cfg['calibration'] as { temperature?: number } | undefined)?.temperature ?? 1);
  const predictWith = async (dir: string): Promise<number[]> => {
    const session = await createSession(path.join(dir, MODEL_FILE), { threads: o.threads ?? 1 });
    try {
      return (await predictCnn(session, heldOut, { temperature })).map((p) => p.label);
    } finally {
      await session.dispose();
    }
  };
  const labelsOf = (ex: readonly CnnExample[]): number[] => ex.map((e) => e.label);
  const before = accuracy(labelsOf(heldOut), await predictWith(o.modelDir));

  const steps = o.steps ?? Math.min(200, Math.max(20, 4 * trainEx.length));
  const work = `${o.outDir}.work`;
  const { train: config, cnn } = resolveCnnConfig([
    `outDir=${work}`,
    `task=${t}`,
    `maxSteps=${steps}`,
    `evalEvery=${steps}`,
    `checkpointEvery=${steps * 10}`,
    `logEvery=${steps * 10}`,
    'warmupSteps=0',
    `batchSize=${Math.min(16, trainEx.length)}`,
    'learningRate=0.0005',
    `dropout=${arch.dropout}`,
    `threads=${o.threads ?? 1}`,
    `windows=${arch.windows.join(',')}`,
    `filters=${arch.filters}`,
    `posDim=${arch.posDim}`,
    `maxDistance=${arch.maxDistance}`,
    `maxWords=${enc.maxWords}`,
    `blinding=${enc.blinding}`,
    // The word table stays as shipped: a few hundred decisions are too few to move word vectors.
    'tuneEmbeddings=false',
    'centerVectors=false',
  ]);
  const vectors = { vocab, dim: arch.wordDim, vectors: table, meta: {} };
  const backend = await createCnnBackend({ config, cnn, vectors, tasks: [t], train: trainEx, dev: heldOut, devDocs: new Map([[t, docs]]), initialWeights: weights });
  try {
    await train(backend, {
      config,
      meta: { finetuned_from: path.resolve(o.modelDir), decisions: { train: trainEx.length, heldOut: heldOut.length } },
      select: { metric: 'evalLoss', mode: 'min' },
      resume: false,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    });
  } finally {
    await backend.session.dispose();
  }
  o.signal?.throwIfAborted();
  const best = path.join(work, BEST_DIR);
  const after = accuracy(labelsOf(heldOut), await predictWith(best));
  // Keep the starting model's calibration; record what the new version was made from.
  const outCfgFile = path.join(best, 'config.json');
  const outCfg = JSON.parse(fs.readFileSync(outCfgFile, 'utf8')) as Record<string, unknown>;
  if (cfg['calibration'] !== undefined) outCfg['calibration'] = cfg['calibration'];
  outCfg['finetune'] = { from: path.resolve(o.modelDir), examples: { train: trainEx.length, heldOut: heldOut.length }, heldOutAccuracy: { before: +before.toFixed(1), after: +after.toFixed(1) }, steps };
  fs.writeFileSync(outCfgFile, JSON.stringify(outCfg, null, 1) + '\n');
  fs.mkdirSync(path.dirname(o.outDir), { recursive: true });
  fs.renameSync(best, o.outDir);
  fs.rmSync(work, { recursive: true, force: true });
  return { task: t, modelDir: o.outDir, examples: { train: trainEx.length, heldOut: heldOut.length }, before, after, steps, seconds: (Date.now() - started) / 1000 };
}
