/**
 * `biore evaluate` for relation tasks: score a relation model on the task's test split (DrugProt:
 * its dev set, the test gold was never published) with the official scorer, recomputing every
 * prediction. Candidates come from the corpus's own generator (as in training), so the numbers
 * are the ones the training runs report, for the model folder as shipped.
 */
import { loadSplit } from '../corpora/registry';
import { expectedCalibrationError } from '../evaluation/calibration';
import { documentText } from '../document/document';
import type { TaskName } from '../tasks/definitions';
import { generateAllCandidates } from '../tasks/candidates';
import { loadRelationPredictor } from '../inference/relations/relationPredictor';
import { scoreCandidatePredictions } from '../evaluation/candidateScores';

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
  /** When the task's document rules added predictions: how many, and the model's own scores without them. */
  documentRules?: { predictions: number; modelOnly: { precision: number; recall: number; f1: number } };
  documents: number;
  candidates: number;
  seconds: number;
  candidatesPerSecond: number;
}

const round = (x: number): number => +x.toFixed(2);

/** Evaluate `modelDir` (a relation model folder, or a folder of them) on a public task name. */
export async function evaluateRelations(taskName: string, modelDir: string, options: { threads?: number; signal?: AbortSignal; split?: string } = {}): Promise<RelationEvaluation> {
  const spec = RELATION_EVAL_TASKS[taskName];
  if (!spec) throw new Error(`unknown relation task "${taskName}" (use ${Object.keys(RELATION_EVAL_TASKS).join(', ')})`);
  const predictor = await loadRelationPredictor(modelDir, options.threads === undefined ? {} : { threads: options.threads });
  try {
    const split = options.split ?? spec.split;
    const docs = (await loadSplit(spec.corpus, split)).documents;
    const candidates = generateAllCandidates(spec.task, docs);
    const t0 = performance.now();
    const { labels, predictions } = await predictor.scoreCandidates(docs, spec.task, candidates, options.signal);
    const seconds = (performance.now() - t0) / 1000;
    const s = scoreCandidatePredictions(spec.task, docs, candidates, predictions);
    // What the model alone says (a ruled prediction was `none` by argmax: rules only add).
    const ruled = predictions.filter((p) => p.rule).length;
    const alone = ruled ? scoreCandidatePredictions(spec.task, docs, candidates, predictions.map((p) => (p.rule ? { ...p, label: 0 } : p))).micro : undefined;
    const gold_ = candidates.map((c) => labels.indexOf(c.label));
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
      ...(alone ? { documentRules: { predictions: ruled, modelOnly: { precision: round(alone.precision), recall: round(alone.recall), f1: round(alone.f1) } } } : {}),
      documents: docs.length,
      candidates: candidates.length,
      seconds: round(seconds),
      candidatesPerSecond: Math.round(candidates.length / Math.max(1e-9, seconds)),
    };
  } finally {
    await predictor.dispose();
  }
}
