/**
 * Replays a file's curation (suggestions + decisions) over one document read from the file.
 * The result has the mentions as the curator left them, one row per relation (gold, suggested,
 * added) with its effective status, and the relations that an export writes.
 */
import {
  annotationExtent,
  documentAnnotations,
  documentText,
  passageAt,
  type Annotation,
  type Document,
  type Relation,
  type RelationArgument,
  type Span,
} from '../document/document';
import { splitSentences } from '../text/sentences';
import type { TaskName } from '../tasks/definitions';
import { effectiveDecisions, keyOfRelation, type Decision, type RowStatus, type Suggestion } from './decisions';

/** One relation as the curator sees it. */
export interface RelationRow {
  key: string;
  docId: string;
  type: string;
  args: RelationArgument[];
  status: RowStatus;
  /** The file itself holds this relation. */
  gold: boolean;
  /** The curator added it by hand. */
  added: boolean;
  /** Model confidence, when the model suggested it. */
  score?: number;
  task?: TaskName;
  model?: string;
  /** Document offsets of the supporting sentence(s), when known. */
  evidence?: Span;
  /** The document rule that proposed it (the model alone said `none`). */
  rule?: string;
}

/** A document after curation. */
export interface CuratedDocument {
  /** The document with mention edits applied and `relations` = what an export writes. */
  document: Document;
  rows: RelationRow[];
}

/** Attribute keys the export writes on curated relations (BioC infons). */
export const EVIDENCE_KEY = 'evidence';
export const EVIDENCE_OFFSET_KEY = 'evidence_offset';
export const EVIDENCE_LENGTH_KEY = 'evidence_length';
export const MODEL_KEY = 'model';
export const TASK_KEY = 'task';
export const RULE_KEY = 'rule';

/** Statuses whose relations an export keeps. */
const EXPORTED: ReadonlySet<RowStatus> = new Set(['gold', 'accepted', 'added']);

function cloneDocument(doc: Document): Document {
  return {
    ...doc,
    attributes: { ...doc.attributes },
    passages: doc.passages.map((p) => ({ ...p, attributes: { ...p.attributes }, annotations: p.annotations.map((a) => ({ ...a })) })),
    relations: [...doc.relations],
  };
}

function applyMentionDecision(doc: Document, d: Decision): void {
  switch (d.op) {
    case 'mention/add': {
      const p = passageAt(doc, d.span.start);
      if (!p || d.span.end > p.offset + p.text.length) return; // outside every passage: nothing to attach to
      const a: Annotation = { id: d.id, type: d.type, spans: [{ ...d.span }], text: d.text, ids: [...d.ids], attributes: { ...(d.attributes ?? {}) } };
      const at = p.annotations.findIndex((x) => annotationExtent(x).start > d.span.start);
      if (at < 0) p.annotations.push(a);
      else p.annotations.splice(at, 0, a);
      return;
    }
    case 'mention/update':
      for (const p of doc.passages) {
        const a = p.annotations.find((x) => x.id === d.id);
        if (!a) continue;
        if (d.type !== undefined) a.type = d.type;
        if (d.ids !== undefined) a.ids = [...d.ids];
      }
      return;
    case 'mention/delete':
      for (const p of doc.passages) p.annotations = p.annotations.filter((x) => x.id !== d.id);
      return;
    default:
      return;
  }
}

/**
 * The sentence(s) where a relation's arguments meet: the first sentence holding a mention of
 * each argument, else the span from the first mention of one to the nearest of the other.
 */
export function findEvidence(doc: Document, args: readonly RelationArgument[], text = documentText(doc), sentences?: () => Span[]): Span | undefined {
  const mentions = documentAnnotations(doc);
  const extents = args.map((arg) =>
    mentions.filter((m) => (arg.ref.kind === 'annotation' ? m.id === arg.ref.id : m.ids.includes(arg.ref.id))).map(annotationExtent),
  );
  if (extents.length === 0 || extents.some((e) => e.length === 0)) return undefined;
  const sentenceSpans = sentences ? sentences() : splitSentences(text);
  const inside = (s: Span, e: Span): boolean => e.start >= s.start && e.end <= s.end;
  for (const s of sentenceSpans) if (extents.every((list) => list.some((e) => inside(s, e)))) return s;
  const all = extents.flat();
  const start = Math.min(...all.map((e) => e.start));
  const end = Math.max(...all.map((e) => e.end));
  const first = sentenceSpans.find((s) => s.end > start);
  const last = [...sentenceSpans].reverse().find((s) => s.start < end);
  return { start: first?.start ?? start, end: last?.end ?? end };
}

/** A relation stays while each argument still has a mention (by id, or any mention of the concept). */
function argumentsExist(doc: Document, args: readonly RelationArgument[]): boolean {
  const mentions = documentAnnotations(doc);
  const ids = new Set(mentions.map((a) => a.id));
  const concepts = new Set(mentions.flatMap((a) => a.ids));
  return args.every((a) => (a.ref.kind === 'concept' ? concepts.has(a.ref.id) : ids.has(a.ref.id)));
}

/**
 * Replays `decisions` (all of the file's; only this document's are used) and `suggestions` over
 * `original`, which is not modified. Rows come in order: the file's relations, then suggestions
 * (by descending score), then relations added by hand. Rows whose mention arguments were deleted
 * disappear. The exported relations are the gold rows the curator did not reject, plus accepted
 * and added rows, with score, status, model and evidence as attributes.
 */
export function curateDocument(original: Document, suggestions: readonly Suggestion[], decisions: readonly Decision[]): CuratedDocument {
  const doc = cloneDocument(original);
  const live = effectiveDecisions(decisions).filter((d) => d.docId === original.id);
  for (const d of live) applyMentionDecision(doc, d);
  const text = documentText(doc);
  let sentenceCache: Span[] | undefined;
  // Sentence splitting is the costly part of a replay: once per document, and only when needed.
  const sentences = (): Span[] => (sentenceCache ??= splitSentences(text));

  const rows = new Map<string, RelationRow>();
  const goldRelations = new Map<string, Relation>();
  for (const r of original.relations) {
    const key = keyOfRelation(r);
    if (rows.has(key)) continue;
    goldRelations.set(key, r);
    rows.set(key, { key, docId: doc.id, type: r.type, args: r.args, status: 'gold', gold: true, added: false });
  }
  for (const s of [...suggestions].sort((a, b) => b.score - a.score)) {
    const known = rows.get(s.key);
    const fromModel = { score: s.score, task: s.task, model: s.model, evidence: s.evidence, ...(s.rule ? { rule: s.rule } : {}) };
    if (known) Object.assign(known, fromModel);
    else rows.set(s.key, { key: s.key, docId: doc.id, type: s.type, args: s.args, status: 'suggested', gold: false, added: false, ...fromModel });
  }
  for (const d of live) {
    const existing = d.op === 'relation/add' ? rows.get(d.key) : undefined;
    if (d.op === 'relation/add' && existing) {
      // The curator added by hand what the model (or the file) already had: it counts as added.
      existing.status = 'added';
      existing.added = true;
    } else if (d.op === 'relation/add') {
      const row: RelationRow = { key: d.key, docId: doc.id, type: d.type, args: d.args, status: 'added', gold: false, added: true };
      const evidence = d.evidence ?? findEvidence(doc, d.args, text, sentences);
      if (evidence) row.evidence = evidence;
      rows.set(d.key, row);
    } else if (d.op === 'relation/verdict') {
      const row = rows.get(d.key);
      if (row) row.status = d.verdict;
    }
  }
  const kept = [...rows.values()].filter((r) => argumentsExist(doc, r.args));
  for (const r of kept) {
    if (r.evidence === undefined && r.gold) {
      const e = findEvidence(doc, r.args, text, sentences);
      if (e) r.evidence = e;
    }
  }

  const usedIds = new Set(original.relations.map((r) => r.id));
  let n = 1;
  const freshId = (): string => {
    while (usedIds.has(`R${n}`)) n++;
    usedIds.add(`R${n}`);
    return `R${n}`;
  };
  doc.relations = [];
  for (const row of kept) {
    if (!EXPORTED.has(row.status)) continue;
    const gold = goldRelations.get(row.key);
    if (gold && row.status === 'gold') {
      doc.relations.push(gold); // untouched file relations are written back exactly as read
      continue;
    }
    const attributes = { ...(gold?.attributes ?? {}) };
    if (row.evidence) {
      attributes[EVIDENCE_KEY] = text.slice(row.evidence.start, row.evidence.end);
      attributes[EVIDENCE_OFFSET_KEY] = String(row.evidence.start);
      attributes[EVIDENCE_LENGTH_KEY] = String(row.evidence.end - row.evidence.start);
    }
    if (row.model !== undefined) attributes[MODEL_KEY] = row.model;
    if (row.task !== undefined) attributes[TASK_KEY] = row.task;
    if (row.rule !== undefined) attributes[RULE_KEY] = row.rule;
    const rel: Relation = { id: gold?.id ?? freshId(), type: row.type, args: row.args, attributes, status: row.status === 'gold' ? 'accepted' : row.status };
    if (row.score !== undefined) rel.score = row.score;
    doc.relations.push(rel);
  }
  return { document: doc, rows: kept };
}

/** Per-status counts of a document's rows (for CodeLens and the panel). */
export function statusCounts(rows: readonly RelationRow[]): Record<RowStatus, number> {
  const out: Record<RowStatus, number> = { gold: 0, suggested: 0, accepted: 0, rejected: 0, added: 0 };
  for (const r of rows) out[r.status]++;
  return out;
}
