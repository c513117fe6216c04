/**
 * Reads a file as an editor shows it: the documents it holds, where each document's text sits in
 * the file (so mentions can be highlighted in place, in PubTator, BioC XML and BioC JSON alike),
 * and the problems found, each at a file line. Unlike the streaming readers, a malformed PubTator
 * document does not stop the rest of the file: it becomes a problem and the next document is read.
 *
 * Two offset spaces meet here: document offsets (core convention: document-absolute,
 * end-exclusive UTF-16) and file offsets (UTF-16 positions in the file's text as the editor
 * holds it, without a BOM). Only this module converts between them.
 */
import { checkOffsets, type Document, type Span } from '../document/document';
import { parsePubTator } from '../formats/pubtator';
import { BiocXmlParser } from '../formats/biocXml';
import { parseBiocJson } from '../formats/biocJson';
import { parsePlainText } from '../formats/plainText';
import type { DocumentFormat } from '../formats/formatIo';
import { FormatError } from '../shared/errors';

/** Where one passage's characters are in the file. */
interface Segment {
  /** Document offsets covered, `[docStart, docEnd)`. */
  docStart: number;
  docEnd: number;
  /** File offset of each document offset in `[docStart, docEnd]` (one more entry, for ends), or a linear start. */
  file: Int32Array | number;
}

/** A document of a file, with its place in the file. */
export class EditorDocument {
  constructor(
    readonly doc: Document,
    /** File offsets from the document's first line to the end of its last line. */
    readonly fileSpan: Span,
    private readonly segments: Segment[],
  ) {}

  /** File offset of a document offset (an end offset maps to just after the last character), or undefined outside the mapped text. */
  toFile(offset: number): number | undefined {
    for (const s of this.segments) {
      if (offset < s.docStart || offset > s.docEnd) continue;
      return typeof s.file === 'number' ? s.file + (offset - s.docStart) : s.file[offset - s.docStart];
    }
    return undefined;
  }

  /** File span of a document span, when both ends are mapped. */
  spanToFile(span: Span): Span | undefined {
    const start = this.toFile(span.start);
    const end = this.toFile(span.end);
    return start === undefined || end === undefined ? undefined : { start, end };
  }

  /** Document offset at a file offset, when the file offset lies in a passage's text. */
  fromFile(fileOffset: number): number | undefined {
    for (const s of this.segments) {
      if (typeof s.file === 'number') {
        const len = s.docEnd - s.docStart;
        if (fileOffset >= s.file && fileOffset <= s.file + len) return s.docStart + (fileOffset - s.file);
        continue;
      }
      const table = s.file;
      if (fileOffset < table[0]! || fileOffset > table[table.length - 1]!) continue;
      let lo = 0;
      let hi = table.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (table[mid]! < fileOffset) lo = mid + 1;
        else hi = mid;
      }
      return s.docStart + lo;
    }
    return undefined;
  }
}

/** A problem in a file, at a 0-based line (and column, when known). */
export interface FileProblem {
  message: string;
  line: number;
  column?: number;
  severity: 'error' | 'warning';
}

export interface EditorFile {
  format: DocumentFormat;
  documents: EditorDocument[];
  problems: FileProblem[];
}

/** Format of an open file from its name and first characters (`.txt` may be PubTator). */
export function detectEditorFormat(fileName: string, text: string): DocumentFormat {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.xml')) return 'bioc';
  if (lower.endsWith('.json')) return 'biocjson';
  if (lower.endsWith('.pubtator')) return 'pubtator';
  const firstLine = text.replace(/^\ufeff/, '').split(/\r?\n/, 1)[0] ?? '';
  if (/^[^|\t\s]+\|[ta]\|/.test(firstLine)) return 'pubtator';
  const t = text.trimStart();
  if (t.startsWith('<')) return 'bioc';
  if (t.startsWith('{')) return 'biocjson';
  return 'text';
}

/** Start offsets of every line of `text`. */
export function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
}

function problemFrom(e: unknown, lineBase = 0): FileProblem {
  if (e instanceof FormatError) {
    const p: FileProblem = { message: e.detail, line: lineBase + Math.max(0, (e.location.line ?? 1) - 1), severity: 'error' };
    if (e.location.column !== undefined) p.column = Math.max(0, e.location.column - 1);
    if (e.location.element !== undefined) p.message += ` (${e.location.element})`;
    return p;
  }
  return { message: e instanceof Error ? e.message : String(e), line: lineBase, severity: 'error' };
}

/** PubTator: documents are blocks between blank lines; each block is read on its own. Yields after each block. */
function* readPubTatorFile(text: string, source: string): Generator<void, EditorFile> {
  const starts = lineStarts(text);
  const lines = text.split('\n');
  const out: EditorFile = { format: 'pubtator', documents: [], problems: [] };
  let i = 0;
  while (i < lines.length) {
    while (i < lines.length && lines[i]!.trim() === '') i++;
    if (i >= lines.length) break;
    const first = i;
    while (i < lines.length && lines[i]!.trim() !== '') i++;
    yield;
    const blockText = lines.slice(first, i).join('\n');
    let docs: Document[];
    try {
      docs = parsePubTator(blockText, source).documents;
    } catch (e) {
      out.problems.push(problemFrom(e, first));
      continue;
    }
    let cursor = first;
    for (const doc of docs) {
      const segments: Segment[] = [];
      let spanStart: number | undefined;
      let lastLine = cursor;
      for (let j = cursor; j < i; j++) {
        const line = lines[j]!;
        const m = /^([^|]*)\|([ta])\|/.exec(line);
        if (m && m[1] === doc.id) {
          const passage = m[2] === 't' ? doc.passages.find((p) => p.attributes['type'] === 'title') ?? doc.passages[0] : doc.passages.find((p) => p.attributes['type'] !== 'title');
          if (passage) segments.push({ docStart: passage.offset, docEnd: passage.offset + passage.text.length, file: starts[j]! + m[0].length });
          spanStart ??= starts[j]!;
        }
        if (line.startsWith(doc.id + '|') || line.startsWith(doc.id + '\t')) lastLine = j;
        else if (spanStart !== undefined && j > lastLine) break;
      }
      cursor = lastLine + 1;
      for (const bad of checkOffsets(doc)) {
        out.problems.push({ message: `mention ${bad.annotationId}: text "${bad.expected}" does not match the document text "${bad.actual}" at its offsets`, line: first, severity: 'warning' });
      }
      const start = spanStart ?? starts[first]!;
      const endLine = lines[lastLine]!.replace(/\r$/, '');
      out.documents.push(new EditorDocument(doc, { start, end: starts[lastLine]! + endLine.length }, segments));
    }
  }
  return out;
}

/** Decodes XML character data with a table of each UTF-16 unit's raw position. */
function decodeXmlText(raw: string, base: number): { text: string; table: number[] } {
  let text = '';
  const table: number[] = [];
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  for (let i = 0; i < raw.length; ) {
    if (raw[i] === '&') {
      const semi = raw.indexOf(';', i);
      const name = semi > i ? raw.slice(i + 1, semi) : '';
      let ch: string | undefined = named[name];
      if (ch === undefined && name.startsWith('#')) {
        const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        if (Number.isFinite(code) && code >= 0 && code <= 0x10ffff) ch = String.fromCodePoint(code);
      }
      if (ch !== undefined) {
        for (let k = 0; k < ch.length; k++) table.push(base + i);
        text += ch;
        i = semi + 1;
        continue;
      }
    }
    table.push(base + i);
    text += raw[i];
    i++;
  }
  table.push(base + raw.length);
  return { text, table };
}

/** Decodes a JSON string body (between the quotes) with a table of each unit's raw position. */
function decodeJsonString(raw: string, base: number): { text: string; table: number[] } {
  let text = '';
  const table: number[] = [];
  const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
  for (let i = 0; i < raw.length; ) {
    if (raw[i] === '\\') {
      const c = raw[i + 1] ?? '';
      if (c === 'u') {
        table.push(base + i);
        text += String.fromCharCode(parseInt(raw.slice(i + 2, i + 6), 16));
        i += 6;
      } else {
        table.push(base + i);
        text += simple[c] ?? c;
        i += 2;
      }
      continue;
    }
    table.push(base + i);
    text += raw[i];
    i++;
  }
  table.push(base + raw.length);
  return { text, table };
}

/** Finds each passage's text element in order and builds the document's segments. Yields after each document. */
function* mapStructured(text: string, docs: Document[], format: 'bioc' | 'biocjson'): Generator<void, EditorDocument[]> {
  const pattern = format === 'bioc' ? /<text>([^<]*)<\/text>/g : /"text"\s*:\s*"((?:[^"\\]|\\.)*)"/g;
  const out: EditorDocument[] = [];
  let pos = 0;
  for (const doc of docs) {
    const segments: Segment[] = [];
    let first: number | undefined;
    for (const p of doc.passages) {
      pattern.lastIndex = pos;
      // Scan forward to the first text element with this passage's text; others (sentences, infons) are skipped.
      for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
        const body = m[1]!;
        const base = m.index + m[0].length - body.length - (format === 'bioc' ? '</text>'.length : 1);
        const { text: decoded, table } = format === 'bioc' ? decodeXmlText(body, base) : decodeJsonString(body, base);
        if (decoded !== p.text) continue;
        segments.push({ docStart: p.offset, docEnd: p.offset + p.text.length, file: Int32Array.from(table) });
        first ??= m.index;
        pos = pattern.lastIndex;
        break;
      }
    }
    const fileStart = first ?? pos;
    const lastSeg = segments[segments.length - 1];
    const fileEnd = lastSeg && typeof lastSeg.file !== 'number' ? lastSeg.file[lastSeg.file.length - 1]! : fileStart;
    out.push(new EditorDocument(doc, { start: fileStart, end: fileEnd }, segments));
    yield;
  }
  return out;
}

/** BioC XML fed to the incremental parser in slices, yielding between them. */
function* parseBiocXmlSteps(text: string, source: string): Generator<void, Document[]> {
  const parser = new BiocXmlParser(source);
  const docs: Document[] = [];
  const slice = 1 << 16;
  for (let i = 0; i < text.length; i += slice) {
    docs.push(...parser.write(text.slice(i, i + slice)));
    yield;
  }
  docs.push(...parser.end());
  return docs;
}

/** The reading work as steps, so a caller can spread a large file over several event-loop turns. */
function* readSteps(text: string, fileName: string, format: DocumentFormat): Generator<void, EditorFile> {
  const body = text.replace(/^\ufeff/, '');
  try {
    switch (format) {
      case 'pubtator':
        return yield* readPubTatorFile(body, fileName);
      case 'bioc': {
        const docs = yield* parseBiocXmlSteps(body, fileName);
        return { format, documents: yield* mapStructured(body, docs, 'bioc'), problems: [] };
      }
      case 'biocjson': {
        const docs = parseBiocJson(body, fileName).documents;
        return { format, documents: yield* mapStructured(body, docs, 'biocjson'), problems: [] };
      }
      case 'text': {
        const docs = parsePlainText(body, fileName).documents;
        return {
          format,
          documents: docs.map((d) => new EditorDocument(d, { start: 0, end: body.length }, d.passages.map((p) => ({ docStart: p.offset, docEnd: p.offset + p.text.length, file: p.offset })))),
          problems: [],
        };
      }
    }
  } catch (e) {
    return { format, documents: [], problems: [problemFrom(e)] };
  }
}

/**
 * Reads an open file. Never throws for bad content: problems come back with their lines, and
 * whatever could be read still comes back as documents.
 */
export function readEditorFile(text: string, fileName: string, format = detectEditorFormat(fileName, text)): EditorFile {
  const steps = readSteps(text, fileName, format);
  for (let r = steps.next(); ; r = steps.next()) if (r.done) return r.value;
}

/**
 * Like {@link readEditorFile}, but gives the event loop a turn whenever `sliceMs` of work has
 * passed, so an editor stays responsive while a file of hundreds of documents is read.
 */
export async function readEditorFileAsync(text: string, fileName: string, opts: { format?: DocumentFormat; sliceMs?: number } = {}): Promise<EditorFile> {
  const steps = readSteps(text, fileName, opts.format ?? detectEditorFormat(fileName, text));
  const slice = opts.sliceMs ?? 15;
  let since = Date.now();
  for (let r = steps.next(); ; r = steps.next()) {
    if (r.done) return r.value;
    if (Date.now() - since >= slice) {
      await new Promise((resolve) => setImmediate(resolve));
      since = Date.now();
    }
  }
}
