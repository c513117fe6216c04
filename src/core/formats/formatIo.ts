/**
 * One entry point over the document formats: detect a file's format, stream its documents, and
 * stream documents out in another format. Used by `biore convert` and the extension.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Collection, Document } from '../document/document';
import { FormatError } from '../shared/errors';
import { readPubTator, writePubTatorDocument } from './pubtator';
import { readBiocXml, biocXmlHeader, biocXmlDocument, biocXmlFooter } from './biocXml';
import { biocJsonDocumentText, biocJsonFooter, biocJsonHeader, parseBiocJson } from './biocJson';
import { parsePlainText, writePlainText } from './plainText';

/** Interchange formats that can be both read and written. */
export type DocumentFormat = 'pubtator' | 'bioc' | 'biocjson' | 'text';

export const DOCUMENT_FORMATS: readonly DocumentFormat[] = ['pubtator', 'bioc', 'biocjson', 'text'];

/** Format from a name the user typed (`--to bioc`, `xml`, `json`, ...). */
export function parseFormatName(name: string): DocumentFormat | undefined {
  const n = name.toLowerCase();
  if (n === 'pubtator' || n === 'pt') return 'pubtator';
  if (n === 'bioc' || n === 'xml' || n === 'biocxml') return 'bioc';
  if (n === 'biocjson' || n === 'json') return 'biocjson';
  if (n === 'text' || n === 'txt' || n === 'plain') return 'text';
  return undefined;
}

/** Format from a file name; `.txt` is PubTator when its first line looks like `PMID|t|`. */
export function detectFormat(file: string): DocumentFormat {
  const lower = file.toLowerCase();
  if (lower.endsWith('.xml')) return 'bioc';
  if (lower.endsWith('.json')) return 'biocjson';
  if (lower.endsWith('.pubtator')) return 'pubtator';
  if (file !== '-' && fs.existsSync(file)) {
    const head = readHead(file, 4096);
    const firstLine = head.replace(/^\ufeff/, '').split(/\r?\n/, 1)[0] ?? '';
    if (/^[^|\t]+\|t\|/.test(firstLine)) return 'pubtator';
    const trimmed = head.trimStart();
    if (trimmed.startsWith('<')) return 'bioc';
    if (trimmed.startsWith('{')) return 'biocjson';
  }
  return lower.endsWith('.txt') ? 'text' : 'pubtator';
}

function readHead(file: string, bytes: number): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = fs.readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** Collection-level fields found while reading (BioC's header). */
export interface CollectionHeader {
  source: string;
  date: string;
  key: string;
  attributes: Record<string, string>;
}

/**
 * Stream the documents of `file` (`-` is stdin). PubTator and BioC XML stream with flat memory;
 * BioC JSON and plain text are read whole (JSON cannot be parsed incrementally without a
 * streaming parser; plain text is one document per file).
 */
export async function* readDocuments(
  file: string,
  format: DocumentFormat,
  onHeader?: (h: CollectionHeader) => void,
): AsyncGenerator<Document> {
  const name = file === '-' ? '<stdin>' : file;
  const input = (): AsyncIterable<Buffer> => textOnly(file === '-' ? process.stdin : fs.createReadStream(file, { highWaterMark: 1 << 20 }), name);
  switch (format) {
    case 'pubtator':
      onHeader?.({ source: 'PubTator', date: '', key: '', attributes: {} });
      yield* readPubTator(input(), name);
      return;
    case 'bioc':
      yield* readBiocXml(input(), name, onHeader ? { onHeader } : {});
      return;
    case 'biocjson': {
      const col = parseBiocJson(await readAll(input()), name);
      onHeader?.(col);
      yield* col.documents;
      return;
    }
    case 'text': {
      const col = parsePlainText(await readAll(input()), name);
      onHeader?.(col);
      yield* col.documents;
      return;
    }
  }
}

/**
 * Passes a byte stream through unchanged, failing with `not a text file` (naming the line) at the
 * first NUL byte, or when the first block is mostly control characters: a binary file (an
 * executable, a gzip or a UTF-16 file) must not be parsed as PubTator and echoed back.
 */
export async function* textOnly(stream: AsyncIterable<Buffer | string>, name: string): AsyncGenerator<Buffer> {
  let line = 1;
  let first = true;
  for await (const c of stream) {
    const chunk = typeof c === 'string' ? Buffer.from(c) : c;
    const nul = chunk.indexOf(0);
    if (nul >= 0 || (first && controlShare(chunk) > 0.1)) {
      const upTo = nul >= 0 ? nul : 0;
      for (let i = 0; i < upTo; i++) if (chunk[i] === 10) line++;
      throw new FormatError({ source: name, line }, 'not a text file (it holds binary data); give a PubTator, BioC XML, BioC JSON or plain-text file');
    }
    first = false;
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) line++;
    yield chunk;
  }
}

/** Share of control bytes other than tab, newline, carriage return and form feed in the first 4 KB. */
function controlShare(chunk: Buffer): number {
  const n = Math.min(chunk.length, 4096);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const b = chunk[i]!;
    if (b < 32 && b !== 9 && b !== 10 && b !== 13 && b !== 12) bad++;
  }
  return n === 0 ? 0 : bad / n;
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c);
  return Buffer.concat(parts).toString('utf8');
}

/** Read a whole file into a collection. */
export async function readCollection(file: string, format = detectFormat(file)): Promise<Collection> {
  let header: CollectionHeader = { source: '', date: '', key: '', attributes: {} };
  const documents: Document[] = [];
  for await (const d of readDocuments(file, format, (h) => (header = h))) documents.push(d);
  return { ...header, documents };
}

/** Incremental writer: header, then documents one at a time, then footer. */
export interface DocumentWriter {
  begin(header: CollectionHeader): string;
  document(doc: Document): string;
  end(): string;
}

/** Options of {@link documentWriter}. */
export interface DocumentWriterOptions {
  /** PubTator: append each relation's confidence as a last `score=S` column (BioC always keeps it as the `score` infon). */
  scores?: boolean;
}

/** A streaming writer for `format` (plain text buffers its documents: one file is one document). */
export function documentWriter(format: DocumentFormat, options: DocumentWriterOptions = {}): DocumentWriter {
  switch (format) {
    case 'pubtator':
      return { begin: () => '', document: (d) => writePubTatorDocument(d, { scores: options.scores === true }), end: () => '' };
    case 'bioc':
      return { begin: (h) => biocXmlHeader({ ...h, documents: [] }), document: (d) => biocXmlDocument(d), end: () => biocXmlFooter() };
    case 'biocjson': {
      let n = 0;
      return { begin: (h) => biocJsonHeader(h), document: (d) => biocJsonDocumentText(d, n++), end: () => biocJsonFooter() };
    }
    case 'text': {
      let header: CollectionHeader = { source: '', date: '', key: '', attributes: {} };
      const docs: Document[] = [];
      return {
        begin: (h) => ((header = h), ''),
        document: (d) => (docs.push(d), ''),
        end: () => writePlainText({ ...header, documents: docs }),
      };
    }
  }
}

/** Default output extension for a format. */
export function formatExtension(format: DocumentFormat): string {
  return { pubtator: '.pubtator', bioc: '.xml', biocjson: '.json', text: '.txt' }[format];
}

/** Raise a FormatError for an input that holds no document at all. */
export function emptyInputError(file: string): FormatError {
  return new FormatError({ source: path.normalize(file) }, 'no document found (empty or not in the expected format)');
}
