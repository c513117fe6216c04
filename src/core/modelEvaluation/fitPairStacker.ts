/**
 * `biore fit-stacker`: fits a relation model folder's pair stacker (pairStacker.ts) for BC5CDR.
 *
 * The stacker learns how far to trust the sentence model from documents the model never trained
 * on, so it cannot be fitted on the shipped model's own training documents (there its
 * probabilities are overconfident). It is fitted on the predictions of a *fitting model* (the same
 * recipe trained without the corpus's dev split) on the documents that model held out, minus the
 * target folder's own held-out documents, which stay untouched for checking the result. The
 * concept priors come from the fitting model's training documents (minus the same held-out
 * documents), so no fitting row sees its own label through a prior.
 *
 * Before the final fit, a k-fold cross-validation over the fitting documents (by document;
 * threshold chosen inside each fold) compares the stacker with what the folder decides without
 * it (the model with the folder's calibrated rules): that comparison, over several hundred
 * documents, is what says whether the stacker should ship.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Document } from '../document/document';
import { fitLogistic, logisticProbability, type LogisticModel } from '../evaluation/logisticRegression';
import { scoreCandidatePredictions } from '../evaluation/candidateScores';
import { submittedPredictions } from '../evaluation/submission';
import { taskDocuments } from '../corpora/taskSplits';
import { CONFIG_FILE, readModelConfig } from '../inference/modelFolders';
import { applyDocumentRules } from '../inference/relations/documentRules';
import { MeshHierarchy } from '../inference/relations/meshHierarchy';
import { PAIR_FEATURES, conceptPriors, pairFeatures } from '../inference/relations/pairFeatures';
import { PAIR_STACKER_FILE, STACKER_TASKS, type PairStacker } from '../inference/relations/pairStacker';
import { readHeads } from '../inference/relations/relationHeads';
import { loadRelationPredictor } from '../inference/relations/relationPredictor';
import type { RelationPrediction } from '../inference/relations/relationPrediction';
import type { Candidate } from '../tasks/candidatePairs';
import { generateAllCandidates } from '../tasks/candidates';
import type { TaskName } from '../tasks/definitions';
import { RELATION_EVAL_TASKS, heldOutDocuments, recordedSplit, servingFolder, writeTaskCalibration } from './evaluateRelations';

export interface StackerFitOptions {
  threads?: number;
  /** L2 penalty on the standardized weights (default 1). */
  l2?: number;
  /** Folds of the cross-validation (default 5). */
  folds?: number;
  command?: string;
}

export interface StackerFitReport {
  folder: string;
  fitModel: string;
  documents: { fitting: number; priors: number; heldOut: number };
  /** Cross-validated F1 (official scorer, pairs as submitted) over the fitting documents. */
  crossValidated: { stacker: number; modelWithRules: number; modelAlone: number };
  threshold: number;
  /** The folder on its own held-out documents, as it decided before and decides now. */
  heldOut: { before: number; after: number };
  weights: Record<string, number>;
}

/** Candidate decision thresholds searched (on the documents a stacker is fitted on). */
const THRESHOLDS = Array.from({ length: 29 }, (_, i) => +(0.15 + 0.025 * i).toFixed(3));

const round = (x: number): number => +x.toFixed(4);

const f1Of = (task: TaskName, docs: readonly Document[], candidates: readonly Candidate[], preds: readonly { label: number; prob: number }[]): number =>
  scoreCandidatePredictions(task, docs, candidates, submittedPredictions(task, candidates, preds).predictions).micro.f1;

/** Decisions at threshold t from CID probabilities (label 1 = CID). */
const decisions = (probs: readonly number[], t: number): { label: number; prob: number }[] => probs.map((q) => ({ label: q >= t ? 1 : 0, prob: q >= t ? q : 1 - q }));

/** Fits the stacker on `rows` and picks the threshold with the best F1 on the same documents. */
function fitOn(task: TaskName, docs: readonly Document[], candidates: readonly Candidate[], rows: readonly number[][], labels: readonly number[], l2: number): { model: LogisticModel; threshold: number } {
  const model = fitLogistic(rows, labels, l2);
  const probs = rows.map((r) => logisticProbability(model, r));
  let threshold = 0.5;
  let best = -1;
  for (const t of THRESHOLDS) {
    const f = f1Of(task, docs, candidates, decisions(probs, t));
    if (f > best + 1e-9) {
      best = f;
      threshold = t;
    }
  }
  return { model, threshold };
}

async function predictionsOf(folder: string, task: TaskName, docs: readonly Document[], threads: number | undefined, mode: 'none' | 'calibrated'): Promise<{ candidates: Candidate[]; predictions: RelationPrediction[]; labels: string[] }> {
  const predictor = await loadRelationPredictor(folder, threads === undefined ? {} : { threads });
  try {
    const candidates = generateAllCandidates(task, docs, predictor.candidateOptions(task));
    const { labels, predictions } = await predictor.scoreCandidates(docs, task, candidates, undefined, mode);
    return { candidates, predictions, labels };
  } finally {
    await predictor.dispose();
  }
}

/** Fits the pair stacker of the folder serving `taskName` in `modelDir` from `fitModelDir`'s predictions and writes it into the folder. */
export async function fitPairStacker(taskName: string, modelDir: string, fitModelDir: string, options: StackerFitOptions = {}): Promise<StackerFitReport> {
  const spec = RELATION_EVAL_TASKS[taskName];
  if (!spec) throw new Error(`unknown relation task "${taskName}" (use ${Object.keys(RELATION_EVAL_TASKS).join(', ')})`);
  const task = spec.task;
  if (!STACKER_TASKS.has(task)) throw new Error(`${taskName} has no pair stacker (only ${[...STACKER_TASKS].join(', ')})`);
  const folder = servingFolder(modelDir, task);
  const fitFolder = servingFolder(fitModelDir, task);
  if (path.resolve(folder) === path.resolve(fitFolder)) throw new Error(`${fitModelDir}: the fitting model must be another model than ${folder} (one that never trained on the fitting documents)`);
  if (fs.existsSync(path.join(fitFolder, PAIR_STACKER_FILE))) throw new Error(`${fitFolder}: the fitting model carries a pair stacker itself; fit from a plain model`);
  const fitSplit = recordedSplit(readModelConfig(fitFolder));
  if (!fitSplit) throw new Error(`${fitFolder}: config.json records no training split (devShare); cannot tell which documents it never saw`);
  const l2 = options.l2 ?? 1;
  const k = options.folds ?? 5;
  if (!Number.isInteger(k) || k < 2) throw new Error(`--folds ${k}: use an integer of at least 2`);

  const heldOut = await heldOutDocuments(task, folder);
  const heldIds = new Set(heldOut.map((d) => d.id));
  const fitDocs = (await heldOutDocuments(task, fitFolder)).filter((d) => !heldIds.has(d.id));
  const priorDocs = (await taskDocuments(task, fitSplit)).train.filter((d) => !heldIds.has(d.id));
  const fitIds = new Set(fitDocs.map((d) => d.id));
  if (priorDocs.some((d) => fitIds.has(d.id))) throw new Error(`${fitFolder}: its training documents overlap the documents it held out; cannot fit a stacker from it`);
  if (fitDocs.length < 2 * k) throw new Error(`${fitFolder}: only ${fitDocs.length} documents to fit on (it held out too few beyond ${folder}'s own)`);
  const priors = conceptPriors(generateAllCandidates(task, priorDocs));

  const mesh = MeshHierarchy.loadFrom(folder);
  const fit = await predictionsOf(fitFolder, task, fitDocs, options.threads, 'none');
  const cid = fit.labels.indexOf('CID');
  const rows = pairFeatures(fitDocs, fit.candidates, fit.predictions.map((p) => p.probs[cid]!), priors, mesh);
  const y: number[] = fit.candidates.map((c) => (c.label !== 'none' ? 1 : 0));

  // Cross-validation by document: each fold's stacker (and threshold) fitted on the others.
  const foldOf = new Map(fitDocs.map((d, i) => [d.id, i % k]));
  const oof = new Array<{ label: number; prob: number }>(fit.candidates.length);
  for (let f = 0; f < k; f++) {
    const inFold = (i: number): boolean => foldOf.get(fit.candidates[i]!.documentId) === f;
    const train = fit.candidates.map((_, i) => i).filter((i) => !inFold(i));
    const m = fitOn(task, fitDocs.filter((d) => foldOf.get(d.id) !== f), train.map((i) => fit.candidates[i]!), train.map((i) => rows[i]!), train.map((i) => y[i]!), l2);
    fit.candidates.forEach((_, i) => {
      if (inFold(i)) oof[i] = decisions([logisticProbability(m.model, rows[i]!)], m.threshold)[0]!;
    });
  }
  const targetHead = readHeads(folder, readModelConfig(folder)).get(task)!;
  const ruled = applyDocumentRules(task, fitDocs, fit.candidates, fit.labels, fit.predictions, targetHead.rules ?? {}, mesh);
  const crossValidated = { stacker: round(f1Of(task, fitDocs, fit.candidates, oof)), modelWithRules: round(f1Of(task, fitDocs, fit.candidates, ruled)), modelAlone: round(f1Of(task, fitDocs, fit.candidates, fit.predictions)) };

  const final = fitOn(task, fitDocs, fit.candidates, rows, y, l2);
  const before = await predictionsOf(folder, task, heldOut, options.threads, 'calibrated');
  const stacker: PairStacker = {
    task,
    features: [...PAIR_FEATURES],
    model: final.model,
    threshold: final.threshold,
    priors,
    fitted: { fitModel: fitFolder, documents: fitDocs.length, pairs: y.length, cidPairs: y.reduce((a, b) => a + b, 0), priorDocuments: priorDocs.length, l2, folds: k, crossValidated, command: options.command ?? `biore fit-stacker --task ${taskName} --model ${modelDir} --fit-model ${fitModelDir}` },
  };
  fs.writeFileSync(path.join(folder, PAIR_STACKER_FILE), JSON.stringify(stacker) + '\n');
  const after = await predictionsOf(folder, task, heldOut, options.threads, 'calibrated');
  const heldOutF1 = { before: round(f1Of(task, heldOut, before.candidates, before.predictions)), after: round(f1Of(task, heldOut, after.candidates, after.predictions)) };

  writeTaskCalibration(folder, task, 'stacker', { file: PAIR_STACKER_FILE, ...stacker.fitted, threshold: stacker.threshold, heldOut: heldOutF1 });
  return {
    folder: path.join(folder, CONFIG_FILE),
    fitModel: fitFolder,
    documents: { fitting: fitDocs.length, priors: priorDocs.length, heldOut: heldOut.length },
    crossValidated,
    threshold: stacker.threshold,
    heldOut: heldOutF1,
    weights: Object.fromEntries(PAIR_FEATURES.map((n, i) => [n, round(stacker.model.weights[i]!)])),
  };
}
