/** Official-scorer P/R/F1 of per-candidate predictions: predicted relations attached to copies of the documents. */
import type { Document } from '../document/document';
import type { Candidate } from '../tasks/candidatePairs';
import { candidateToRelation } from '../tasks/candidates';
import { taskLabels, type TaskName } from '../tasks/definitions';
import { scoreTask } from './scorers';

/** Score `preds[i]` (a label index into taskLabels(task)) for `candidates[i]` over `docs`. */
export function scoreCandidatePredictions(task: TaskName, docs: readonly Document[], candidates: readonly Candidate[], preds: readonly { label: number; prob: number }[]): ReturnType<typeof scoreTask> {
  const labels = taskLabels(task);
  const byDoc = new Map(docs.map((d) => [d.id, { ...d, relations: [] as Document['relations'] }]));
  candidates.forEach((c, i) => {
    const p = preds[i]!;
    const rel = candidateToRelation(c, labels[p.label]!, { score: p.prob });
    if (rel) byDoc.get(c.documentId)!.relations.push(rel);
  });
  return scoreTask(task, docs, [...byDoc.values()]);
}
