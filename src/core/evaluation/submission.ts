/**
 * What a system submits to an official evaluation, as distinct from what the editor suggests.
 *
 * BioCreative V CID is scored on (document, chemical MeSH id, disease MeSH id) pairs. A
 * suggestion whose chemical or disease has only a document-local id (`local:…`: a mention no
 * vocabulary knew, or a gold mention annotated `-1`) names no MeSH concept, so it can never
 * match a gold pair: a participating system could not have submitted it. It stays a suggestion
 * for the curator (who may give the mention its id); `biore evaluate` leaves it out of the
 * submission and reports how many it left out and the score with them in.
 */
import { argumentConceptIds, type Document, type Relation } from '../document/document';
import { isLocalId } from '../document/conceptIds';
import type { Candidate } from '../tasks/candidatePairs';
import type { TaskName } from '../tasks/definitions';

/** Tasks whose official tuples are vocabulary ids (document-local ids cannot be submitted). */
const ID_PAIR_TASKS: ReadonlySet<TaskName> = new Set(['cdr']);

/** True when the task's submission takes only vocabulary ids. */
export const submitsIdPairs = (task: TaskName): boolean => ID_PAIR_TASKS.has(task);

/** What an evaluation reports of the pairs it did not submit: how many, and the score with them in. */
export interface LocalPairs {
  leftOut: number;
  withThem: { precision: number; recall: number; f1: number };
}

/** True when a relation names a vocabulary concept in every argument. */
export function submittable(doc: Document, r: Relation): boolean {
  return r.args.every((a) => {
    const ids = argumentConceptIds(doc, a.ref);
    return ids.length > 0 && ids.some((id) => !isLocalId(id));
  });
}

/** Copies of `docs` with only the relations a submission of `task` may hold, and how many were left out. */
export function submittedDocuments(task: TaskName, docs: readonly Document[]): { documents: Document[]; leftOut: number } {
  if (!submitsIdPairs(task)) return { documents: [...docs], leftOut: 0 };
  let leftOut = 0;
  const documents = docs.map((d) => {
    const relations = d.relations.filter((r) => submittable(d, r) || (leftOut++, false));
    return { ...d, relations };
  });
  return { documents, leftOut };
}

/**
 * Predictions as submitted: a positive prediction on a candidate that names a document-local
 * concept becomes `none` (index 0) for tasks scored on vocabulary ids; others pass unchanged.
 */
export function submittedPredictions<P extends { label: number }>(task: TaskName, candidates: readonly Candidate[], predictions: readonly P[]): { predictions: P[]; leftOut: number } {
  if (!submitsIdPairs(task)) return { predictions: [...predictions], leftOut: 0 };
  let leftOut = 0;
  const out = predictions.map((p, i) => {
    const c = candidates[i]!;
    const local = [c.head, c.tail].some((a) => a.kind === 'concept' && isLocalId(a.id));
    if (p.label === 0 || !local) return p;
    leftOut++;
    return { ...p, label: 0 };
  });
  return { predictions: out, leftOut };
}
