/**
 * Candidate generation for the four tasks, the recall ceiling of a candidate set, and the
 * way back from a classified candidate to a relation the scorers and writers understand.
 *
 * Per-task rules live in ddi.ts, cdr.ts, drugprot.ts and biored.ts; the Candidate type and the
 * shared building blocks in candidate.ts; relation identity in definitions.ts.
 */
import type { Document, Relation, RelationArgument } from '../document/document';
import type { Candidate } from './candidatePairs';
import type { BioRedCandidateOptions } from './biored';
import type { TaskName } from './definitions';
import { bioredCandidates } from './biored';
import { cdrCandidates } from './cdr';
import { ddiCandidates, type DdiCandidateOptions } from './ddi';
import { NONE, TASK_RELATION_TYPES, canonicalType, isUndirected, pairKey, relationKeys } from './definitions';
import { drugprotCandidates } from './drugprot';

export type { Candidate, CandidateArg, CandidateMention, CandidateOptions } from './candidatePairs';
export { bioredCandidates, cdrCandidates, ddiCandidates, drugprotCandidates };

/** Options of `generateCandidates` (the splitter, labels, BioRED's allowed type pairs, DDI's negative filters). */
export type GenerateOptions = BioRedCandidateOptions & DdiCandidateOptions;

/** The candidates of one document for a task (see the per-task generators for the rules). */
export function generateCandidates(task: TaskName, doc: Document, options: GenerateOptions = {}): Candidate[] {
  switch (task) {
    case 'ddi':
      return ddiCandidates(doc, options);
    case 'cdr':
      return cdrCandidates(doc, options);
    case 'drugprot':
      return drugprotCandidates(doc, options);
    case 'biored':
      return bioredCandidates(doc, options);
  }
}

/** The candidates of many documents, in document order. */
export function generateAllCandidates(task: TaskName, docs: readonly Document[], options: GenerateOptions = {}): Candidate[] {
  return docs.flatMap((d) => generateCandidates(task, d, options));
}

/** A gold relation no candidate can produce. */
export interface UnreachableRelation {
  documentId: string;
  relationId: string;
  type: string;
  /** The argument ids as the scorer compares them (annotation or concept ids). */
  args: [string, string];
}

/** How much of the gold a candidate set can recover, and what it looks like. */
export interface CeilingReport {
  task: TaskName;
  /** Distinct gold tuples (document, pair, type), as the official scorer counts them. */
  goldRelations: number;
  /** Gold tuples whose argument pair is some candidate's pair. */
  reachable: number;
  /** `reachable / goldRelations` as a percentage (0 when there is no gold). */
  ceiling: number;
  /** The unreachable gold tuples (first 1000, for inspection). */
  unreachable: UnreachableRelation[];
  /** Gold relations whose arguments do not resolve to ids (no tuple at all; CDR/BioRED). */
  unresolved: number;
  candidates: number;
  /** Candidates with a gold label (not `none`). */
  positives: number;
  /** `positives / candidates` as a percentage (0 when there are none). */
  positiveRatio: number;
  /** Candidates whose arguments share a sentence. */
  intraSentence: number;
  /** Positive candidates that are intra-sentence. */
  intraSentencePositives: number;
  /** Candidates with more than one gold type (DrugProt). */
  multiLabel: number;
  /** Candidates per primary label (`none` included). */
  labelCounts: Record<string, number>;
}

const MAX_LISTED = 1000;

/**
 * The recall ceiling of `candidates` on `gold`: the share of the gold tuples (as the task's
 * official scorer defines them) whose argument pair some candidate of the same document covers,
 * plus candidate statistics. The task is taken from the candidates, or `task` when there are
 * none (then the ceiling is 0).
 */
export function recallCeiling(gold: readonly Document[], candidates: readonly Candidate[], task?: TaskName): CeilingReport {
  const t = task ?? candidates[0]?.task;
  if (t === undefined) throw new TypeError('recallCeiling: no candidates, so the task must be given');
  const pairsByDoc = new Map<string, Set<string>>();
  const labelCounts: Record<string, number> = {};
  for (const l of [...TASK_RELATION_TYPES[t], NONE]) labelCounts[l] = 0;
  let positives = 0;
  let intra = 0;
  let intraPos = 0;
  let multi = 0;
  for (const c of candidates) {
    if (c.task !== t) throw new TypeError(`recallCeiling: candidate ${c.id} is for ${c.task}, not ${t}`);
    let set = pairsByDoc.get(c.documentId);
    if (!set) {
      set = new Set();
      pairsByDoc.set(c.documentId, set);
    }
    set.add(pairKey(c.head.id, c.tail.id, isUndirected(t)));
    labelCounts[c.label] = (labelCounts[c.label] ?? 0) + 1;
    const pos = c.label !== NONE;
    if (pos) positives++;
    if (c.intraSentence) intra++;
    if (c.intraSentence && pos) intraPos++;
    if (c.labels.length > 1) multi++;
  }
  let goldRelations = 0;
  let reachable = 0;
  let unresolved = 0;
  const unreachable: UnreachableRelation[] = [];
  for (const doc of gold) {
    const pairs = pairsByDoc.get(doc.id);
    const seen = new Set<string>();
    for (const rel of doc.relations) {
      const keys = relationKeys(t, doc, rel, { source: 'gold' });
      if (keys === NONE) continue;
      if (keys.length === 0) unresolved++;
      for (const k of keys) {
        const tuple = `${k.pair}\u0001${k.type}`;
        if (seen.has(tuple)) continue;
        seen.add(tuple);
        goldRelations++;
        if (pairs?.has(k.pair)) reachable++;
        else if (unreachable.length < MAX_LISTED) unreachable.push({ documentId: doc.id, relationId: rel.id, type: k.type, args: k.args });
      }
    }
  }
  const pct = (n: number, d: number): number => (d === 0 ? 0 : (100 * n) / d);
  return {
    task: t,
    goldRelations,
    reachable,
    ceiling: pct(reachable, goldRelations),
    unreachable,
    unresolved,
    candidates: candidates.length,
    positives,
    positiveRatio: pct(positives, candidates.length),
    intraSentence: intra,
    intraSentencePositives: intraPos,
    multiLabel: multi,
    labelCounts,
  };
}

/** Argument roles each task's readers and writers use. */
const ROLES: Record<TaskName, [string, string]> = {
  ddi: ['e1', 'e2'],
  cdr: ['Chemical', 'Disease'],
  drugprot: ['Arg1', 'Arg2'],
  biored: ['entity1', 'entity2'],
};

/** Details of a predicted relation. */
export interface PredictionInfo {
  /** Relation id (default: the candidate id). */
  id?: string;
  /** Model confidence in [0, 1]. */
  score?: number;
  /** BioRED: predicted novelty. */
  novelty?: string;
}

/**
 * The relation a candidate classified as `type` stands for, in the shape the task's readers
 * produce (mention refs for DDI/DrugProt, concept refs for CDR/BioRED; roles e1/e2, Arg1/Arg2,
 * Chemical/Disease, entity1/entity2), marked `suggested`. Returns undefined for `none`; throws
 * `TypeError` for a type the task lacks.
 */
export function candidateToRelation(c: Candidate, type: string, info: PredictionInfo = {}): Relation | undefined {
  const canonical = canonicalType(c.task, { type, attributes: {} });
  if (canonical === undefined) throw new TypeError(`${c.task} has no relation type "${type}"`);
  if (canonical === NONE) return undefined;
  const [r1, r2] = ROLES[c.task];
  const kind = c.head.kind === 'mention' ? 'annotation' : 'concept';
  const args: RelationArgument[] = [
    { role: r1, ref: { kind, id: c.head.id } },
    { role: r2, ref: { kind, id: c.tail.id } },
  ];
  const rel: Relation = { id: info.id ?? c.id, type: canonical, args, attributes: {}, status: 'suggested' };
  if (info.score !== undefined) rel.score = info.score;
  if (c.task === 'biored' && info.novelty !== undefined) rel.attributes['novel'] = info.novelty;
  return rel;
}
