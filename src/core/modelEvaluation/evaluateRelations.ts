/**
 * `biore evaluate` for relation tasks: score a relation model on the task's test split (DrugProt:
 * its dev set, the test gold was never published) with the official scorer, recomputing every
 * prediction. Candidates come from the corpus's own generator (as in training), so the numbers
 * are the ones the training runs report, for the model folder as shipped.
 */
import { loadSplit } from '../corpora/registry';
import { DEFAULT_SETTINGS } from '../settings';
import { taskDocuments, type TaskSplitOptions } from '../corpora/taskSplits';
import type { Document } from '../document/document';
import { readModelConfig, relationModelFolders, writeModelConfig } from '../inference/modelFolders';
import { relationModelTasks, routeTasks } from '../inference/relations/relationHeads';
import { expectedCalibrationError } from '../evaluation/calibration';
import { documentText } from '../document/document';
import type { TaskName } from '../tasks/definitions';
import { generateAllCandidates } from '../tasks/candidates';
import { loadRelationPredictor } from '../inference/relations/relationPredictor';
import type { RelationPrediction } from '../inference/relations/relationPrediction';
import { scoreCandidatePredictions } from '../evaluation/candidateScores';
import { submittedPredictions, type LocalPairs } from '../evaluation/submission';

/** Public task names (the corpus names curators know) → the core's task and its test split. */
export const RELATION_EVAL_TASKS: Readonly<Record<string, { task: TaskName; corpus: string; split: string }>> = {
  ddi: { task: 'ddi', corpus: 'ddi', split: 'test' },
  bc5cdr: { task: 'cdr', corpus: 'bc5cdr', split: 'test' },
  cdr: { task: 'cdr', corpus: 'bc5cdr', split: 'test' },
  drugprot: { task: 'drugprot', corpus: 'drugprot', split: 'dev' },
  biored: { task: 'biored', corpus: 'biored', split: 'test' },
};

export interface RelationEvaluation {
  task: string;
  corpus: string;
  split: string;
  model: string;
  precision: number;
  recall: number;
  f1: number;
  byType: Record<string, { precision: number; recall: number; f1: number; tp: number; fp: number; fn: number }>;
  tp: number;
  fp: number;
  fn: number;
  /**
   * Candidate-level P/R/F1 by the length of the evidence read (words), for error analysis: a
   * candidate is right when its predicted type equals its gold type (`none` included).
   */
  byLength: Record<string, { candidates: number; gold: number; precision: number; recall: number; f1: number }>;
  /** Expected calibration error (%) of the top-label confidence over all candidates, 10 bins. */
  ece: number;
  /**
   * When the task's document rules added predictions: how many, the model's own scores without
   * them, and per rule the predictions it made, how many were right (candidate gold), its score
   * (the calibrated probability it carries) and the P/R/F1 of the model with that rule alone.
   */
  documentRules?: {
    predictions: number;
    modelOnly: { precision: number; recall: number; f1: number };
    byRule: Record<string, { predictions: number; correct: number; score: number; withRule: { precision: number; recall: number; f1: number } }>;
  };
  /**
   * CID: suggestions naming a document-local concept (a mention annotated without an id) are not
   * submitted (`evaluation/submission.ts`): how many were left out, and the score with them in.
   */
  localPairs?: LocalPairs;
  /** What a curator sees at the default threshold: predictions whose confidence is at least 0.5. */
  atThreshold: { threshold: number; precision: number; recall: number; f1: number };
  documents: number;
  candidates: number;
  seconds: number;
  candidatesPerSecond: number;
}

const round = (x: number): number => +x.toFixed(2);

/** Evaluate `modelDir` (a relation model folder, or a folder of them) on a public task name. */
/** The extension's default confidence threshold: what a curator sees unless they change it. */
const DEFAULT_THRESHOLD = DEFAULT_SETTINGS.threshold;

/** A split name that means the documents the model held out for selection (see heldOutDocuments). */
export const HELD_OUT_SPLIT = 'heldout';

/**
 * The documents the relation model serving `task` in `modelDir` held out for model selection:
 * its training run's dev share (taskSplits, with the devShare / devFold / mergeDev / trainShare recorded in
 * its config.json). Rules, filters and thresholds are chosen here: for a model trained on train +
 * dev, the corpus's dev split is training data.
 */
export async function heldOutDocuments(task: TaskName, modelDir: string): Promise<Document[]> {
  const dir = servingFolder(modelDir, task);
  const split = recordedSplit(readModelConfig(dir));
  if (!split) throw new Error(`${dir}: config.json records no training split (devShare); cannot rebuild its held-out documents`);
  return (await taskDocuments(task, split)).dev;
}

/** The relation model folder that answers `task` in `modelDir` (a folder, or a folder of them), as the predictor routes it. */
export function servingFolder(modelDir: string, task: TaskName): string {
  const dir = routeTasks(relationModelFolders(modelDir).map((d) => ({ dir: d, tasks: relationModelTasks(d) }))).get(task);
  if (!dir) throw new Error(`${modelDir}: no relation model for task ${task}`);
  return dir;
}

/** Stores `record` under `key` in the calibration of `task`'s head in `folder`'s config.json (a single-task folder's top-level calibration). */
export function writeTaskCalibration(folder: string, task: TaskName, key: string, record: unknown): void {
  const cfg = readModelConfig(folder);
  const heads = cfg['tasks'] as Record<string, { calibration?: Record<string, unknown> }> | undefined;
  if (heads?.[task]) heads[task]!.calibration = { ...(heads[task]!.calibration ?? {}), [key]: record };
  else cfg['calibration'] = { ...((cfg['calibration'] as Record<string, unknown> | undefined) ?? {}), [key]: record };
  writeModelConfig(folder, cfg);
}

/**
 * The training split a model folder's config.json records (its run's devShare / devFold /
 * trainShare / mergeDev, with the defaults of runs that predate a field), or undefined when it
 * records none.
 */
export function recordedSplit(modelConfig: Record<string, unknown>): TaskSplitOptions | undefined {
  const cfg = modelConfig['config'] as { train?: Partial<TaskSplitOptions> } & Partial<TaskSplitOptions> | undefined;
  const run = cfg?.train ?? cfg;
  if (!run || typeof run.devShare !== 'number') return undefined;
  return { devShare: run.devShare, devFold: run.devFold ?? 0, trainShare: run.trainShare ?? 1, mergeDev: run.mergeDev ?? false };
}

export async function evaluateRelations(taskName: string, modelDir: string, options: { threads?: number; signal?: AbortSignal; split?: string; negativeFilters?: boolean } = {}): Promise<RelationEvaluation> {
  const spec = RELATION_EVAL_TASKS[taskName];
  if (!spec) throw new Error(`unknown relation task "${taskName}" (use ${Object.keys(RELATION_EVAL_TASKS).join(', ')})`);
  const predictor = await loadRelationPredictor(modelDir, options.threads === undefined ? {} : { threads: options.threads });
  try {
    const split = options.split ?? spec.split;
    const docs = split === HELD_OUT_SPLIT ? await heldOutDocuments(spec.task, modelDir) : (await loadSplit(spec.corpus, split)).documents;
    const candidates = generateAllCandidates(spec.task, docs, { ...predictor.candidateOptions(spec.task), ...(options.negativeFilters === undefined ? {} : { negativeFilters: options.negativeFilters }) });
    const t0 = performance.now();
    const { labels, predictions } = await predictor.scoreCandidates(docs, spec.task, candidates, options.signal);
    const seconds = (performance.now() - t0) / 1000;
    // Every score is of what a team would submit: for CID, pairs of MeSH ids only
    // (evaluation/submission.ts); the predictions themselves stay as the model made them.
    const submittedScore = (ps: readonly RelationPrediction[]): ReturnType<typeof scoreCandidatePredictions> => scoreCandidatePredictions(spec.task, docs, candidates, submittedPredictions(spec.task, candidates, ps).predictions);
    const submitted = submittedPredictions(spec.task, candidates, predictions);
    const s = scoreCandidatePredictions(spec.task, docs, candidates, submitted.predictions);
    const leftOut = submitted.leftOut;
    const withLocal = leftOut ? scoreCandidatePredictions(spec.task, docs, candidates, predictions).micro : undefined;
    // What the model alone says: a ruled prediction remembers the model's own label.
    const own = (p: RelationPrediction): RelationPrediction => ({ ...p, label: p.modelLabel ?? p.label });
    const ruled = predictions.filter((p) => p.rule).length;
    const alone = ruled ? submittedScore(predictions.map((p) => (p.rule ? own(p) : p))).micro : undefined;
    const gold_ = candidates.map((c) => labels.indexOf(c.label));
    const byRule: NonNullable<RelationEvaluation['documentRules']>['byRule'] = {};
    for (const rule of new Set(predictions.flatMap((p) => (p.rule ? [p.rule] : [])))) {
      const mine = predictions.map((p, i) => (p.rule === rule ? i : -1)).filter((i) => i >= 0);
      const only = submittedScore(predictions.map((p) => (p.rule && p.rule !== rule ? own(p) : p))).micro;
      byRule[rule] = {
        predictions: mine.length,
        correct: mine.filter((i) => predictions[i]!.label === gold_[i]).length,
        score: round(mine.reduce((a, i) => a + predictions[i]!.prob, 0) / Math.max(1, mine.length)),
        withRule: { precision: round(only.precision), recall: round(only.recall), f1: round(only.f1) },
      };
    }
    const shown = submittedScore(predictions.map((p) => (p.prob < DEFAULT_THRESHOLD ? { ...p, label: 0 } : p))).micro;
    const cal = expectedCalibrationError(
      predictions.map((p) => p.prob),
      predictions.map((p, i) => p.label === gold_[i]),
    );
    const texts = new Map(docs.map((d) => [d.id, d]));
    const textCache = new Map<string, string>();
    const docText = (id: string): string => {
      let t = textCache.get(id);
      if (t === undefined) textCache.set(id, (t = documentText(texts.get(id)!)));
      return t;
    };
    const buckets: [string, number][] = [['≤20 words', 20], ['21-40', 40], ['41-60', 60], ['>60', Infinity]];
    const byLength: RelationEvaluation['byLength'] = {};
    for (const [name, max] of buckets) {
      const min = buckets[buckets.findIndex((b) => b[0] === name) - 1]?.[1] ?? 0;
      let n = 0;
      let tp = 0;
      let predicted = 0;
      let gold = 0;
      candidates.forEach((c, i) => {
        const w = c.evidence.reduce((k, s) => k + (docText(c.documentId).slice(s.start, s.end).match(/\S+/g)?.length ?? 0), 0);
        if (w <= min || w > max) return;
        n++;
        const p = predictions[i]!.label;
        if (p !== 0) predicted++;
        if (gold_[i]! !== 0) gold++;
        if (p !== 0 && p === gold_[i]) tp++;
      });
      const P = predicted ? (100 * tp) / predicted : 0;
      const R = gold ? (100 * tp) / gold : 0;
      byLength[name] = { candidates: n, gold, precision: round(P), recall: round(R), f1: round(P + R ? (2 * P * R) / (P + R) : 0) };
    }
    return {
      byLength,
      task: taskName,
      corpus: spec.corpus,
      split,
      model: modelDir,
      precision: round(s.micro.precision),
      recall: round(s.micro.recall),
      f1: round(s.micro.f1),
      byType: Object.fromEntries(Object.entries(s.byType).map(([k, v]) => [k, { precision: round(v.precision), recall: round(v.recall), f1: round(v.f1), tp: v.tp, fp: v.fp, fn: v.fn }])),
      tp: s.micro.tp,
      fp: s.micro.fp,
      fn: s.micro.fn,
      ece: round(cal.ece),
      ...(alone ? { documentRules: { predictions: ruled, modelOnly: { precision: round(alone.precision), recall: round(alone.recall), f1: round(alone.f1) }, byRule } } : {}),
      atThreshold: { threshold: DEFAULT_THRESHOLD, precision: round(shown.precision), recall: round(shown.recall), f1: round(shown.f1) },
      ...(withLocal ? { localPairs: { leftOut, withThem: { precision: round(withLocal.precision), recall: round(withLocal.recall), f1: round(withLocal.f1) } } } : {}),
      documents: docs.length,
      candidates: candidates.length,
      seconds: round(seconds),
      candidatesPerSecond: Math.round(candidates.length / Math.max(1e-9, seconds)),
    };
  } finally {
    await predictor.dispose();
  }
}
