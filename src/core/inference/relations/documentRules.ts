/**
 * Document-level decision rules applied on top of a relation model's argmax (chosen on dev;
 * see docs/results.md). They need no gold: only the document's mentions and the predictions.
 */
import type { Document } from '../../document/document';
import type { Candidate } from '../../tasks/candidatePairs';
import { cdrTitleFallback } from '../../tasks/cdr';
import type { TaskName } from '../../tasks/definitions';
import type { RelationPrediction } from './relationPrediction';

/** Tasks with document-level decision rules (`applyDocumentRules`). */
export const DOCUMENT_RULE_TASKS: ReadonlySet<TaskName> = new Set(['cdr']);

/**
 * The task's document-level decision rules on top of the argmax (BC5CDR: `cdrTitleFallback`).
 * Returns new predictions; a ruled one keeps the model's probabilities, so its confidence says
 * how unsure the model itself was.
 */
export function applyDocumentRules(task: TaskName, docs: readonly Document[], candidates: readonly Candidate[], labels: readonly string[], preds: readonly RelationPrediction[]): RelationPrediction[] {
  if (!DOCUMENT_RULE_TASKS.has(task)) return [...preds];
  const cid = labels.indexOf('CID');
  const out = [...preds];
  for (const { index: i, rule } of cdrTitleFallback(docs, candidates, (k) => preds[k]!.label !== 0)) out[i] = { ...preds[i]!, label: cid, prob: preds[i]!.probs[cid]!, rule };
  return out;
}
