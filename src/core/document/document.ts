/**
 * The one domain model every format reads into and writes from:
 * collection > document > passage (offset, text) > annotation, plus document-level relations.
 *
 * Offset convention, everywhere inside the core: document-absolute, 0-based, end-exclusive
 * UTF-16 code-unit offsets (the same unit as JavaScript string indices, PubTator and BioC).
 * Format-specific conventions (DDI's sentence-relative inclusive `charOffset`, BioC's
 * offset+length) are converted in the readers and writers, never elsewhere.
 */

/** A half-open character range `[start, end)` in document-absolute offsets. */
export interface Span {
  start: number;
  end: number;
}

/** Free-form string attributes kept for lossless round trips (BioC calls them infons). */
export type Attributes = Record<string, string>;

/** A mention of an entity in the text. */
export interface Annotation {
  /** Unique within its document. */
  id: string;
  /** Entity type as the source names it (Chemical, Disease, GeneOrGeneProduct, drug, GENE-Y, ...). */
  type: string;
  /** One or more spans, sorted by start; more than one for discontinuous mentions. */
  spans: Span[];
  /** Surface text as the source gives it (for discontinuous spans, the parts joined by a space). */
  text: string;
  /**
   * Normalized concept ids (MeSH, NCBI Gene, ...). Composite mentions (`D1|D2`) have several.
   * Empty when the source has none or marks it as unknown (`-1`).
   */
  ids: string[];
  /** Everything else the source said about the mention, kept for round trips. */
  attributes: Attributes;
}

/** Curation state of a relation. Gold relations come from an annotated corpus file. */
export type CurationStatus = 'gold' | 'suggested' | 'accepted' | 'rejected' | 'added';

/** A relation argument: either a specific mention or a normalized concept. */
export type ArgumentRef = { kind: 'annotation'; id: string } | { kind: 'concept'; id: string };

export interface RelationArgument {
  /** Role name (`Arg1`, `Chemical`, `entity1`, ...). */
  role: string;
  ref: ArgumentRef;
}

/** A typed relation between two (or more) arguments of one document. */
export interface Relation {
  /** Unique within its document. */
  id: string;
  type: string;
  args: RelationArgument[];
  /** Extra attributes such as BioRED's novelty (`novel`: `Novel` | `No`). */
  attributes: Attributes;
  /** Model confidence in [0, 1], when predicted. */
  score?: number;
  status?: CurationStatus;
}

/** A contiguous piece of a document's text (title, abstract, a DDI sentence, a section). */
export interface Passage {
  /** Document-absolute offset of the first character of `text`. */
  offset: number;
  text: string;
  /** Passage attributes; `type` (title, abstract, ...) is the usual one. */
  attributes: Attributes;
  /** Mentions whose spans lie inside this passage. */
  annotations: Annotation[];
}

export interface Document {
  /** PMID where there is one, else a corpus-specific id. */
  id: string;
  /** Passages sorted by offset, non-overlapping. */
  passages: Passage[];
  relations: Relation[];
  attributes: Attributes;
}

export interface Collection {
  /** Where the collection came from (`PubTator`, a file name, ...). */
  source: string;
  date: string;
  key: string;
  attributes: Attributes;
  documents: Document[];
}

/** A new empty collection. */
export function createCollection(init: Partial<Collection> = {}): Collection {
  return { source: '', date: '', key: '', attributes: {}, documents: [], ...init };
}

/**
 * The full document text: passages placed at their offsets, gaps filled with spaces
 * (PubTator's `title + " " + abstract` comes out exactly as PubTator defines it).
 */
export function documentText(doc: Document): string {
  let out = '';
  for (const p of doc.passages) {
    if (p.offset < out.length) {
      // Overlapping passages are malformed; readers reject them, so this is a programming error.
      throw new RangeError(`document ${doc.id}: passage at ${p.offset} overlaps the previous one`);
    }
    out += ' '.repeat(p.offset - out.length) + p.text;
  }
  return out;
}

/** All mentions of a document, in passage order. */
export function documentAnnotations(doc: Document): Annotation[] {
  return doc.passages.flatMap((p) => p.annotations);
}

/** The smallest span covering all spans of an annotation. */
export function annotationExtent(a: Annotation): Span {
  let start = Infinity;
  let end = -Infinity;
  for (const s of a.spans) {
    start = Math.min(start, s.start);
    end = Math.max(end, s.end);
  }
  return { start, end };
}

/** The text an annotation's spans select (parts joined by one space for discontinuous mentions). */
export function spanText(text: string, spans: readonly Span[]): string {
  return spans.map((s) => text.slice(s.start, s.end)).join(' ');
}

/** The passage that contains a document offset, or undefined. */
export function passageAt(doc: Document, offset: number): Passage | undefined {
  return doc.passages.find((p) => offset >= p.offset && offset <= p.offset + p.text.length);
}

/** A mismatch between an annotation's stated text and the text at its offsets. */
export interface OffsetMismatch {
  documentId: string;
  annotationId: string;
  expected: string;
  actual: string;
  spans: Span[];
}

/**
 * The corpus invariant: every mention's text equals the document slice at its offsets,
 * and every span lies inside the document. Returns the violations (empty when all hold).
 */
export function checkOffsets(doc: Document): OffsetMismatch[] {
  const text = documentText(doc);
  const out: OffsetMismatch[] = [];
  for (const a of documentAnnotations(doc)) {
    const inRange = a.spans.every((s) => s.start >= 0 && s.end <= text.length && s.start <= s.end);
    const actual = inRange ? spanText(text, a.spans) : '';
    if (!inRange || actual !== a.text) {
      out.push({ documentId: doc.id, annotationId: a.id, expected: a.text, actual, spans: a.spans });
    }
  }
  return out;
}

/** Concept ids an argument refers to: the mention's ids, or the concept id itself. */
export function argumentConceptIds(doc: Document, ref: ArgumentRef): string[] {
  if (ref.kind === 'concept') return [ref.id];
  const a = documentAnnotations(doc).find((x) => x.id === ref.id);
  return a ? a.ids : [];
}
