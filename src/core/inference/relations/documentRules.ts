/**
 * Document-level decision rules applied on top of a relation model's argmax (chosen on dev;
 * see docs/results.md). They need no gold: only the document's mentions and the predictions.
 */
import type { Document } from '../../document/document';
import type { Candidate } from '../../tasks/candidatePairs';
import { CDR_FALLBACK_RULES, cdrTitleFallback } from '../../tasks/cdr';
import type { TaskName } from '../../tasks/definitions';
import type { RelationPrediction } from './relationPrediction';
import { broaderPairs, type MeshHierarchy } from './meshHierarchy';

/** Tasks with document-level decision rules (`applyDocumentRules`). */
export const DOCUMENT_RULE_TASKS: ReadonlySet<TaskName> = new Set(['cdr']);

/**
 * A rule as a model folder's calibration records it (`biore calibrate-rules`, on the documents
 * the model held out): whether it helped there (a rule that did not is off), and the probability
 * that a suggestion it makes is right, which its suggestions carry as their score.
 */
export interface RuleCalibration {
  kept: boolean;
  score: number;
}

/**
 * The task's document-level decision rules on top of the argmax (BC5CDR: `cdrTitleFallback`).
 * Returns new predictions. With `calibration`, only kept rules fire and a ruled prediction's
 * probability is the rule's calibrated score; a rule the calibration does not know stays off.
 * Without it (fitting, training reports), every rule fires and a ruled prediction keeps the
 * model's own probability of the label.
 */
export function applyDocumentRules(
  task: TaskName,
  docs: readonly Document[],
  candidates: readonly Candidate[],
  labels: readonly string[],
  preds: readonly RelationPrediction[],
  calibration?: Readonly<Record<string, RuleCalibration>>,
  mesh?: MeshHierarchy,
): RelationPrediction[] {
  if (!DOCUMENT_RULE_TASKS.has(task)) return [...preds];
  const cid = labels.indexOf('CID');
  const out = [...preds];
  const rules = calibration ? new Set([...CDR_FALLBACK_RULES].filter((r) => calibration[r]?.kept)) : CDR_FALLBACK_RULES;
  for (const { index: i, rule } of cdrTitleFallback(docs, candidates, (k) => preds[k]!.label !== 0, rules)) {
    out[i] = { ...preds[i]!, label: cid, prob: calibration?.[rule]?.score ?? preds[i]!.probs[cid]!, rule, modelLabel: preds[i]!.modelLabel ?? preds[i]!.label };
  }
  if (mesh && calibration?.[BROADER_CONCEPT]?.kept) return dropBroaderConcepts(candidates, out, mesh);
  return out;
}

/** The MeSH post-processing step's name in a folder's rule calibration. */
export const BROADER_CONCEPT = 'broader-concept';

/** Positive pairs whose disease (or chemical) is a MeSH ancestor of another positive pair's, with the same partner, become none. */
export function dropBroaderConcepts(candidates: readonly Candidate[], preds: readonly RelationPrediction[], mesh: MeshHierarchy): RelationPrediction[] {
  const out = [...preds];
  const pairs = candidates.map((c, i) => ({ documentId: c.documentId, head: c.head.id, tail: c.tail.id, positive: preds[i]!.label !== 0 }));
  for (const i of broaderPairs(pairs, mesh)) out[i] = { ...preds[i]!, label: 0, prob: preds[i]!.probs[0] ?? 1 - preds[i]!.prob, rule: BROADER_CONCEPT, modelLabel: preds[i]!.modelLabel ?? preds[i]!.label };
  return out;
}
