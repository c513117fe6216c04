/**
 * The suggestion policy: which of a relation model's predictions a curator sees, and how they
 * join a document. One duplicate key for every path (the relation's type and arguments,
 * `keyOfRelation`): the extension's sidecar suggestions, `biore extract` and `biore annotate`.
 */
import type { Document, Relation, Span } from '../document/document';
import type { TaskName } from '../tasks/definitions';
import { keyOfRelation, type Suggestion } from './decisions';

/** A prediction as the relation predictor returns it. */
export interface PredictionLike {
  relation: Relation;
  evidence: Span;
  task?: TaskName;
  /** Label of the model that made it (overrides the label given to suggestionsFromPredictions). */
  modelLabel?: string;
}

/** What the extension keeps: the tasks asked for (in order of preference) and the confidence threshold. */
export interface SuggestionFilter {
  tasks: readonly TaskName[];
  threshold: number;
}

/** The pair a relation joins, whatever its type and direction: its argument references, sorted. */
export function argumentPairOf(r: Pick<Relation, 'args'>): string {
  return r.args
    .map((a) => `${a.ref.kind === 'concept' ? 'c' : 'a'}:${a.ref.id}`)
    .sort()
    .join('\n');
}

/** What `biore annotate` and `biore extract` keep: the tasks asked for and a minimum score. */
export interface PredictionSelection {
  /** Keep only these tasks (all when absent). */
  tasks?: readonly TaskName[];
  /** Keep only predictions scoring at least this (all when absent); document-rule suggestions too. */
  minScore?: number;
}

/**
 * The predictions of a wanted task scoring at least `minScore`, in their order. Unlike the
 * editor's threshold, a command-line minimum applies to document-rule suggestions as well: the
 * user asked for a score floor on the output file.
 */
export function selectPredictions<P extends PredictionLike>(predictions: readonly P[], selection: PredictionSelection): P[] {
  return predictions.filter((p) => {
    if (selection.tasks && !(p.task !== undefined && selection.tasks.includes(p.task))) return false;
    return selection.minScore === undefined || (p.relation.score ?? 0) >= selection.minScore;
  });
}

/**
 * Sidecar suggestions from predictions: of a wanted task, at or above the threshold, one per
 * argument pair. A document rule's suggestion is no exception to the threshold: its score is the
 * rule's calibrated probability of being right (`biore calibrate-rules`), so it is shown exactly
 * when that clears the threshold, and the hover says which rule proposed it. When several schemas
 * report the same pair (CID and BioRED's Positive_Correlation for one chemical and disease), the
 * row is the first wanted task's (then the higher score's), so a pair is never listed twice.
 */
export function suggestionsFromPredictions(predictions: readonly (PredictionLike & { task: TaskName })[], filter: SuggestionFilter, modelLabel: string): Suggestion[] {
  const best = new Map<string, { p: PredictionLike & { task: TaskName }; rank: number; score: number }>();
  for (const p of predictions) {
    const score = p.relation.score ?? 0;
    const rank = filter.tasks.indexOf(p.task);
    if (score < filter.threshold || rank < 0) continue;
    const pair = argumentPairOf(p.relation);
    const had = best.get(pair);
    if (!had || rank < had.rank || (rank === had.rank && score > had.score)) best.set(pair, { p, rank, score });
  }
  const out: Suggestion[] = [];
  for (const { p, score } of best.values()) {
    const rule = p.relation.attributes['rule'];
    out.push({ key: keyOfRelation(p.relation), type: p.relation.type, args: p.relation.args, score, task: p.task, evidence: p.evidence, model: p.modelLabel ?? modelLabel, ...(rule ? { rule } : {}) });
  }
  return out;
}

/**
 * Appends predictions to `doc` as `suggested` relations: one the document already states (same
 * key) is not added again, ids stay unique, and each carries its evidence span (`start-end`) and
 * task as attributes. Returns how many were added and how many the document already stated.
 */
export function addSuggestedRelations(doc: Document, predictions: readonly PredictionLike[]): { added: number; restated: number } {
  const used = new Set(doc.relations.map((r) => r.id));
  const present = new Set(doc.relations.map(keyOfRelation));
  let added = 0;
  let restated = 0;
  for (const p of predictions) {
    const key = keyOfRelation(p.relation);
    if (present.has(key)) {
      restated++;
      continue;
    }
    present.add(key);
    let id = p.relation.id;
    for (let n = 1; used.has(id); n++) id = `${p.relation.id}.${n}`;
    used.add(id);
    const attributes = { ...p.relation.attributes, ...(p.task ? { task: p.task } : {}), evidence: `${p.evidence.start}-${p.evidence.end}` };
    doc.relations.push({ ...p.relation, id, status: p.relation.status ?? 'suggested', attributes });
    added++;
  }
  return { added, restated };
}
