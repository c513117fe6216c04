/**
 * `biore calibrate-thresholds`: per-class decision biases of a relation model, chosen on the
 * documents it held out for selection (never on the test split). Coordinate ascent over one
 * additive bias per label on the log-probabilities (`none` stays at 0), grid −1.5 … 1.5 in steps
 * of 0.25, two passes, maximizing the official scorer's micro F1 there. Biases are kept only when
 * they gain at least `minGain` F1 on those documents; only the decision moves, the suggestions
 * keep their calibrated probabilities (relationPrediction.ts, `withClassBias`).
 *
 * `shared`: one bias for every relation class against `none` (a single number fitted on the
 * held-out documents instead of one per class): it moves the precision/recall balance that the
 * training's `noneWeight` set, and with one degree of freedom it overfits a few hundred documents
 * far less than thirteen.
 *
 * A task with document rules (BC5CDR) is fitted on the model alone; its rules act on the biased
 * decisions, so `biore calibrate-rules` runs after this (it sees the biases).
 */
import * as path from 'node:path';
import { scoreCandidatePredictions } from '../evaluation/candidateScores';
import { CONFIG_FILE } from '../inference/modelFolders';
import { withClassBias } from '../inference/relations/relationPrediction';
import { loadRelationPredictor } from '../inference/relations/relationPredictor';
import { generateAllCandidates } from '../tasks/candidates';
import { RELATION_EVAL_TASKS, heldOutDocuments, servingFolder, writeTaskCalibration } from './evaluateRelations';

const GRID = Array.from({ length: 13 }, (_, i) => -1.5 + 0.25 * i);

export interface ThresholdFit {
  folder: string;
  documents: number;
  labels: string[];
  values: number[];
  f1Argmax: number;
  f1Biased: number;
  kept: boolean;
}

export async function calibrateThresholds(taskName: string, modelDir: string, options: { threads?: number; minGain?: number; shared?: boolean; command?: string } = {}): Promise<ThresholdFit> {
  const spec = RELATION_EVAL_TASKS[taskName];
  if (!spec) throw new Error(`unknown relation task "${taskName}" (use ${Object.keys(RELATION_EVAL_TASKS).join(', ')})`);
  const folder = servingFolder(modelDir, spec.task);
  const docs = await heldOutDocuments(spec.task, folder);
  const predictor = await loadRelationPredictor(folder, options.threads === undefined ? {} : { threads: options.threads });
  const candidates = generateAllCandidates(spec.task, docs, predictor.candidateOptions(spec.task));
  let labels: string[];
  let raw;
  try {
    // 'raw' skips any biases the folder has already, and the document rules: the fit starts from the model's plain argmax.
    ({ labels, predictions: raw } = await predictor.scoreCandidates(docs, spec.task, candidates, undefined, 'raw'));
  } finally {
    await predictor.dispose();
  }
  const f1With = (bias: readonly number[]): number => scoreCandidatePredictions(spec.task, docs, candidates, raw.map((p) => withClassBias(p, bias))).micro.f1;
  const { bias, f1Argmax, best } = fitClassBias(labels.length, f1With, options.shared === true);
  const kept = best - f1Argmax >= (options.minGain ?? 0.3);
  const record = { values: kept ? bias : labels.map(() => 0), fitted: bias, kept, mode: options.shared ? 'shared' : 'per-class', fittedOn: 'heldout', documents: docs.length, f1Argmax: +f1Argmax.toFixed(4), f1Biased: +best.toFixed(4), command: options.command ?? `biore calibrate-thresholds --task ${taskName} --model ${modelDir}` };
  writeTaskCalibration(folder, spec.task, 'classBias', record);
  return { folder: path.join(folder, CONFIG_FILE), documents: docs.length, labels, values: bias, f1Argmax, f1Biased: best, kept };
}

/**
 * The search itself, over any scorer: per class, coordinate ascent on GRID (two passes, `none`
 * fixed at 0); shared, one grid value for every relation class. Returns the biases and the F1 at
 * zero bias and at the chosen ones.
 */
export function fitClassBias(classes: number, f1With: (bias: readonly number[]) => number, shared: boolean): { bias: number[]; f1Argmax: number; best: number } {
  const bias = new Array<number>(classes).fill(0);
  const f1Argmax = f1With(bias);
  let best = f1Argmax;
  if (shared) {
    let bestValue = 0;
    for (const v of GRID) {
      const f = f1With(bias.map((_, k) => (k === 0 ? 0 : v)));
      if (f > best + 1e-9) {
        best = f;
        bestValue = v;
      }
    }
    for (let k = 1; k < classes; k++) bias[k] = bestValue;
    return { bias, f1Argmax, best };
  }
  for (let pass = 0; pass < 2; pass++) {
    for (let k = 1; k < classes; k++) {
      let bestValue = bias[k]!;
      for (const v of GRID) {
        bias[k] = v;
        const f = f1With(bias);
        if (f > best + 1e-9) {
          best = f;
          bestValue = v;
        }
      }
      bias[k] = bestValue;
    }
  }
  return { bias, f1Argmax, best };
}
