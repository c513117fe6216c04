/**
 * `biore calibrate-rules`: fits a relation model folder's document rules on the documents the
 * model held out for selection, as its softmax temperature was fitted there. Per rule: the model
 * with that rule alone against the model alone (official scorer) says whether the rule is kept,
 * and the share of its suggestions that were right (add-one smoothed) becomes the probability its
 * suggestions carry, so a curator's threshold treats them like the model's own.
 */
import * as path from 'node:path';
import { scoreCandidatePredictions } from '../evaluation/candidateScores';
import { CONFIG_FILE } from '../inference/modelFolders';
import { BROADER_CONCEPT, DOCUMENT_RULE_TASKS, dropBroaderConcepts } from '../inference/relations/documentRules';
import { MeshHierarchy } from '../inference/relations/meshHierarchy';
import { loadRelationPredictor } from '../inference/relations/relationPredictor';
import { CDR_FALLBACK_RULES } from '../tasks/cdr';
import { generateAllCandidates } from '../tasks/candidates';
import { RELATION_EVAL_TASKS, heldOutDocuments, servingFolder, writeTaskCalibration } from './evaluateRelations';

export interface RuleFit {
  kept: boolean;
  /** For broader-concept: `predictions` is the pairs it turned to none, `correct` those that were indeed not gold. */
  /** Probability that a suggestion of this rule is right: (correct + 1) / (predictions + 2). */
  score: number;
  predictions: number;
  correct: number;
  /** Micro F1 on the held-out documents with this rule alone, and of the model alone. */
  f1With: number;
  f1Without: number;
}

const round = (x: number): number => +x.toFixed(4);

/** Fits the rules of the folder serving `taskName` in `modelDir` and writes them into its config.json. */
export async function calibrateRules(taskName: string, modelDir: string, options: { threads?: number; command?: string } = {}): Promise<{ folder: string; documents: number; rules: Record<string, RuleFit> }> {
  const spec = RELATION_EVAL_TASKS[taskName];
  if (!spec) throw new Error(`unknown relation task "${taskName}" (use ${Object.keys(RELATION_EVAL_TASKS).join(', ')})`);
  if (!DOCUMENT_RULE_TASKS.has(spec.task)) throw new Error(`${taskName} has no document rules`);
  const folder = servingFolder(modelDir, spec.task);
  const docs = await heldOutDocuments(spec.task, folder);
  const predictor = await loadRelationPredictor(folder, options.threads === undefined ? {} : { threads: options.threads });
  const candidates = generateAllCandidates(spec.task, docs, predictor.candidateOptions(spec.task));
  let predictions;
  try {
    ({ predictions } = await predictor.scoreCandidates(docs, spec.task, candidates, undefined, 'all'));
  } finally {
    await predictor.dispose();
  }
  const f1Of = (keep: (rule: string | undefined) => boolean): number =>
    scoreCandidatePredictions(spec.task, docs, candidates, predictions.map((p) => (p.rule && !keep(p.rule) ? { ...p, label: 0 } : p))).micro.f1;
  const alone = f1Of(() => false);
  const rules: Record<string, RuleFit> = {};
  for (const rule of CDR_FALLBACK_RULES) {
    const mine = candidates.map((c, i) => ({ c, p: predictions[i]! })).filter((x) => x.p.rule === rule);
    const correct = mine.filter((x) => x.c.label !== 'none').length;
    const withRule = f1Of((r) => r === rule);
    rules[rule] = { kept: mine.length > 0 && withRule > alone, score: round((correct + 1) / (mine.length + 2)), predictions: mine.length, correct, f1With: round(withRule), f1Without: round(alone) };
  }
  // The MeSH step after the kept rules: kept when it helps on the same documents.
  const mesh = MeshHierarchy.loadFrom(folder);
  if (mesh) {
    const kept = predictions.map((p) => (p.rule && !rules[p.rule]?.kept ? { ...p, label: p.modelLabel ?? p.label } : p));
    const before = scoreCandidatePredictions(spec.task, docs, candidates, kept).micro.f1;
    const dropped = dropBroaderConcepts(candidates, kept, mesh);
    const changed = dropped.map((p, i) => (p.rule === BROADER_CONCEPT ? i : -1)).filter((i) => i >= 0);
    const after = scoreCandidatePredictions(spec.task, docs, candidates, dropped).micro.f1;
    const wrong = changed.filter((i) => candidates[i]!.label === 'none').length;
    rules[BROADER_CONCEPT] = { kept: changed.length > 0 && after > before, score: round((wrong + 1) / (changed.length + 2)), predictions: changed.length, correct: wrong, f1With: round(after), f1Without: round(before) };
  }
  writeTaskCalibration(folder, spec.task, 'rules', { byRule: rules, fittedOn: 'heldout', documents: docs.length, command: options.command ?? `biore calibrate-rules --task ${taskName} --model ${modelDir}` });
  return { folder: path.join(folder, CONFIG_FILE), documents: docs.length, rules };
}
