/**
 * Scorers that reproduce the official evaluation protocol of each task, on the domain model.
 *
 * Every scorer compares SETS of tuples per document (duplicates count once) and returns raw
 * counts plus micro P/R/F1 as percentages in [0, 100] (see prf.ts; never NaN).
 *
 * Document matching, common to all tasks: gold and predicted documents pair up by id. A gold
 * document missing from the predictions contributes all its gold tuples as false negatives. A
 * predicted document with no gold counterpart is ignored and listed in `ignoredDocuments`
 * (the DrugProt library likewise restricts scoring to the PMIDs of its gold list), so scoring a
 * subset of a corpus against a full prediction file works.
 *
 * Relation identity (which relations are "the same") is defined once in
 * src/core/tasks/definitions.ts (`relationKeys`) and shared with candidate generation.
 */
import type { Document } from '../document/document';
import { FormatError } from '../shared/errors';
import type { RelationKey, TaskName } from '../tasks/definitions';
import { NONE, TASK_RELATION_TYPES, relationKeys } from '../tasks/definitions';
import type { Prf } from './prf';
import { TypedCounter } from './prf';

/** One evaluation result. Scores are percentages in [0, 100]; counts are raw. */
export interface TaskScore {
  task: TaskName;
  /**
   * What a tuple is at this level: `official` for DDI, CDR and DrugProt; for BioRED one of
   * `pair`, `pair+type`, `pair+novelty`, `pair+type+novelty`.
   */
  level: string;
  /** Micro average over all positive types (the official headline number). */
  micro: Prf;
  /**
   * One row per relation type (every official type listed, zeros included). Empty for the
   * type-blind BioRED `pair` level; keyed by novelty (`Novel`, `No`) for `pair+novelty`.
   */
  byType: Record<string, Prf>;
  /** Distinct gold tuples (after removing duplicates). */
  gold: number;
  /** Distinct predicted tuples in documents that have gold (after removing duplicates). */
  predicted: number;
  /** Ids of predicted documents without gold; their relations are not scored. */
  ignoredDocuments: string[];
  /**
   * Positive relations that produced no tuple: CDR/BioRED arguments whose mention cannot be
   * found or has no concept id. Nonzero gold counts point at a reader problem.
   */
  unresolved: { gold: number; predicted: number };
}

/** The four BioRED comparison levels of the BioRED paper and BioCreative VIII track. */
export type BioRedLevel = 'pair' | 'pair+type' | 'pair+novelty' | 'pair+type+novelty';

/**
 * BioRED result: the top-level fields are the `pair+type` level (micro over the 8 types, the
 * number usually quoted for BioRED relation extraction); `levels` holds all four.
 */
export interface BioRedScore extends TaskScore {
  levels: Record<BioRedLevel, TaskScore>;
}

/** Names used in error messages (defaults `gold` and `prediction`). */
export interface ScoreOptions {
  goldSource?: string;
  predictedSource?: string;
}

/** How a relation key becomes a tuple at one level: its set key and the row it counts in. */
interface Level {
  name: string;
  /** Row labels always reported (all official types); empty for a type-blind level. */
  labels: readonly string[];
  /** Whether to report `byType` at all. */
  typed: boolean;
  tuple(k: RelationKey): { key: string; label: string };
}

const SEP = '\u0001';

/** Tuples of a set of documents: document id -> tuple key -> row label. */
interface TupleSets {
  byDoc: Map<string, Map<string, string>>;
  unresolved: number;
}

function collect(
  task: TaskName,
  docs: readonly Document[],
  source: string,
  level: Level,
  fallback: (id: string) => Document | undefined,
  keep: (id: string) => boolean,
): TupleSets {
  const byDoc = new Map<string, Map<string, string>>();
  let unresolved = 0;
  for (const doc of docs) {
    if (byDoc.has(doc.id)) {
      // Two documents with one id would silently merge tuples whose annotation ids collide.
      throw new FormatError({ source, element: `document ${doc.id}` }, 'duplicate document id');
    }
    const tuples = new Map<string, string>();
    byDoc.set(doc.id, tuples);
    // Types are checked in every document, even ignored ones: an unknown label is a bug in the
    // producer wherever it occurs, and dropping it silently would hide it.
    const ctx = { source, fallback: fallback(doc.id) };
    for (const rel of doc.relations) {
      const keys = relationKeys(task, doc, rel, ctx);
      if (keys === NONE || !keep(doc.id)) continue;
      if (keys.length === 0) unresolved++;
      for (const k of keys) {
        const t = level.tuple(k);
        tuples.set(t.key, t.label);
      }
    }
  }
  return { byDoc, unresolved };
}

function scoreLevel(task: TaskName, gold: readonly Document[], predicted: readonly Document[], level: Level, options: ScoreOptions): TaskScore {
  const goldById = new Map(gold.map((d) => [d.id, d] as const));
  const g = collect(task, gold, options.goldSource ?? 'gold', level, () => undefined, () => true);
  const p = collect(task, predicted, options.predictedSource ?? 'prediction', level, (id) => goldById.get(id), (id) => goldById.has(id));
  const counter = new TypedCounter(level.labels);
  let nGold = 0;
  let nPred = 0;
  for (const [docId, goldTuples] of g.byDoc) {
    const predTuples = p.byDoc.get(docId) ?? new Map<string, string>();
    nGold += goldTuples.size;
    nPred += predTuples.size;
    for (const [key, label] of goldTuples) {
      if (predTuples.has(key)) counter.tp(label);
      else counter.fn(label);
    }
    for (const [key, label] of predTuples) {
      if (!goldTuples.has(key)) counter.fp(label);
    }
  }
  return {
    task,
    level: level.name,
    micro: counter.micro(),
    byType: level.typed ? counter.byType() : {},
    gold: nGold,
    predicted: nPred,
    ignoredDocuments: predicted.filter((d) => !goldById.has(d.id)).map((d) => d.id),
    unresolved: { gold: g.unresolved, predicted: p.unresolved },
  };
}

function officialLevel(task: TaskName): Level {
  return {
    name: 'official',
    labels: TASK_RELATION_TYPES[task],
    typed: true,
    tuple: (k) => ({ key: `${k.pair}${SEP}${k.type}`, label: k.type }),
  };
}

/**
 * DDI-2013 relation classification, micro P/R/F1 over mechanism, effect, advise and int.
 *
 * A tuple is (document, unordered pair of annotation ids, type): argument order does not matter.
 * Negative relations (`none`, DDI's `false`) are not tuples, so predicting a positive type for a
 * gold-negative pair is a false positive of the predicted type, and a missed or mistyped gold
 * pair is a false negative of its gold type (a mistyped pair counts once as FP and once as FN,
 * as in the official classification evaluation).
 */
export function scoreDdi(gold: readonly Document[], predicted: readonly Document[], options: ScoreOptions = {}): TaskScore {
  return scoreLevel('ddi', gold, predicted, officialLevel('ddi'), options);
}

/**
 * BioCreative V CDR chemical-induced disease relations: micro P/R/F1 over distinct
 * (document, chemical MeSH id, disease MeSH id) tuples of type CID.
 *
 * Arguments may be concept refs (as PubTator gives them) or mention refs, resolved to the
 * mention's ids in the relation's document, else in the gold document of the same id. A
 * composite mention contributes every one of its ids (cross product of single-id pairs), since
 * the official evaluation compares single ids.
 */
export function scoreCdr(gold: readonly Document[], predicted: readonly Document[], options: ScoreOptions = {}): TaskScore {
  return scoreLevel('cdr', gold, predicted, officialLevel('cdr'), options);
}

/**
 * DrugProt (BioCreative VII track 1): micro P/R/F1 over the 13 relation types, on distinct
 * (document, Arg1 annotation id, Arg2 annotation id, type) tuples. Directed: Arg1 is the
 * chemical, Arg2 the gene; a reversed pair does not match.
 *
 * A relation of a type outside the 13 (and not `none`) throws `UnknownRelationTypeError`
 * naming it, rather than being dropped.
 */
export function scoreDrugProt(gold: readonly Document[], predicted: readonly Document[], options: ScoreOptions = {}): TaskScore {
  return scoreLevel('drugprot', gold, predicted, officialLevel('drugprot'), options);
}

const BIORED_LEVELS: Record<BioRedLevel, Level> = {
  pair: { name: 'pair', labels: [], typed: false, tuple: (k) => ({ key: k.pair, label: 'pair' }) },
  'pair+type': { ...officialLevel('biored'), name: 'pair+type' },
  'pair+novelty': {
    name: 'pair+novelty',
    labels: ['Novel', 'No'],
    typed: true,
    tuple: (k) => ({ key: `${k.pair}${SEP}${k.novelty}`, label: k.novelty || '(missing)' }),
  },
  'pair+type+novelty': {
    name: 'pair+type+novelty',
    labels: TASK_RELATION_TYPES.biored,
    typed: true,
    tuple: (k) => ({ key: `${k.pair}${SEP}${k.type}${SEP}${k.novelty}`, label: k.type }),
  },
};

/**
 * BioRED document-level relation extraction, as in the BioRED paper and the BioCreative VIII
 * BioRED track: tuples are (document, unordered concept-id pair) at the `pair` level, plus the
 * relation type at `pair+type`, plus novelty (`Novel`/`No`, from the `novel` attribute) at
 * `pair+type+novelty`; `pair+novelty` is BC8's novelty-only view. Each level is a set
 * comparison, so a pair predicted with two types counts once at the `pair` level.
 * Mention refs resolve to concept ids as for CDR.
 */
export function scoreBioRed(gold: readonly Document[], predicted: readonly Document[], options: ScoreOptions = {}): BioRedScore {
  const levels = {} as Record<BioRedLevel, TaskScore>;
  for (const name of Object.keys(BIORED_LEVELS) as BioRedLevel[]) {
    levels[name] = scoreLevel('biored', gold, predicted, BIORED_LEVELS[name], options);
  }
  return { ...levels['pair+type'], levels };
}

/** The official scorer of a task (BioRED: its `pair+type` level with all levels attached). */
export function scoreTask(task: TaskName, gold: readonly Document[], predicted: readonly Document[], options: ScoreOptions = {}): TaskScore {
  switch (task) {
    case 'ddi':
      return scoreDdi(gold, predicted, options);
    case 'cdr':
      return scoreCdr(gold, predicted, options);
    case 'drugprot':
      return scoreDrugProt(gold, predicted, options);
    case 'biored':
      return scoreBioRed(gold, predicted, options);
  }
}

/** A one-line-per-row plain-text table of a score (P/R/F1 with 2 decimals). */
export function formatScore(s: TaskScore): string {
  const row = (name: string, r: Prf): string =>
    `${name.padEnd(24)} ${String(r.tp).padStart(6)} ${String(r.fp).padStart(6)} ${String(r.fn).padStart(6)} ` +
    `${r.precision.toFixed(2).padStart(7)} ${r.recall.toFixed(2).padStart(7)} ${r.f1.toFixed(2).padStart(7)}`;
  const lines = [
    `${s.task} (${s.level}): gold ${s.gold}, predicted ${s.predicted}`,
    `${'type'.padEnd(24)} ${'tp'.padStart(6)} ${'fp'.padStart(6)} ${'fn'.padStart(6)} ${'P'.padStart(7)} ${'R'.padStart(7)} ${'F1'.padStart(7)}`,
    ...Object.entries(s.byType).map(([t, r]) => row(t, r)),
    row('micro', s.micro),
  ];
  return lines.join('\n');
}
