/**
 * PubTator reader and writer (BioCreative V CDR flavour and BioRED flavour).
 *
 * A document is `PMID|t|title`, `PMID|a|abstract`, then tab-separated mention lines
 * `PMID start end text type id [extra...]` and relation lines `PMID type id1 id2 [novelty]`
 * `[score=S]`, and a blank line. The `score=S` column is ours: a model's confidence in [0, 1],
 * written only when asked (`--scores`), read back as the relation's score with status `suggested`. Offsets index into `title + " " + abstract`.
 *
 * The reader is a line-driven state machine, so the same code parses a string and streams a
 * file of any size with flat memory. CRLF line endings and a UTF-8 BOM are accepted. Writing a
 * document read from PubTator reproduces its lines byte for byte (raw id strings and extra
 * columns are kept in format-private attributes `pubtator:*`, used only while still consistent
 * with the model).
 */
import type { Annotation, Collection, Document, Passage, Relation } from '../document/document';
import { createCollection } from '../document/document';
import { DEFAULT_LIMITS, FormatError } from '../shared/errors';
import { formatConceptIds, parseConceptIds } from '../document/conceptIds';

/** Attribute keys private to this format (other writers skip `pubtator:*`). */
export const PUBTATOR_ID_KEY = 'pubtator:id';
export const PUBTATOR_EXTRA_KEY = 'pubtator:extra';

const INT = /^(0|[1-9][0-9]*)$/;
/** Our optional last column of a relation line: a confidence in [0, 1]. */
const SCORE_COLUMN = /^score=(0(?:\.[0-9]+)?|1(?:\.0+)?)$/;

/** Options of the PubTator writer. */
export interface PubTatorWriteOptions {
  /** Line ending (default `\n`). */
  eol?: string;
  /** Append `score=S` (4 decimals) to each relation line that has a score. */
  scores?: boolean;
}

/** Roles of relation arguments, by relation type, chosen to match the BioC layout of each corpus. */
export function relationRoles(type: string): [string, string] {
  return type === 'CID' ? ['Chemical', 'Disease'] : ['entity1', 'entity2'];
}

interface PendingMention {
  line: number;
  start: number;
  end: number;
  text: string;
  type: string;
  rawId: string | undefined;
  extra: string[];
}

interface PendingDocument {
  id: string;
  firstLine: number;
  title?: string;
  abstract?: string;
  mentions: PendingMention[];
  relations: Relation[];
}

/** Options of the PubTator reader. */
export interface PubTatorReadOptions {
  /** Reject mentions whose text differs from the document slice (default: accept; `corpus stats` counts them). */
  strictMentionText?: boolean;
  /** Longest accepted line (characters). */
  maxLineLength?: number;
  /**
   * Accept relations whose concept ids no mention of the document has (default: reject them as
   * malformed). Some third-party conversions (BioREx's PharmGKB) contain such relations.
   */
  allowUnknownRelationArguments?: boolean;
}

/**
 * Incremental PubTator parser: feed it lines (without line terminators) with `push`, collect
 * finished documents; call `end` at the end of input. Throws FormatError naming the source and
 * the 1-based line on malformed input.
 */
export class PubTatorParser {
  private current: PendingDocument | undefined;
  private lineNo = 0;
  private readonly maxLine: number;

  constructor(
    private readonly source: string,
    private readonly options: PubTatorReadOptions = {},
  ) {
    this.maxLine = options.maxLineLength ?? DEFAULT_LIMITS.maxLineLength;
  }

  /** Consume one line; returns the document it completed, if any. */
  push(rawLine: string): Document | undefined {
    this.lineNo++;
    let line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (this.lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.length > this.maxLine) this.fail(`line longer than ${this.maxLine} characters`);
    if (line.trim() === '') return this.flush();

    const bar = /^([^|\t]+)\|([ta])\|(.*)$/s.exec(line);
    if (bar) {
      const [, pmid, kind, text] = bar as unknown as [string, string, string, string];
      let done: Document | undefined;
      if (this.current && (this.current.id !== pmid || kind === 't')) done = this.flush();
      this.current ??= { id: pmid, firstLine: this.lineNo, mentions: [], relations: [] };
      const cur = this.current;
      if (kind === 't') {
        if (cur.title !== undefined) this.fail(`second title line for document ${pmid}`);
        cur.title = text;
      } else {
        if (cur.title === undefined) this.fail(`abstract line before the title of document ${pmid}`);
        if (cur.abstract !== undefined) this.fail(`second abstract line for document ${pmid}`);
        if (cur.mentions.length || cur.relations.length) this.fail(`abstract line after annotations of document ${pmid}`);
        cur.abstract = text;
      }
      return done;
    }

    const cols = line.split('\t');
    const cur = this.current;
    if (cols.length < 4) this.fail(`expected "PMID|t|", "PMID|a|" or a tab-separated line, got ${preview(line)}`);
    if (!cur || cur.title === undefined) this.fail(`annotation line before any "PMID|t|" title line`);
    if (cols[0] !== cur.id) this.fail(`line belongs to document ${cols[0]} but document ${cur.id} has no blank line after it`);

    if (INT.test(cols[1]!) && INT.test(cols[2]!)) {
      if (cols.length < 5) this.fail(`mention line needs at least 5 columns, got ${cols.length}`);
      const start = Number(cols[1]);
      const end = Number(cols[2]);
      if (end < start) this.fail(`mention end ${end} before start ${start}`);
      cur.mentions.push({
        line: this.lineNo,
        start,
        end,
        text: cols[3]!,
        type: cols[4]!,
        rawId: cols[5],
        extra: cols.slice(6),
      });
      return undefined;
    }
    const scoreCol = cols.length > 4 ? SCORE_COLUMN.exec(cols[cols.length - 1]!) : null;
    if (scoreCol) cols.pop();
    else if (cols.length > 4 && cols[cols.length - 1]!.startsWith('score=')) this.fail(`relation line: "${cols[cols.length - 1]}" is not a score from 0 to 1`);
    if (cols.length > 5) this.fail(`relation line needs 4 or 5 columns (and an optional score=S), got ${cols.length}`);
    const [, type, id1, id2, novelty] = cols as [string, string, string, string, string | undefined];
    if (!type || !id1 || !id2) this.fail('relation line with an empty type or argument');
    const roles = relationRoles(type);
    const rel: Relation = {
      id: `R${cur.relations.length}`,
      type,
      args: [
        { role: roles[0], ref: { kind: 'concept', id: id1 } },
        { role: roles[1], ref: { kind: 'concept', id: id2 } },
      ],
      attributes: novelty === undefined ? {} : { novel: novelty },
      status: scoreCol ? 'suggested' : 'gold',
      ...(scoreCol ? { score: Number(scoreCol[1]) } : {}),
    };
    cur.relations.push(rel);
    return undefined;
  }

  /** Signal end of input; returns the last document, if any. */
  end(): Document | undefined {
    return this.flush();
  }

  private flush(): Document | undefined {
    const cur = this.current;
    if (!cur) return undefined;
    this.current = undefined;
    return this.build(cur);
  }

  private build(p: PendingDocument): Document {
    const title = p.title ?? '';
    const passages: Passage[] = [{ offset: 0, text: title, attributes: { type: 'title' }, annotations: [] }];
    if (p.abstract !== undefined) {
      passages.push({ offset: title.length + 1, text: p.abstract, attributes: { type: 'abstract' }, annotations: [] });
    }
    const fullLength = p.abstract === undefined ? title.length : title.length + 1 + p.abstract.length;
    const fullText = p.abstract === undefined ? title : `${title} ${p.abstract}`;
    const known = new Set<string>();
    p.mentions.forEach((m, i) => {
      if (m.end > fullLength) {
        this.fail(`mention "${preview(m.text)}" at ${m.start}-${m.end} lies outside document ${p.id} (length ${fullLength})`, m.line);
      }
      if (this.options.strictMentionText && fullText.slice(m.start, m.end) !== m.text) {
        this.fail(`mention text "${preview(m.text)}" differs from the document text at ${m.start}-${m.end}`, m.line);
      }
      const ids = m.rawId === undefined ? [] : parseConceptIds(m.rawId, m.type);
      const attributes: Record<string, string> = {};
      if (m.rawId !== undefined) attributes[PUBTATOR_ID_KEY] = m.rawId;
      if (m.extra.length) attributes[PUBTATOR_EXTRA_KEY] = m.extra.join('\t');
      const ann: Annotation = {
        id: `T${i}`,
        type: m.type,
        spans: [{ start: m.start, end: m.end }],
        text: m.text,
        ids,
        attributes,
      };
      if (m.rawId !== undefined) known.add(m.rawId);
      for (const id of ids) known.add(id);
      // A mention belongs to the passage holding its start (title mentions end before the gap).
      const target = passages.length > 1 && m.start > title.length ? passages[1]! : passages[0]!;
      target.annotations.push(ann);
    });
    for (const r of p.relations) {
      for (const a of r.args) {
        if (a.ref.kind === 'concept' && !known.has(a.ref.id) && !this.options.allowUnknownRelationArguments) {
          this.fail(`relation ${r.type} in document ${p.id} refers to concept ${a.ref.id}, which no mention has`, p.firstLine);
        }
      }
    }
    return { id: p.id, passages, relations: p.relations, attributes: {} };
  }

  private fail(detail: string, line = this.lineNo): never {
    throw new FormatError({ source: this.source, line }, detail);
  }
}

function preview(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Parse a whole PubTator string. */
export function parsePubTator(text: string, source: string, options?: PubTatorReadOptions): Collection {
  const parser = new PubTatorParser(source, options);
  const col = createCollection({ source: 'PubTator' });
  for (const line of text.split('\n')) {
    const d = parser.push(line);
    if (d) col.documents.push(d);
  }
  const last = parser.end();
  if (last) col.documents.push(last);
  return col;
}

/**
 * Stream documents from chunks of PubTator text (a file stream, stdin). Memory stays bounded by
 * the largest document, not the input.
 */
export async function* readPubTator(
  chunks: AsyncIterable<string | Buffer>,
  source: string,
  options?: PubTatorReadOptions,
): AsyncGenerator<Document> {
  const parser = new PubTatorParser(source, options);
  const maxLine = options?.maxLineLength ?? DEFAULT_LIMITS.maxLineLength;
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  for await (const chunk of chunks) {
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl = rest.indexOf('\n');
    let from = 0;
    while (nl >= 0) {
      const d = parser.push(rest.slice(from, nl));
      if (d) yield d;
      from = nl + 1;
      nl = rest.indexOf('\n', from);
    }
    rest = rest.slice(from);
    if (rest.length > maxLine) parser.push(rest); // reports the over-long line with its number
  }
  rest += decoder.decode();
  if (rest.length) {
    const d = parser.push(rest);
    if (d) yield d;
  }
  const last = parser.end();
  if (last) yield last;
}

/** The raw id column for a mention: the original string while it still matches `ids`. */
function idColumn(a: Annotation): string {
  const raw = a.attributes[PUBTATOR_ID_KEY];
  if (raw !== undefined && sameIds(parseConceptIds(raw, a.type), a.ids)) return raw;
  return formatConceptIds(a.ids, a.type);
}

function sameIds(x: readonly string[], y: readonly string[]): boolean {
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Serialize one document (its lines plus the blank separator line). */
export function writePubTatorDocument(doc: Document, options: string | PubTatorWriteOptions = '\n'): string {
  const { eol = '\n', scores = false } = typeof options === 'string' ? { eol: options } : options;
  const title = doc.passages.find((p) => p.attributes['type'] === 'title') ?? doc.passages[0];
  const rest = doc.passages.filter((p) => p !== title);
  const lines: string[] = [];
  const titleText = title ? title.text : '';
  // PubTator's title starts at offset 0: a title further in (plain text after a PMID line) moves
  // every offset back by its start.
  const origin = title ? title.offset : 0;
  lines.push(`${doc.id}|t|${oneLine(titleText)}`);
  // PubTator has two passages; other layouts are folded into the abstract at their true offsets.
  let abstract: string | undefined;
  if (rest.length) {
    abstract = '';
    const base = titleText.length + 1;
    for (const p of rest) {
      const at = p.offset - origin - base;
      abstract += ' '.repeat(Math.max(0, at - abstract.length)) + p.text;
    }
    lines.push(`${doc.id}|a|${oneLine(abstract)}`);
  }
  const shift = (offset: number): number => offset - origin;
  for (const p of doc.passages) {
    for (const a of p.annotations) {
      const start = Math.min(...a.spans.map((s) => s.start));
      const end = Math.max(...a.spans.map((s) => s.end));
      const cols = [doc.id, String(shift(start)), String(shift(end)), oneLine(a.text), a.type, idColumn(a)];
      const extra = a.attributes[PUBTATOR_EXTRA_KEY];
      if (extra !== undefined) cols.push(extra);
      lines.push(cols.join('\t'));
    }
  }
  const byId = new Map(doc.passages.flatMap((p) => p.annotations).map((a) => [a.id, a] as const));
  for (const r of doc.relations) {
    if (r.status === 'rejected') continue;
    const ids = r.args.map((arg) => {
      if (arg.ref.kind === 'concept') return arg.ref.id;
      const a = byId.get(arg.ref.id);
      return a ? idColumn(a) : arg.ref.id;
    });
    const cols = [doc.id, r.type, ...ids];
    if (r.attributes['novel'] !== undefined) cols.push(r.attributes['novel']);
    if (scores && r.score !== undefined && Number.isFinite(r.score)) cols.push(`score=${Math.min(1, Math.max(0, r.score)).toFixed(4)}`);
    lines.push(cols.join('\t'));
  }
  return lines.join(eol) + eol + eol;
}

/** Serialize a collection. */
export function writePubTator(col: Collection, eol = '\n'): string {
  return col.documents.map((d) => writePubTatorDocument(d, eol)).join('');
}

/** Tabs and newlines cannot appear inside a PubTator field: they become spaces (same length). */
function oneLine(s: string): string {
  return s.replace(/[\t\r\n]/g, ' ');
}
