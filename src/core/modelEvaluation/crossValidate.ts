/**
 * `biore cross-validate`: scores one training recipe by k-fold cross-validation over a task's
 * training documents. The k model folders come from the same command run with `devShare=1/k`
 * and `devFold=0…k-1` (corpora/taskSplits.ts): each held out a different fold, so together they
 * predict every training document once, each by the model that never saw it. The pooled micro
 * F1 over all folds (the official scorer, CID as submitted) is the selection score: DDI's usual
 * held-out share is 69 documents, too few to tell models a few points apart (docs/results.md,
 * round 9); the pooled score reads ten times as many. Never looks at the test split.
 */
import { scoreCandidatePredictions } from '../evaluation/candidateScores';
import { submittedPredictions } from '../evaluation/submission';
import type { Document } from '../document/document';
import { loadRelationPredictor } from '../inference/relations/relationPredictor';
import type { RelationPrediction } from '../inference/relations/relationPrediction';
import type { Candidate } from '../tasks/candidatePairs';
import { generateAllCandidates } from '../tasks/candidates';
import { RELATION_EVAL_TASKS, heldOutDocuments } from './evaluateRelations';

export interface CrossValidation {
  task: string;
  /** Each fold's model, its held-out documents and its F1 there. */
  folds: { model: string; documents: number; precision: number; recall: number; f1: number }[];
  /** Every fold's predictions scored together: the selection score. */
  pooled: { documents: number; precision: number; recall: number; f1: number };
  /** Mean and sample standard deviation of the per-fold F1 (how much one fold can mislead). */
  meanF1: number;
  sdF1: number;
}

const round = (x: number): number => +x.toFixed(2);

/** Mean and sample standard deviation (0 for a single value). */
export function meanAndSd(xs: readonly number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd };
}

/** Throws unless no document is held out by two folds (the folds must come from one devShare). */
export function assertDisjointFolds(folds: readonly { model: string; docs: readonly { id: string }[] }[]): void {
  const seen = new Map<string, string>();
  for (const f of folds) {
    for (const d of f.docs) {
      const other = seen.get(d.id);
      if (other !== undefined) throw new Error(`document ${d.id} is held out by both ${other} and ${f.model}: the folds must be one devShare with different devFold values`);
      seen.set(d.id, f.model);
    }
  }
}

export async function crossValidate(taskName: string, modelDirs: readonly string[], options: { threads?: number } = {}): Promise<CrossValidation> {
  const spec = RELATION_EVAL_TASKS[taskName];
  if (!spec) throw new Error(`unknown relation task "${taskName}" (use ${Object.keys(RELATION_EVAL_TASKS).join(', ')})`);
  if (modelDirs.length < 2) throw new Error('cross-validation needs the model folders of at least two folds');
  const folds: { model: string; docs: Document[] }[] = [];
  for (const model of modelDirs) folds.push({ model, docs: await heldOutDocuments(spec.task, model) });
  assertDisjointFolds(folds);
  const allDocs: Document[] = [];
  const allCandidates: Candidate[] = [];
  const allPredictions: RelationPrediction[] = [];
  const perFold: CrossValidation['folds'] = [];
  for (const { model, docs } of folds) {
    const predictor = await loadRelationPredictor(model, options.threads === undefined ? {} : { threads: options.threads });
    try {
      const candidates = generateAllCandidates(spec.task, docs, predictor.candidateOptions(spec.task));
      const { predictions } = await predictor.scoreCandidates(docs, spec.task, candidates);
      const submitted = submittedPredictions(spec.task, candidates, predictions).predictions;
      const s = scoreCandidatePredictions(spec.task, docs, candidates, submitted).micro;
      perFold.push({ model, documents: docs.length, precision: round(s.precision), recall: round(s.recall), f1: round(s.f1) });
      allDocs.push(...docs);
      allCandidates.push(...candidates);
      allPredictions.push(...submitted);
    } finally {
      await predictor.dispose();
    }
  }
  const pooled = scoreCandidatePredictions(spec.task, allDocs, allCandidates, allPredictions).micro;
  const { mean, sd } = meanAndSd(perFold.map((f) => f.f1));
  return {
    task: taskName,
    folds: perFold,
    pooled: { documents: allDocs.length, precision: round(pooled.precision), recall: round(pooled.recall), f1: round(pooled.f1) },
    meanF1: round(mean),
    sdF1: round(sd),
  };
}
