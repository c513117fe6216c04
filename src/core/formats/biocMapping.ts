/**
 * BioC <-> model mapping shared by the BioC XML and BioC JSON readers and writers.
 *
 * Both readers first build a "raw" tree that mirrors BioC one to one (infons as ordered
 * key/value lists, offset+length locations, nodes) and remember where each element came from
 * (file line/column for XML, a JSON path for JSON). `buildDocument` then checks the tree and turns
 * it into a model `Document`, so both formats apply exactly the same rules and error messages.
 *
 * Round trips: everything the model has no field for is kept in `attributes`. A few bookkeeping
 * attributes (prefix `bioc:`) remember how the file spelled things the model normalizes away, so
 * that writing reproduces the same infon keys:
 * - `bioc:idKey` / `bioc:idRaw`: which infon held the concept ids (`identifier`, `MESH`, ...) and
 *   its raw string; the writer reuses the raw string only while it still parses to `ids`.
 * - `bioc:typeKey`: `relation` when a relation's type came from BC5CDR's `relation` infon.
 * - `bioc:jsonInfons`: JSON array of infon keys whose JSON values were not strings.
 * Attributes with the `bioc:` prefix are never written out as infons.
 */
import type {
  Annotation,
  Attributes,
  CurationStatus,
  Document,
  Passage,
  Relation,
  RelationArgument,
  Span,
} from '../document/document';
import { DEFAULT_LIMITS, FormatError, type SourceLocation } from '../shared/errors';

/** Infons in file order. XML may repeat a key; as in the BioC libraries, the last one wins. */
export type InfonList = Array<readonly [string, string]>;

/** Attribute that records which infon held an annotation's concept ids. */
export const ATTR_ID_KEY = 'bioc:idKey';
/** Attribute that records the raw concept-id infon string. */
export const ATTR_ID_RAW = 'bioc:idRaw';
/** Attribute that records a relation type infon key other than `type` (BC5CDR's `relation`). */
export const ATTR_TYPE_KEY = 'bioc:typeKey';
/** Attribute listing (as a JSON array) the infon keys whose BioC JSON values were not strings. */
export const ATTR_JSON_INFONS = 'bioc:jsonInfons';

/** Prefix of bookkeeping attributes that are never written as infons. */
const INTERNAL_PREFIX = 'bioc:';

/** Infon keys that hold concept ids, in order of preference when several are present. */
const ID_KEYS = ['identifier', 'Identifier', 'MESH', 'NCBI Gene', 'NCBI_Gene'] as const;

/** Relation infon keys that name a concept argument (BioRED entity1/entity2, BC5CDR CID). */
const CONCEPT_ROLE_KEY = /^(?:entity\d+|Chemical|Disease)$/;
/** Infon key prefix the writer uses for concept arguments whose role is not one of the above. */
const CONCEPT_PREFIX = 'concept:';

const STATUSES: ReadonlySet<string> = new Set<CurationStatus>([
  'gold',
  'suggested',
  'accepted',
  'rejected',
  'added',
]);

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

// ---------------------------------------------------------------------------------------------
// Raw BioC tree (what both readers produce before validation)

/** A `<location>` with the place it was read from. */
export interface RawLocation {
  offset: number;
  length: number;
  where: SourceLocation;
}

/** A BioC annotation before validation. */
export interface RawAnnotation {
  id: string | undefined;
  infons: InfonList;
  locations: RawLocation[];
  text: string;
  where: SourceLocation;
}

/** A BioC relation node (`refid` names an annotation of the same document). */
export interface RawNode {
  refid: string;
  role: string;
  where: SourceLocation;
}

/** A BioC relation before validation. */
export interface RawRelation {
  id: string | undefined;
  infons: InfonList;
  nodes: RawNode[];
  where: SourceLocation;
}

/** A BioC sentence (or the sentence-like part of a passage) before validation. */
export interface RawSentence {
  offset: number | undefined;
  infons: InfonList;
  text: string | undefined;
  annotations: RawAnnotation[];
  relations: RawRelation[];
  where: SourceLocation;
}

/** A BioC passage before validation. */
export interface RawPassage extends RawSentence {
  sentences: RawSentence[];
}

/** A BioC document before validation. */
export interface RawDocument {
  id: string | undefined;
  infons: InfonList;
  passages: RawPassage[];
  /** Document-level annotations (BioC JSON allows them); placed into their passage. */
  annotations: RawAnnotation[];
  relations: RawRelation[];
  where: SourceLocation;
}

// ---------------------------------------------------------------------------------------------
// Attribute helpers

/**
 * Sets an attribute as an own property even for keys such as `__proto__`, which a plain
 * assignment would silently drop (infon keys come from untrusted files).
 */
export function setAttribute(attrs: Attributes, key: string, value: string): void {
  Object.defineProperty(attrs, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Infons -> attributes (last duplicate wins). */
export function infonsToAttributes(infons: InfonList): Attributes {
  const attrs: Attributes = {};
  for (const [k, v] of infons) setAttribute(attrs, k, v);
  return attrs;
}

/** Attributes -> infons, leaving out `bioc:` bookkeeping and the keys in `exclude`. */
export function attributesToInfons(attrs: Attributes, exclude?: ReadonlySet<string>): InfonList {
  const out: Array<readonly [string, string]> = [];
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith(INTERNAL_PREFIX) || exclude?.has(k)) continue;
    out.push([k, v]);
  }
  return out;
}

/** The infon keys whose BioC JSON values must be written back as JSON values, not strings. */
export function jsonInfonKeys(attrs: Attributes): ReadonlySet<string> {
  const raw = attrs[ATTR_JSON_INFONS];
  if (raw === undefined) return new Set();
  try {
    const parsed: unknown = JSON.parse(raw);
    return new Set(Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : []);
  } catch {
    return new Set();
  }
}

function lastWins(infons: InfonList): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of infons) m.set(k, v);
  return m;
}

// ---------------------------------------------------------------------------------------------
// Concept ids

/**
 * Splits a concept-id infon into ids. BC5CDR `MESH` composites are `|`-separated and `-1`
 * means unknown; BioRED/PubTator `identifier` values are whole strings (`c|DEL||32`, and
 * `D015458|D016399` is one concept in BioRED relations), so only `,` separates ids there, and
 * `-` means unknown. Gene infons also accept `;`.
 */
export function parseConceptIds(key: string, raw: string): string[] {
  const trimmed = raw.trim();
  if (trimmed === '' || trimmed === '-' || trimmed === '-1') return [];
  let parts: string[];
  if (key === 'MESH') parts = trimmed.split('|');
  else if (key === 'NCBI Gene' || key === 'NCBI_Gene') parts = trimmed.split(/[;,]/);
  else parts = trimmed.split(',');
  return parts.map((s) => s.trim()).filter((s) => s !== '' && s !== '-' && s !== '-1');
}

/** Joins ids the way `parseConceptIds` splits them for `key` (`-1` for an empty MESH). */
export function joinConceptIds(key: string, ids: readonly string[]): string {
  if (key === 'MESH') return ids.length === 0 ? '-1' : ids.join('|');
  if (key === 'NCBI Gene' || key === 'NCBI_Gene') return ids.join(';');
  return ids.join(',');
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// ---------------------------------------------------------------------------------------------
// Annotations

/** Model fields derived from an annotation's infons. */
export interface AnnotationInfonFields {
  type: string;
  ids: string[];
  attributes: Attributes;
}

/** Reads `type`, the concept ids and the remaining attributes from annotation infons. */
export function annotationFromInfons(infons: InfonList): AnnotationInfonFields {
  const map = lastWins(infons);
  const idKey = ID_KEYS.find((k) => map.has(k));
  const attributes: Attributes = {};
  let type = '';
  let ids: string[] = [];
  for (const [k, v] of map) {
    if (k === 'type') {
      type = v;
    } else if (k === idKey) {
      ids = parseConceptIds(k, v);
      setAttribute(attributes, ATTR_ID_KEY, k);
      setAttribute(attributes, ATTR_ID_RAW, v);
    } else {
      setAttribute(attributes, k, v);
    }
  }
  return { type, ids, attributes };
}

/**
 * Annotation -> infons. The concept-id infon keeps its original key and raw string as long as
 * the raw string still parses to the current ids (edits replace it by the joined ids). The key
 * order follows the corpora: BioRED writes `identifier` first, BC5CDR writes `MESH` last.
 */
export function annotationToInfons(a: Annotation): InfonList {
  const idKey = a.attributes[ATTR_ID_KEY] ?? 'identifier';
  const raw = a.attributes[ATTR_ID_RAW];
  let idValue: string | undefined;
  if (raw !== undefined && sameIds(parseConceptIds(idKey, raw), a.ids)) idValue = raw;
  else if (a.ids.length > 0) idValue = joinConceptIds(idKey, a.ids);
  const typeInfon: InfonList = a.type !== '' ? [['type', a.type]] : [];
  const idInfon: InfonList = idValue !== undefined ? [[idKey, idValue]] : [];
  const others = attributesToInfons(a.attributes, new Set(['type', idKey]));
  return idKey === 'identifier' || idKey === 'Identifier'
    ? [...idInfon, ...typeInfon, ...others]
    : [...typeInfon, ...others, ...idInfon];
}

// ---------------------------------------------------------------------------------------------
// Relations

/** Model fields derived from a relation's infons and nodes (everything but the id). */
export type RelationFields = Omit<Relation, 'id'>;

/**
 * Reads a relation: `type` (or BC5CDR's `relation`) -> type; `entity1`, `entity2`, `Chemical`,
 * `Disease` and `concept:<role>` infons -> concept arguments; nodes -> mention arguments;
 * `score` (a number in [0, 1]) and `status` (a curation status) -> the curation fields;
 * everything else (BioRED's `novel`, ...) -> attributes.
 */
export function relationFromInfons(
  infons: InfonList,
  nodes: ReadonlyArray<{ refid: string; role: string }>,
): RelationFields {
  const map = lastWins(infons);
  const typeKey = map.has('type') ? 'type' : map.has('relation') ? 'relation' : undefined;
  const attributes: Attributes = {};
  const args: RelationArgument[] = [];
  let type = '';
  let score: number | undefined;
  let status: CurationStatus | undefined;
  for (const [k, v] of map) {
    if (k === typeKey) {
      type = v;
    } else if (CONCEPT_ROLE_KEY.test(k)) {
      args.push({ role: k, ref: { kind: 'concept', id: v } });
    } else if (k.startsWith(CONCEPT_PREFIX)) {
      args.push({ role: k.slice(CONCEPT_PREFIX.length), ref: { kind: 'concept', id: v } });
    } else if (k === 'score' && isScore(v)) {
      score = Number(v);
    } else if (k === 'status' && STATUSES.has(v)) {
      status = v as CurationStatus;
    } else {
      setAttribute(attributes, k, v);
    }
  }
  if (typeKey === 'relation') setAttribute(attributes, ATTR_TYPE_KEY, 'relation');
  for (const n of nodes) args.push({ role: n.role, ref: { kind: 'annotation', id: n.refid } });
  const out: RelationFields = { type, args, attributes };
  if (score !== undefined) out.score = score;
  if (status !== undefined) out.status = status;
  return out;
}

function isScore(v: string): boolean {
  const t = v.trim();
  if (!DECIMAL.test(t)) return false;
  const n = Number(t);
  return Number.isFinite(n) && n >= 0 && n <= 1;
}

/** Relation -> infons plus nodes, mirroring `relationFromInfons` (BC5CDR puts the type first). */
export function relationToInfons(r: Relation): { infons: InfonList; nodes: Array<{ refid: string; role: string }> } {
  const typeKey = r.attributes[ATTR_TYPE_KEY] === 'relation' ? 'relation' : 'type';
  const used = new Set<string>([typeKey]);
  const concepts: Array<readonly [string, string]> = [];
  const nodes: Array<{ refid: string; role: string }> = [];
  for (const a of r.args) {
    if (a.ref.kind === 'concept') {
      const key = CONCEPT_ROLE_KEY.test(a.role) ? a.role : CONCEPT_PREFIX + a.role;
      concepts.push([key, a.ref.id]);
      used.add(key);
    } else {
      nodes.push({ refid: a.ref.id, role: a.role });
    }
  }
  const curation: Array<readonly [string, string]> = [];
  if (r.score !== undefined && Number.isFinite(r.score)) curation.push(['score', String(r.score)]);
  if (r.status !== undefined) curation.push(['status', r.status]);
  for (const [k] of curation) used.add(k);
  const typeInfon: InfonList = r.type !== '' ? [[typeKey, r.type]] : [];
  const others = attributesToInfons(r.attributes, used);
  const infons =
    typeKey === 'relation'
      ? [...typeInfon, ...concepts, ...others, ...curation]
      : [...concepts, ...typeInfon, ...others, ...curation];
  return { infons, nodes };
}

// ---------------------------------------------------------------------------------------------
// Raw tree -> model, with validation

function fail(where: SourceLocation, detail: string): never {
  throw new FormatError(where, detail);
}

/** Picks `prefix<n>` not in `used` (for BioC's optional annotation and relation ids). */
function freshId(prefix: string, used: Set<string>, counter: { n: number }): string {
  let id = `${prefix}${counter.n++}`;
  while (used.has(id)) id = `${prefix}${counter.n++}`;
  used.add(id);
  return id;
}

interface PendingAnnotation {
  raw: RawAnnotation;
  passage: Passage;
}

/**
 * Checks a raw BioC document and converts it to the model. Throws `FormatError` (at the
 * offending element) for: a missing document id or passage offset, overlapping or unordered
 * passages or sentences, an annotation without location or with a location outside its passage,
 * duplicate annotation or relation ids, and a relation node whose refid names no annotation.
 *
 * Sentences are flattened: their annotations join the passage, and a passage without its own
 * text gets the sentence texts placed at their offsets (gaps filled with spaces). Relations
 * found in passages or sentences move to the document (only their level is lost).
 */
export function buildDocument(raw: RawDocument): Document {
  if (raw.id === undefined) fail(raw.where, 'document has no <id>');
  const passages: Passage[] = [];
  const pending: PendingAnnotation[] = [];
  const rawRelations: RawRelation[] = [];
  let prevEnd = 0;
  for (const rp of raw.passages) {
    if (rp.offset === undefined) fail(rp.where, 'passage has no <offset>');
    const text = rp.text ?? textFromSentences(rp);
    if (rp.offset < prevEnd) {
      fail(rp.where, `passage at offset ${rp.offset} overlaps or precedes the previous passage, which ends at ${prevEnd}`);
    }
    prevEnd = rp.offset + text.length;
    const passage: Passage = { offset: rp.offset, text, attributes: infonsToAttributes(rp.infons), annotations: [] };
    passages.push(passage);
    for (const ra of rp.annotations) pending.push({ raw: ra, passage });
    rawRelations.push(...rp.relations);
    for (const s of rp.sentences) {
      for (const ra of s.annotations) pending.push({ raw: ra, passage });
      rawRelations.push(...s.relations);
    }
  }
  for (const ra of raw.annotations) {
    // Document-level annotations (BioC JSON) go to the passage that holds all their locations.
    const passage = passages.find((p) =>
      ra.locations.every((l) => l.offset >= p.offset && l.offset + l.length <= p.offset + p.text.length),
    );
    if (passage === undefined) {
      const l = ra.locations[0];
      if (l === undefined) fail(ra.where, 'annotation has no location');
      fail(l.where, `annotation location ${l.offset}+${l.length} lies in no passage`);
    }
    pending.push({ raw: ra, passage });
  }
  rawRelations.push(...raw.relations);

  const annotationIds = new Set<string>();
  for (const { raw: ra } of pending) {
    if (ra.id === undefined) continue;
    if (annotationIds.has(ra.id)) fail(ra.where, `duplicate annotation id ${ra.id}`);
    annotationIds.add(ra.id);
  }
  const relationIds = new Set<string>();
  for (const rr of rawRelations) {
    if (rr.id === undefined) continue;
    if (relationIds.has(rr.id)) fail(rr.where, `duplicate relation id ${rr.id}`);
    relationIds.add(rr.id);
  }

  const annCounter = { n: 0 };
  for (const { raw: ra, passage } of pending) {
    passage.annotations.push(buildAnnotation(ra, passage, ra.id ?? freshId('a', annotationIds, annCounter)));
  }
  const relations: Relation[] = [];
  const relCounter = { n: 0 };
  for (const rr of rawRelations) {
    for (const n of rr.nodes) {
      if (annotationIds.has(n.refid)) continue;
      if (relationIds.has(n.refid)) {
        fail(n.where, `node refid ${n.refid} names a relation; relations between relations are not supported`);
      }
      fail(n.where, `node refid ${n.refid} names no annotation of document ${raw.id}`);
    }
    relations.push({ id: rr.id ?? freshId('r', relationIds, relCounter), ...relationFromInfons(rr.infons, rr.nodes) });
  }
  return { id: raw.id, passages, relations, attributes: infonsToAttributes(raw.infons) };
}

function buildAnnotation(ra: RawAnnotation, passage: Passage, id: string): Annotation {
  if (ra.locations.length === 0) fail(ra.where, 'annotation has no location');
  const end = passage.offset + passage.text.length;
  const spans: Span[] = [];
  for (const l of ra.locations) {
    if (l.offset < passage.offset || l.offset + l.length > end) {
      fail(l.where, `annotation location ${l.offset}+${l.length} lies outside its passage [${passage.offset}, ${end})`);
    }
    spans.push({ start: l.offset, end: l.offset + l.length });
  }
  // The model keeps spans sorted; Array#sort is stable, so equal starts keep file order.
  spans.sort((a, b) => a.start - b.start);
  return { id, text: ra.text, spans, ...annotationFromInfons(ra.infons) };
}

function textFromSentences(rp: RawPassage): string {
  const base = rp.offset ?? 0;
  let text = '';
  for (const s of rp.sentences) {
    if (s.offset === undefined) fail(s.where, 'sentence has no <offset>');
    const rel = s.offset - base;
    if (rel < text.length) {
      fail(s.where, `sentence at offset ${s.offset} overlaps or precedes the previous sentence or its passage`);
    }
    // A hostile offset must not make us allocate gigabytes of padding.
    if (rel - text.length > DEFAULT_LIMITS.maxLineLength) {
      fail(s.where, `sentence at offset ${s.offset} leaves a gap longer than ${DEFAULT_LIMITS.maxLineLength} characters`);
    }
    text += ' '.repeat(rel - text.length) + (s.text ?? '');
  }
  return text;
}
