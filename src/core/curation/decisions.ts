/**
 * Curation decisions and the state they produce. A curator's work on one file is an append-only
 * list of decisions (accept, reject, undo, add or fix a mention, add a relation) over the file's
 * own mentions and relations plus the model's suggestions. The state shown in the editor and
 * exported is always recomputed from that list, so the sidecar file is the single source of truth
 * and every change stays auditable.
 *
 * Offsets follow the core convention: document-absolute, end-exclusive UTF-16 code units.
 */
import type { ArgumentRef, Relation, RelationArgument, Span } from '../document/document';
import type { TaskName } from '../tasks/definitions';

/** A relation the model suggested, as stored in the sidecar (so a reload needs no re-run). */
export interface Suggestion {
  /** Stable identity of the relation, see {@link relationKey}. */
  key: string;
  type: string;
  args: RelationArgument[];
  /** Model confidence in [0, 1]. */
  score: number;
  task: TaskName;
  /** Document offsets of the evidence sentence(s). */
  evidence: Span;
  /** Model folder (or name) that produced it. */
  model: string;
  /** Set when a task's document rule proposed it although the model's own argmax was `none`. */
  rule?: string;
}

/** Status a curator can give a relation row. `suggested` is what undo returns a suggestion to. */
export type RelationVerdict = 'accepted' | 'rejected';

/** One recorded curator action. `seq` orders them; `at` is an ISO timestamp. */
export type Decision = { seq: number; at: string; docId: string } & DecisionBody;

export type DecisionBody =
  /** The curator accepted or rejected a relation row (a suggestion, a gold or an added relation). */
  | { op: 'relation/verdict'; key: string; verdict: RelationVerdict }
  /** The curator added a relation by hand. */
  | { op: 'relation/add'; key: string; type: string; args: RelationArgument[]; evidence?: Span }
  /**
   * The curator added a mention from a selection, or accepted one Detect Mentions found; the
   * tagger's attributes (`source`, calibrated `score`, `propagated`) ride along for the hover.
   */
  | { op: 'mention/add'; id: string; type: string; span: Span; text: string; ids: string[]; attributes?: Record<string, string> }
  /** The curator fixed a mention's type and/or concept ids. */
  | { op: 'mention/update'; id: string; type?: string; ids?: string[] }
  /** The curator deleted a wrong mention. */
  | { op: 'mention/delete'; id: string }
  /** Reverts the decision with sequence number `target` (an undo is itself recorded). */
  | { op: 'undo'; target: number };

/** Effective status of a relation row after replaying the decisions. */
export type RowStatus = 'gold' | 'suggested' | 'accepted' | 'rejected' | 'added';

function refKey(ref: ArgumentRef): string {
  return `${ref.kind === 'concept' ? 'c' : 'm'}:${ref.id}`;
}

/**
 * Identity of a relation within a document: its type and arguments (concept ids or mention ids),
 * in argument order. Two predictions of the same pair and type are the same row, and a
 * prediction that repeats a relation of the file is recognised as gold.
 */
export function relationKey(type: string, args: readonly RelationArgument[]): string {
  return [type, ...args.map((a) => refKey(a.ref))].join('|');
}

/** The key of a relation read from the file. */
export function keyOfRelation(r: Pick<Relation, 'type' | 'args'>): string {
  return relationKey(r.type, r.args);
}

/** The decisions still in force: those not reverted by a later `undo`, in order. */
export function effectiveDecisions(decisions: readonly Decision[]): Decision[] {
  const undone = new Set<number>();
  // Walk backwards so an undo that was itself undone does not revert its target.
  for (let i = decisions.length - 1; i >= 0; i--) {
    const d = decisions[i]!;
    if (d.op === 'undo' && !undone.has(d.seq)) undone.add(d.target);
  }
  return decisions.filter((d) => d.op !== 'undo' && !undone.has(d.seq));
}

/**
 * The decision an undo should revert next: the latest one in force (optionally within one
 * document), or undefined when there is nothing left to undo.
 */
export function lastUndoable(decisions: readonly Decision[], docId?: string): Decision | undefined {
  const live = effectiveDecisions(decisions);
  for (let i = live.length - 1; i >= 0; i--) {
    const d = live[i]!;
    if (docId === undefined || d.docId === docId) return d;
  }
  return undefined;
}
