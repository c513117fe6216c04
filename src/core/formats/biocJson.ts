/**
 * BioC JSON reader and writer (the layout of BioRED's `*.BioC.JSON` and the `bioc` Python
 * library): collection{source, date, key, infons, documents[]}, document{id, infons, passages[],
 * relations[]}, passage{offset, infons, text, sentences[], annotations[], relations[]},
 * annotation{id, infons, text, locations[{offset, length}]}, relation{id, infons,
 * nodes[{refid, role}]}. A PubTator3 export (`{"PubTator3": [documents]}`) is read too.
 *
 * The input is validated with zod; the checks shared with BioC XML (locations inside their
 * passage, relation nodes that name annotations, ...) run in `buildDocument`. Every problem is a
 * `FormatError` naming the file, the JSON path (`documents[3].passages[1].annotations[0]...`)
 * and the line and column of that value.
 */
import { z } from 'zod';
import type { Attributes, Collection, Document } from '../document/document';
import { FormatError, type SourceLocation } from '../shared/errors';
import {
  ATTR_JSON_INFONS,
  annotationToInfons,
  attributesToInfons,
  buildDocument,
  jsonInfonKeys,
  relationToInfons,
  type InfonList,
  type RawAnnotation,
  type RawDocument,
  type RawPassage,
  type RawRelation,
  type RawSentence,
} from './biocMapping';

// ---------------------------------------------------------------------------------------------
// Schema

const offsetSchema = z.number().int().nonnegative();
// Ids are strings in BioC; some exporters write numbers, which we accept and stringify.
const idSchema = z.union([z.string(), z.number()]).transform((v) => String(v));
// Infon values are strings in BioC; PubTator3 also writes numbers, booleans, arrays and objects.
const infonsSchema = z.record(z.string(), z.unknown()).nullish();
const textSchema = z.string().nullish();

const locationSchema = z.object({ offset: offsetSchema, length: offsetSchema });
const annotationSchema = z.object({
  id: idSchema.nullish(),
  infons: infonsSchema,
  text: textSchema,
  locations: z.array(locationSchema).nullish(),
});
const nodeSchema = z.object({ refid: idSchema, role: z.string().nullish() });
const relationSchema = z.object({ id: idSchema.nullish(), infons: infonsSchema, nodes: z.array(nodeSchema).nullish() });
const sentenceSchema = z.object({
  offset: offsetSchema,
  infons: infonsSchema,
  text: textSchema,
  annotations: z.array(annotationSchema).nullish(),
  relations: z.array(relationSchema).nullish(),
});
const passageSchema = sentenceSchema.extend({ sentences: z.array(sentenceSchema).nullish() });
const documentSchema = z.object({
  id: idSchema,
  infons: infonsSchema,
  passages: z.array(passageSchema),
  annotations: z.array(annotationSchema).nullish(),
  relations: z.array(relationSchema).nullish(),
});
const collectionSchema = z.object({
  source: z.string().nullish(),
  date: z.string().nullish(),
  key: z.string().nullish(),
  infons: infonsSchema,
  documents: z.array(documentSchema),
});

type JsonInfons = z.infer<typeof infonsSchema>;
type JsonAnnotation = z.infer<typeof annotationSchema>;
type JsonRelation = z.infer<typeof relationSchema>;
type JsonSentence = z.infer<typeof sentenceSchema>;
type PathSegment = string | number;

// ---------------------------------------------------------------------------------------------
// Reader

/**
 * Parses a BioC JSON collection. Throws `FormatError` naming `source`, the JSON path and the
 * line/column for syntax errors, schema violations and inconsistent offsets or references.
 */
export function parseBiocJson(text: string, source: string): Collection {
  try {
    return parseUnchecked(text, source);
  } catch (e) {
    if (e instanceof FormatError) throw e;
    // Safety net: no bad input may surface as anything but a FormatError.
    throw new FormatError({ source }, `unreadable BioC JSON: ${String(e)}`);
  }
}

function parseUnchecked(text: string, source: string): Collection {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (e) {
    throw syntaxError(body, source, e);
  }
  let prefix: PathSegment[] = [];
  if (isPubTator3(data)) {
    data = { source: 'PubTator3', documents: data.PubTator3 };
    prefix = ['PubTator3'];
  }
  const parsed = collectionSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue ? issue.path.filter((p): p is PathSegment => typeof p !== 'symbol') : [];
    const fullPath = pathWithPrefix(path, prefix);
    throw new FormatError(locate(body, source, fullPath), describeIssue(data, path, issue?.message ?? 'invalid BioC JSON'));
  }
  const c = parsed.data;
  // Raw elements carry a path only; the (slower) line/column lookup runs for the one that failed.
  const table: PathTable = new WeakMap();
  const documents = c.documents.map((d, i) => {
    const where = (p: PathSegment[]): SourceLocation =>
      pathLocation(source, pathWithPrefix(['documents', i, ...p], prefix), table);
    try {
      return buildDocument(rawDocument(d, where));
    } catch (e) {
      const path = e instanceof FormatError ? table.get(e.location) : undefined;
      if (e instanceof FormatError && path) throw new FormatError(locate(body, source, path), e.detail);
      throw e;
    }
  });
  return {
    source: c.source ?? '',
    date: c.date ?? '',
    key: c.key ?? '',
    attributes: infonAttributes(c.infons),
    documents,
  };
}

function isPubTator3(data: unknown): data is { PubTator3: unknown } {
  return typeof data === 'object' && data !== null && !Array.isArray(data) && 'PubTator3' in data && !('documents' in data);
}

/** `documents[i]...` becomes `PubTator3[i]...` when the input was a PubTator3 export. */
function pathWithPrefix(path: PathSegment[], prefix: PathSegment[]): PathSegment[] {
  return prefix.length > 0 && path[0] === 'documents' ? [...prefix, ...path.slice(1)] : path;
}

function describeIssue(data: unknown, path: PathSegment[], message: string): string {
  // Name the document too: a PMID is easier to find than documents[317].
  if (path[0] === 'documents' && typeof path[1] === 'number' && typeof data === 'object' && data !== null) {
    const docs: unknown = (data as { documents?: unknown }).documents;
    const doc: unknown = Array.isArray(docs) ? docs[path[1]] : undefined;
    const id: unknown = typeof doc === 'object' && doc !== null ? (doc as { id?: unknown }).id : undefined;
    if (typeof id === 'string' || typeof id === 'number') return `document ${id}: ${message}`;
  }
  return message;
}

/** Record of string infons; non-string JSON values are kept as JSON text (see ATTR_JSON_INFONS). */
function infonList(infons: JsonInfons): InfonList {
  const out: Array<readonly [string, string]> = [];
  const jsonKeys: string[] = [];
  for (const [k, v] of Object.entries(infons ?? {})) {
    if (typeof v === 'string') {
      out.push([k, v]);
    } else {
      out.push([k, JSON.stringify(v) ?? 'null']);
      jsonKeys.push(k);
    }
  }
  if (jsonKeys.length > 0) out.push([ATTR_JSON_INFONS, JSON.stringify(jsonKeys)]);
  return out;
}

function infonAttributes(infons: JsonInfons): Attributes {
  const attrs: Attributes = {};
  for (const [k, v] of infonList(infons)) Object.defineProperty(attrs, k, { value: v, enumerable: true, writable: true, configurable: true });
  return attrs;
}

function rawDocument(d: z.infer<typeof documentSchema>, where: (p: PathSegment[]) => SourceLocation): RawDocument {
  return {
    id: d.id,
    infons: infonList(d.infons),
    passages: d.passages.map((p, i) => {
      const base: PathSegment[] = ['passages', i];
      const raw: RawPassage = {
        ...rawSentence(p, base, where),
        sentences: (p.sentences ?? []).map((s, j) => rawSentence(s, [...base, 'sentences', j], where)),
      };
      return raw;
    }),
    annotations: (d.annotations ?? []).map((a, i) => rawAnnotation(a, ['annotations', i], where)),
    relations: (d.relations ?? []).map((r, i) => rawRelation(r, ['relations', i], where)),
    where: where([]),
  };
}

function rawSentence(s: JsonSentence, base: PathSegment[], where: (p: PathSegment[]) => SourceLocation): RawSentence {
  return {
    offset: s.offset,
    infons: infonList(s.infons),
    text: s.text ?? undefined,
    annotations: (s.annotations ?? []).map((a, i) => rawAnnotation(a, [...base, 'annotations', i], where)),
    relations: (s.relations ?? []).map((r, i) => rawRelation(r, [...base, 'relations', i], where)),
    where: where(base),
  };
}

function rawAnnotation(a: JsonAnnotation, base: PathSegment[], where: (p: PathSegment[]) => SourceLocation): RawAnnotation {
  return {
    id: a.id ?? undefined,
    infons: infonList(a.infons),
    text: a.text ?? '',
    locations: (a.locations ?? []).map((l, i) => ({ ...l, where: where([...base, 'locations', i]) })),
    where: where(base),
  };
}

function rawRelation(r: JsonRelation, base: PathSegment[], where: (p: PathSegment[]) => SourceLocation): RawRelation {
  return {
    id: r.id ?? undefined,
    infons: infonList(r.infons),
    nodes: (r.nodes ?? []).map((n, i) => ({ refid: n.refid, role: n.role ?? '', where: where([...base, 'nodes', i]) })),
    where: where(base),
  };
}

// ---------------------------------------------------------------------------------------------
// Error positions

/** Formats a JSON path for messages: `documents[3].passages[1].text` (`(top level)` when empty). */
export function formatJsonPath(path: readonly PathSegment[]): string {
  let s = '';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(p)) s += s === '' ? p : `.${p}`;
    else s += `[${JSON.stringify(p)}]`;
  }
  return s === '' ? '(top level)' : s;
}

/** Where each raw element came from, as JSON path segments (for line numbers on errors). */
type PathTable = WeakMap<SourceLocation, PathSegment[]>;

function pathLocation(source: string, path: PathSegment[], table: PathTable): SourceLocation {
  const loc: SourceLocation = { source, element: formatJsonPath(path) };
  table.set(loc, path);
  return loc;
}

/** The location of the value at `path`, with its line and column when the scanner finds it. */
function locate(text: string, source: string, path: PathSegment[]): SourceLocation {
  const loc: SourceLocation = { source };
  const at = findJsonPath(text, path);
  if (at !== undefined) Object.assign(loc, lineColumn(text, at));
  loc.element = formatJsonPath(path);
  return loc;
}

function syntaxError(text: string, source: string, e: unknown): FormatError {
  const message = e instanceof Error ? e.message : String(e);
  const m = /position (\d+)/.exec(message);
  const at = m ? Number(m[1]) : text.length;
  const { line, column } = lineColumn(text, at);
  return new FormatError({ source, line, column }, `invalid JSON: ${message}`);
}

function lineColumn(text: string, at: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(at, text.length);
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * Index in `text` (valid JSON) where the value at `path` starts, or undefined. A small scanner
 * that walks only the objects and arrays on the path, skipping everything else.
 */
function findJsonPath(text: string, path: readonly PathSegment[]): number | undefined {
  let i = skipWs(text, 0);
  for (const seg of path) {
    const open = text[i];
    if (typeof seg === 'number') {
      if (open !== '[') return undefined;
      i = skipWs(text, i + 1);
      for (let k = 0; k < seg; k++) {
        if (text[i] === ']') return undefined;
        i = skipWs(text, skipValue(text, i));
        if (text[i] !== ',') return undefined;
        i = skipWs(text, i + 1);
      }
      if (text[i] === ']') return undefined;
    } else {
      if (open !== '{') return undefined;
      i = skipWs(text, i + 1);
      let found = false;
      while (text[i] === '"') {
        const keyEnd = skipString(text, i);
        const key: unknown = JSON.parse(text.slice(i, keyEnd));
        i = skipWs(text, keyEnd);
        if (text[i] !== ':') return undefined;
        i = skipWs(text, i + 1);
        if (key === seg) {
          found = true;
          break;
        }
        i = skipWs(text, skipValue(text, i));
        if (text[i] === ',') i = skipWs(text, i + 1);
      }
      if (!found) return undefined;
    }
  }
  return i;
}

function skipWs(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  return i;
}

function skipString(text: string, i: number): number {
  // i is at the opening quote; returns the index after the closing quote.
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (c === '\\') j++;
    else if (c === '"') return j + 1;
  }
  return text.length;
}

function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text[j];
      if (d === '"') j = skipString(text, j) - 1;
      else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return text.length;
  }
  let j = i;
  while (j < text.length && !/[\s,\]}]/.test(text[j] as string)) j++;
  return j;
}

// ---------------------------------------------------------------------------------------------
// Writer

/** Infons as a JSON object; values that were JSON (not strings) in the source go back as JSON. */
function infonObject(infons: InfonList, attrs: Attributes): Record<string, unknown> {
  const jsonKeys = jsonInfonKeys(attrs);
  const out: Record<string, unknown> = {};
  for (const [k, v] of infons) {
    let value: unknown = v;
    if (jsonKeys.has(k)) {
      try {
        value = JSON.parse(v);
      } catch {
        value = v;
      }
    }
    Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** One document as a BioC JSON object (for callers that assemble their own output). */
export function biocJsonDocument(doc: Document): Record<string, unknown> {
  return {
    id: doc.id,
    infons: infonObject(attributesToInfons(doc.attributes), doc.attributes),
    passages: doc.passages.map((p) => ({
      offset: p.offset,
      infons: infonObject(attributesToInfons(p.attributes), p.attributes),
      text: p.text,
      sentences: [],
      annotations: p.annotations.map((a) => ({
        id: a.id,
        infons: infonObject(annotationToInfons(a), a.attributes),
        text: a.text,
        locations: a.spans.map((s) => ({ offset: s.start, length: s.end - s.start })),
      })),
      relations: [],
    })),
    relations: doc.relations.map((r) => {
      const { infons, nodes } = relationToInfons(r);
      return { id: r.id, infons: infonObject(infons, r.attributes), nodes };
    }),
  };
}

/** A collection as BioC JSON, indented by one space like the BioRED files. */
export function writeBiocJson(collection: Collection): string {
  return biocJsonHeader(collection) + collection.documents.map((d, i) => biocJsonDocumentText(d, i)).join('') + biocJsonFooter();
}

/**
 * Streaming writer, part 1: the collection fields and the opening of `documents`. Followed by
 * `biocJsonDocumentText(doc, index)` per document and `biocJsonFooter()`; together they produce
 * exactly `writeBiocJson`'s output without holding the collection in memory.
 */
export function biocJsonHeader(c: Pick<Collection, 'source' | 'date' | 'key' | 'attributes'>): string {
  const head = {
    source: c.source,
    date: c.date,
    key: c.key,
    infons: infonObject(attributesToInfons(c.attributes), c.attributes),
  };
  const text = JSON.stringify(head, null, 1);
  return `${text.slice(0, -2)},\n "documents": [`;
}

/** Streaming writer, part 2: one document, indented as inside `documents` (index 0 has no comma). */
export function biocJsonDocumentText(doc: Document, index: number): string {
  const body = JSON.stringify(biocJsonDocument(doc), null, 1).replace(/\n/g, '\n  ');
  return `${index === 0 ? '' : ','}\n  ${body}`;
}

/** Streaming writer, part 3. */
export function biocJsonFooter(): string {
  return '\n ]\n}\n';
}
