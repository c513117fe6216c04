/**
 * Plain text: one document per file, such as an abstract pasted from PubMed.
 *
 * Offsets are character positions (UTF-16 code units) in the text with a leading UTF-8 byte
 * order mark removed: an editor never shows the BOM (VS Code drops it from `TextDocument.getText()`),
 * so offsets count from the first visible character and map straight onto editor positions.
 * A removed BOM is recorded as the document attribute `bom: "true"` and written back by
 * {@link writePlainText}. Nothing else is normalized: passages sit at their true offsets, with
 * whatever line breaks separated them in the file left as the gap between passages.
 */
import * as path from 'node:path';
import { createCollection, type Collection, type Document, type Passage } from '../document/document';
import { FormatError } from '../shared/errors';

/** Options of {@link parsePlainText}. */
export interface PlainTextOptions {
  /**
   * Treat the first non-empty line as the title when more text follows on later lines
   * (default true). When false, all the text is one `abstract` passage.
   */
  firstLineIsTitle?: boolean;
  /** Document id to use instead of a PMID found in the text or the file name. */
  id?: string;
}

const BOM = '\ufeff';

/** A line holding only a PMID: `PMID: 12345678`, `PMID 12345678`, `12345678`. */
// Bounded gaps: `\s*:?\s*` would backtrack quadratically on a long run of spaces.
const PMID_LINE = /^(?:PMID[ \t]{0,3}:?[ \t]{0,3})?(\d{1,9})$/i;
/** A PMID mentioned anywhere, as PubMed prints it under an abstract (`PMID: 12345678`). */
const PMID_ANYWHERE = /\bPMID[ \t]{0,3}:?[ \t]{0,3}(\d{1,9})\b/i;

interface Line {
  /** Index of the first non-whitespace character. */
  start: number;
  /** Index after the last non-whitespace character. */
  end: number;
}

/** The next line with content at or after `from`, trimmed, or undefined. */
function nextContentLine(text: string, from: number): Line | undefined {
  // One scan: skip whitespace to the first content character, then find the end of its line.
  let start = from;
  while (start < text.length && /\s/.test(text[start]!)) start++;
  if (start >= text.length) return undefined;
  let end = start;
  while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return { start, end };
}

/** Index after the line break that ends the line containing `end` (or the text length). */
function afterLine(text: string, end: number): number {
  for (let i = end; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') return i + 1;
    if (c === '\r') return text[i + 1] === '\n' ? i + 2 : i + 1;
  }
  return text.length;
}

/** A document id from a file name: the base name without its extension (`abstract.txt` → `abstract`). */
function idFromSource(source: string): string {
  const base = path.basename(source.replace(/[<>]/g, ''));
  const ext = path.extname(base);
  const stem = ext.length > 0 && ext.length < base.length ? base.slice(0, -ext.length) : base;
  return stem.trim() || 'document';
}

function passage(text: string, start: number, end: number, type: string): Passage {
  return { offset: start, text: text.slice(start, end), attributes: { type }, annotations: [] };
}

/**
 * Read a plain-text file as a collection of one document (zero for an empty or blank file).
 * The first non-empty line becomes the `title` passage when more text follows on later lines,
 * the rest (trimmed, line breaks kept) the `abstract` passage; passages sit at their exact
 * character offsets in the text (after a removed BOM). The id is a `PMID:` found in the text,
 * or a first line holding only a PMID (which then is no passage), else the file name.
 * A NUL character means a binary file: {@link FormatError} naming `source`.
 */
export function parsePlainText(text: string, source: string, opts: PlainTextOptions = {}): Collection {
  const hasBom = text.startsWith(BOM);
  const body = hasBom ? text.slice(1) : text;
  const collection = createCollection({ source });

  const nul = body.indexOf('\0');
  if (nul >= 0) {
    const before = body.slice(0, nul);
    const line = before.split('\n').length;
    const column = nul - (before.lastIndexOf('\n') + 1) + 1;
    throw new FormatError({ source, line, column }, 'binary file (NUL character), not plain text');
  }

  let first = nextContentLine(body, 0);
  if (!first) return collection;

  let id = opts.id;
  const pmidLine = PMID_LINE.exec(body.slice(first.start, first.end));
  if (pmidLine) {
    id ??= pmidLine[1];
    first = nextContentLine(body, afterLine(body, first.end));
  }
  id ??= PMID_ANYWHERE.exec(body)?.[1] ?? idFromSource(source);

  const passages: Passage[] = [];
  if (first) {
    const rest = nextContentLine(body, afterLine(body, first.end));
    const end = body.trimEnd().length;
    if (rest && opts.firstLineIsTitle !== false) {
      passages.push(passage(body, first.start, first.end, 'title'));
      passages.push(passage(body, rest.start, end, 'abstract'));
    } else {
      passages.push(passage(body, first.start, end, 'abstract'));
    }
  }

  const doc: Document = { id, passages, relations: [], attributes: hasBom ? { bom: 'true' } : {} };
  collection.documents.push(doc);
  return collection;
}

/**
 * Write a collection as plain text: each document's passages at their offsets, the gaps filled
 * with line breaks (so offsets survive a round trip and the title stays on its own line), the
 * text ending with a line break. Documents are separated by a blank line; a BOM is written
 * when the first document came from a file that had one.
 */
export function writePlainText(collection: Collection): string {
  const parts: string[] = [];
  collection.documents.forEach((doc, k) => {
    let out = '';
    for (const p of doc.passages) {
      // Overlapping passages cannot be placed; keep the text, separated by one line break.
      if (p.offset < out.length) out += out.length > 0 ? '\n' : '';
      else out += '\n'.repeat(p.offset - out.length);
      out += p.text;
    }
    // Put a numeric id back as a PMID line where the gap before the first passage has room (as
    // it had when the id came from such a line; offsets stay the same) or there is no passage.
    if (/^\d{1,9}$/.test(doc.id)) {
      const room = doc.passages[0]?.offset ?? Infinity;
      const line = [`PMID: ${doc.id}`, doc.id].find((l) => l.length < room);
      if (line !== undefined) out = line + out.slice(line.length);
    }
    const bom = k === 0 && doc.attributes['bom'] === 'true' ? BOM : '';
    parts.push(bom + out + '\n');
  });
  return parts.join('\n');
}
