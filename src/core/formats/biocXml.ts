/**
 * BioC XML reader (streaming, on saxes) and writer.
 *
 * Safety: saxes never reads a DTD or resolves external entities; it only knows the five
 * predefined entities and character references, and reports every other entity reference as an
 * error. We additionally reject any `<!ENTITY` declaration in the DOCTYPE (so an internal-subset
 * "billion laughs" or an external `SYSTEM "file:///..."` entity is refused outright rather than
 * half-processed) and cap entity references per document.
 *
 * Structure follows the BioC DTD: collection(source, date, key, infon*, document*),
 * document(id, infon*, passage*, relation*), passage(infon*, offset, text?, annotation*,
 * sentence*, relation*), annotation(infon*, location*, text), relation(infon*, node*).
 * Anything else is a `FormatError` at the element's line and column.
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import type { Attributes, Collection, Document } from '../document/document';
import { DEFAULT_LIMITS, FormatError, type InputLimits, type SourceLocation } from '../shared/errors';
import {
  annotationToInfons,
  attributesToInfons,
  buildDocument,
  infonsToAttributes,
  relationToInfons,
  type InfonList,
  type RawAnnotation,
  type RawDocument,
  type RawPassage,
  type RawRelation,
  type RawSentence,
} from './biocMapping';

/** The collection-level fields of a BioC file (everything but the documents). */
export interface BiocCollectionHeader {
  source: string;
  date: string;
  key: string;
  attributes: Attributes;
}

/** Options for the BioC XML readers. */
export interface BiocXmlReadOptions {
  /** Overrides for the default input limits. */
  limits?: Partial<InputLimits>;
  /** Called once with the collection header, before the first document is returned. */
  onHeader?: (header: BiocCollectionHeader) => void;
}

type LeafName = 'source' | 'date' | 'key' | 'id' | 'offset' | 'text' | 'infon';

type Frame =
  | { kind: 'root'; label: string }
  | { kind: 'collection'; label: string }
  | { kind: 'document'; label: string; raw: RawDocument }
  | { kind: 'passage'; label: string; raw: RawPassage }
  | { kind: 'sentence'; label: string; raw: RawSentence }
  | { kind: 'annotation'; label: string; raw: RawAnnotation }
  | { kind: 'relation'; label: string; raw: RawRelation }
  | { kind: 'leaf'; label: string; name: LeafName; text: string; key: string; line: number; column: number }
  | { kind: 'empty'; label: string };

const LEAVES: ReadonlySet<string> = new Set<LeafName>(['source', 'date', 'key', 'id', 'offset', 'text', 'infon']);

/** Which child elements each container accepts (BioC DTD, order not enforced). */
const CHILDREN: Readonly<Record<Frame['kind'], ReadonlySet<string>>> = {
  root: new Set(['collection']),
  collection: new Set(['source', 'date', 'key', 'infon', 'document']),
  document: new Set(['id', 'infon', 'passage', 'relation']),
  passage: new Set(['infon', 'offset', 'text', 'annotation', 'sentence', 'relation']),
  sentence: new Set(['infon', 'offset', 'text', 'annotation', 'relation']),
  annotation: new Set(['infon', 'location', 'text']),
  relation: new Set(['infon', 'node']),
  leaf: new Set(),
  empty: new Set(),
};

const NON_NEGATIVE_INT = /^\s*\d+\s*$/;

/** Parses a non-negative safe integer, or undefined. */
function parseOffset(s: string): number | undefined {
  if (!NON_NEGATIVE_INT.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Incremental BioC XML parser: feed text chunks with `write`, get back the documents completed
 * so far; `end` finishes the input. Memory stays proportional to one document, so the streaming
 * reader handles files of any size. Throws only `FormatError` for bad input; after an error the
 * parser is unusable.
 */
export class BiocXmlParser {
  private readonly sax = new SaxesParser<{ xmlns: false; position: true }>({ xmlns: false, position: true });
  private readonly source: string;
  private readonly limits: InputLimits;
  private readonly onHeader: ((h: BiocCollectionHeader) => void) | undefined;
  private readonly stack: Frame[] = [{ kind: 'root', label: '' }];
  private readonly done: Document[] = [];
  private readonly headerInfons: InfonList = [];
  private headerFields = { source: '', date: '', key: '' };
  private headerValue: BiocCollectionHeader | undefined;
  private failed: FormatError | undefined;
  private first = true;
  private tagLine = 1;
  private tagColumn = 1;
  // Entity-reference accounting: '&' positions in the current chunk, and counts before it.
  private chunkStart = 0;
  private chunkAmps: number[] = [];
  private ampsBeforeChunk = 0;
  private docAmpStart = 0;

  /** @param source file name used in error messages. */
  constructor(source: string, opts: BiocXmlReadOptions = {}) {
    this.source = source;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.onHeader = opts.onHeader;
    const sax = this.sax;
    sax.on('error', (e) => {
      // saxes prefixes "line:column: "; we put our own location in front instead.
      throw this.error(e.message.replace(/^\d+:\d+: /, ''), this.here());
    });
    sax.on('doctype', (d) => {
      if (/<!ENTITY/i.test(d)) {
        throw this.error('entity declarations are not allowed (BioC readers do no DTD processing)', this.here());
      }
    });
    sax.on('opentagstart', (t) => {
      // saxes has read "<name" plus one more character when it reports the tag start.
      this.tagLine = sax.line;
      this.tagColumn = Math.max(1, sax.column - t.name.length - 1);
    });
    sax.on('opentag', (t) => this.open(t));
    sax.on('closetag', (t) => this.close(t));
    sax.on('text', (t) => this.characters(t));
    sax.on('cdata', (t) => this.characters(t));
  }

  /** The collection header, once it has been read (at the first document). */
  get header(): BiocCollectionHeader | undefined {
    return this.headerValue;
  }

  /** Parses the next chunk of the file and returns the documents it completed. */
  write(chunk: string): Document[] {
    if (this.first && chunk.length > 0) {
      this.first = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    this.chunkAmps = [];
    for (let i = chunk.indexOf('&'); i >= 0; i = chunk.indexOf('&', i + 1)) this.chunkAmps.push(i);
    this.run(() => this.sax.write(chunk));
    this.ampsBeforeChunk += this.chunkAmps.length;
    this.chunkAmps = [];
    this.chunkStart += chunk.length;
    return this.done.splice(0);
  }

  /** Ends the input (checks that every element was closed) and returns the last documents. */
  end(): Document[] {
    this.run(() => this.sax.close());
    if (this.headerValue === undefined) throw this.error('no <collection> element', this.here());
    return this.done.splice(0);
  }

  /** A FormatError at the parser's current position (for problems found outside saxes). */
  errorHere(detail: string): FormatError {
    return this.error(detail, this.here());
  }

  private run(f: () => void): void {
    if (this.failed) throw this.failed;
    try {
      f();
    } catch (e) {
      // Anything thrown while parsing is reported as bad input, never as a crash.
      const err = e instanceof FormatError ? e : this.error(`unreadable XML: ${String(e)}`, this.here());
      this.failed = err;
      throw err;
    }
  }

  private here(): SourceLocation {
    return this.loc(this.sax.line, this.sax.column + 1);
  }

  private loc(line: number, column: number, extra = ''): SourceLocation {
    const element = this.breadcrumb(extra);
    const l: SourceLocation = { source: this.source, line, column };
    if (element !== '') l.element = element;
    return l;
  }

  /** `<document id=1> <passage offset=0> <annotation id=5>`, plus `extra` at the end. */
  private breadcrumb(extra = ''): string {
    const parts: string[] = [];
    for (const f of this.stack) if (f.label !== '' && f.kind !== 'collection') parts.push(f.label);
    if (extra !== '') parts.push(extra);
    return parts.join(' ');
  }

  private error(detail: string, where: SourceLocation): FormatError {
    return new FormatError(where, detail);
  }

  private top(): Frame {
    // The root frame is never popped, so the stack is never empty.
    return this.stack[this.stack.length - 1] as Frame;
  }

  private ampsBefore(pos: number): number {
    const rel = pos - this.chunkStart;
    const a = this.chunkAmps;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((a[mid] as number) < rel) lo = mid + 1;
      else hi = mid;
    }
    return this.ampsBeforeChunk + lo;
  }

  private checkEntities(): void {
    const n = this.ampsBefore(this.sax.position) - this.docAmpStart;
    if (n > this.limits.maxEntityExpansions) {
      throw this.error(
        `more than ${this.limits.maxEntityExpansions} entity references in one document`,
        this.here(),
      );
    }
  }

  private emitHeader(): void {
    if (this.headerValue !== undefined) return;
    this.headerValue = { ...this.headerFields, attributes: infonsToAttributes(this.headerInfons) };
    this.onHeader?.(this.headerValue);
  }

  private open(t: SaxesTagPlain): void {
    const parent = this.top();
    const name = t.name;
    // Where the element being opened is, with `label` naming it at the end of the breadcrumb.
    const where = (label: string): SourceLocation => this.loc(this.tagLine, this.tagColumn, label);
    if (!CHILDREN[parent.kind].has(name)) {
      const inside =
        parent.kind === 'root' ? 'at the top level' : `inside <${parent.kind === 'leaf' ? parent.name : parent.kind}>`;
      throw this.error(`unexpected element <${name}> ${inside}`, where(`<${name}>`));
    }
    const attr = (k: string): string | undefined => t.attributes[k];
    if (LEAVES.has(name)) {
      let key = '';
      let label = `<${name}>`;
      if (name === 'infon') {
        const k = attr('key');
        if (k === undefined) throw this.error('<infon> has no key attribute', where(label));
        key = k;
        label = `<infon key=${k}>`;
      }
      if (parent.kind === 'collection' && this.headerValue !== undefined) {
        throw this.error(`<${name}> of the collection must come before the first <document>`, where(label));
      }
      this.stack.push({ kind: 'leaf', label, name: name as LeafName, text: '', key, line: this.tagLine, column: this.tagColumn });
      return;
    }
    switch (name) {
      case 'collection':
        this.stack.push({ kind: 'collection', label: '' });
        return;
      case 'document': {
        this.emitHeader();
        this.docAmpStart = this.ampsBefore(this.sax.position);
        const label = '<document>';
        const raw: RawDocument = { id: undefined, infons: [], passages: [], annotations: [], relations: [], where: where(label) };
        this.stack.push({ kind: 'document', label, raw });
        return;
      }
      case 'passage':
      case 'sentence': {
        const raw: RawPassage = {
          offset: undefined,
          infons: [],
          text: undefined,
          annotations: [],
          relations: [],
          sentences: [],
          where: { source: this.source },
        };
        if (parent.kind === 'document') {
          parent.raw.passages.push(raw);
          const label = `<passage #${parent.raw.passages.length}>`;
          raw.where = where(label);
          this.stack.push({ kind: 'passage', label, raw });
        } else if (parent.kind === 'passage') {
          parent.raw.sentences.push(raw);
          const label = `<sentence #${parent.raw.sentences.length}>`;
          raw.where = where(label);
          this.stack.push({ kind: 'sentence', label, raw });
        }
        return;
      }
      case 'annotation': {
        const id = attr('id');
        const label = id === undefined ? '<annotation>' : `<annotation id=${id}>`;
        const raw: RawAnnotation = { id, infons: [], locations: [], text: '', where: where(label) };
        if (parent.kind === 'passage' || parent.kind === 'sentence') parent.raw.annotations.push(raw);
        this.stack.push({ kind: 'annotation', label, raw });
        return;
      }
      case 'relation': {
        const id = attr('id');
        const label = id === undefined ? '<relation>' : `<relation id=${id}>`;
        const raw: RawRelation = { id, infons: [], nodes: [], where: where(label) };
        if (parent.kind === 'document' || parent.kind === 'passage' || parent.kind === 'sentence') {
          parent.raw.relations.push(raw);
        }
        this.stack.push({ kind: 'relation', label, raw });
        return;
      }
      case 'location': {
        const o = attr('offset');
        const l = attr('length');
        const label = `<location offset=${o ?? ''} length=${l ?? ''}>`;
        const w = where(label);
        const offset = o === undefined ? undefined : parseOffset(o);
        const length = l === undefined ? undefined : parseOffset(l);
        if (offset === undefined || length === undefined) {
          throw this.error('<location> needs offset and length attributes that are non-negative integers', w);
        }
        if (parent.kind === 'annotation') parent.raw.locations.push({ offset, length, where: w });
        this.stack.push({ kind: 'empty', label });
        return;
      }
      case 'node': {
        const refid = attr('refid');
        const label = `<node refid=${refid ?? ''}>`;
        const w = where(label);
        if (refid === undefined) throw this.error('<node> has no refid attribute', w);
        if (parent.kind === 'relation') parent.raw.nodes.push({ refid, role: attr('role') ?? '', where: w });
        this.stack.push({ kind: 'empty', label });
        return;
      }
      default:
        // CHILDREN only admits the names handled above.
        throw this.error(`unexpected element <${name}>`, where(`<${name}>`));
    }
  }

  private close(_t: SaxesTagPlain): void {
    // saxes only reports a close tag that matches an open one, and root is never popped.
    const frame = this.stack.pop() as Frame;
    const parent = this.top();
    if (frame.kind === 'leaf') {
      this.closeLeaf(frame, parent);
    } else if (frame.kind === 'document') {
      this.checkEntities();
      this.done.push(buildDocument(frame.raw));
    } else if (frame.kind === 'collection') {
      this.emitHeader();
    }
    if (this.stack.length >= 3) this.checkEntities();
  }

  private closeLeaf(leaf: Extract<Frame, { kind: 'leaf' }>, parent: Frame): void {
    const v = leaf.text;
    switch (leaf.name) {
      case 'infon':
        if (parent.kind === 'collection') this.headerInfons.push([leaf.key, v]);
        else if (parent.kind !== 'root' && parent.kind !== 'leaf' && parent.kind !== 'empty') {
          parent.raw.infons.push([leaf.key, v]);
        }
        return;
      case 'source':
      case 'date':
      case 'key':
        this.headerFields[leaf.name] = v;
        return;
      case 'id':
        if (parent.kind === 'document') {
          parent.raw.id = v;
          parent.label = `<document id=${v}>`;
          parent.raw.where.element = this.breadcrumb();
        }
        return;
      case 'offset': {
        const n = parseOffset(v);
        if (n === undefined) {
          throw this.error(
            `<offset> "${v.slice(0, 40)}" is not a non-negative integer`,
            this.loc(leaf.line, leaf.column, leaf.label),
          );
        }
        if (parent.kind === 'passage' || parent.kind === 'sentence') {
          parent.raw.offset = n;
          parent.label = `<${parent.kind} offset=${n}>`;
          parent.raw.where.element = this.breadcrumb();
        }
        return;
      }
      case 'text':
        if (parent.kind === 'passage' || parent.kind === 'sentence' || parent.kind === 'annotation') {
          parent.raw.text = v;
        }
        return;
    }
  }

  private characters(t: string): void {
    const f = this.top();
    if (f.kind === 'leaf') {
      if (f.text.length + t.length > this.limits.maxLineLength) {
        throw this.error(`text longer than ${this.limits.maxLineLength} characters`, this.here());
      }
      f.text += t;
    } else if (/\S/.test(t)) {
      // BioC has no mixed content; stray text means a broken file.
      const shown = t.trim().slice(0, 40);
      throw this.error(`unexpected text "${shown}"`, this.here());
    }
  }
}

/**
 * Streams a BioC XML file one document at a time (memory stays flat on large files). The
 * collection header is passed to `opts.onHeader` before the first document. Chunks may be
 * strings or UTF-8 bytes (e.g. `fs.createReadStream(path)`). Throws `FormatError` naming
 * `source`, the line and column, and the element for malformed input.
 */
export async function* readBiocXml(
  input: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  source: string,
  opts: BiocXmlReadOptions = {},
): AsyncGenerator<Document, void, undefined> {
  const parser = new BiocXmlParser(source, opts);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const decode = (bytes?: Uint8Array): string => {
    try {
      return bytes === undefined ? decoder.decode() : decoder.decode(bytes, { stream: true });
    } catch {
      throw parser.errorHere('input is not valid UTF-8');
    }
  };
  for await (const chunk of input) {
    const text = typeof chunk === 'string' ? chunk : decode(chunk);
    yield* parser.write(text);
  }
  const tail = decode();
  if (tail !== '') yield* parser.write(tail);
  yield* parser.end();
}

/**
 * Parses a whole BioC XML string into a collection. Throws `FormatError` for bad input.
 * (`opts.onHeader` is not needed here: the header is part of the result.)
 */
export function parseBiocXml(text: string, source: string, opts: Pick<BiocXmlReadOptions, 'limits'> = {}): Collection {
  const parser = new BiocXmlParser(source, opts);
  const documents = parser.write(text);
  documents.push(...parser.end());
  // end() has thrown unless the header was read.
  const header = parser.header as BiocCollectionHeader;
  return { ...header, documents };
}

// ---------------------------------------------------------------------------------------------
// Writer

// XML 1.0 cannot carry these at all, not even as character references.
const INVALID_XML_CHARS =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point here
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const TEXT_SPECIAL = /[&<>"'\r]/g;
const ATTR_SPECIAL = /[&<>"'\r\n\t]/g;
const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // A raw CR would be normalized to LF by any XML parser; tab and LF in attribute values would
  // become spaces. Character references survive both normalizations.
  '\r': '&#13;',
  '\n': '&#10;',
  '\t': '&#9;',
};

/**
 * Escapes text for XML content (`attribute` also protects tab/LF). Characters XML 1.0 cannot
 * represent (C0 controls other than tab/LF/CR, lone surrogates, U+FFFE/U+FFFF) become U+FFFD,
 * one code unit for one, so that offsets stay valid.
 */
export function escapeXml(s: string, attribute = false): string {
  const clean = s.replace(INVALID_XML_CHARS, '\uFFFD');
  return clean.replace(attribute ? ATTR_SPECIAL : TEXT_SPECIAL, (c) => ESCAPES[c] ?? c);
}

function infonLines(infons: InfonList): string {
  let out = '';
  for (const [k, v] of infons) out += `<infon key="${escapeXml(k, true)}">${escapeXml(v)}</infon>\n`;
  return out;
}

/**
 * The start of a BioC XML file: declaration, doctype, and the collection header (a collection's
 * documents, if given, are ignored: write them with `biocXmlDocument`).
 */
export function biocXmlHeader(c: BiocCollectionHeader | Collection): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE collection SYSTEM "BioC.dtd">\n<collection>\n` +
    `<source>${escapeXml(c.source)}</source>\n<date>${escapeXml(c.date)}</date>\n<key>${escapeXml(c.key)}</key>\n` +
    infonLines(attributesToInfons(c.attributes))
  );
}

/** One `<document>` element (with a trailing newline), for streaming writes. */
export function biocXmlDocument(doc: Document): string {
  const parts: string[] = [`<document>\n<id>${escapeXml(doc.id)}</id>\n`, infonLines(attributesToInfons(doc.attributes))];
  for (const p of doc.passages) {
    parts.push('<passage>\n', infonLines(attributesToInfons(p.attributes)));
    parts.push(`<offset>${p.offset}</offset>\n<text>${escapeXml(p.text)}</text>\n`);
    for (const a of p.annotations) {
      parts.push(`<annotation id="${escapeXml(a.id, true)}">\n`, infonLines(annotationToInfons(a)));
      for (const s of a.spans) parts.push(`<location offset="${s.start}" length="${s.end - s.start}"/>\n`);
      parts.push(`<text>${escapeXml(a.text)}</text>\n</annotation>\n`);
    }
    parts.push('</passage>\n');
  }
  for (const r of doc.relations) {
    const { infons, nodes } = relationToInfons(r);
    parts.push(`<relation id="${escapeXml(r.id, true)}">\n`, infonLines(infons));
    for (const n of nodes) {
      parts.push(`<node refid="${escapeXml(n.refid, true)}" role="${escapeXml(n.role, true)}"/>\n`);
    }
    parts.push('</relation>\n');
  }
  parts.push('</document>\n');
  return parts.join('');
}

/** The end of a BioC XML file. */
export function biocXmlFooter(): string {
  return '</collection>\n';
}

/** A whole collection as BioC XML (one element per line, like the BC5CDR files). */
export function writeBiocXml(collection: Collection): string {
  return biocXmlHeader(collection) + collection.documents.map(biocXmlDocument).join('') + biocXmlFooter();
}
