/**
 * Streaming readers for the unannotated biomedical text collections in `pubmed-text/`:
 * the OHSUMED TSV (`doc_id, split, categories, title, abstract`, with a header) and the JSON-lines
 * files (`{id, pmid, text}`), plain or gzipped. They yield one record at a time so pre-training
 * and the leak guard never hold a whole collection in memory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import * as zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { DEFAULT_LIMITS, FormatError } from '../shared/errors';

/** One raw document. */
export interface RawTextRecord {
  id: string;
  /** PubMed id, when the source has one (OHSUMED has none: match it by `title`). */
  pmid?: string;
  /** Title on its own, when the source separates it (OHSUMED). */
  title?: string;
  /** The full text; for OHSUMED `title + ' ' + abstract` (as PubTator joins them). */
  text: string;
  /** Other source fields (OHSUMED `split`, `categories`; `pmidFrom: 'id'` when inferred). */
  attributes?: Record<string, string>;
}

/** True when the file starts with the gzip magic bytes. */
function isGzip(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(2);
    const n = fs.readSync(fd, buf, 0, 2, 0);
    return n === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The lines of a (possibly gzipped) file with 1-based numbers. Read and decompression errors
 * become `FormatError`, so a truncated or corrupt archive is reported like any other bad input.
 */
async function* fileLines(file: string): AsyncGenerator<[number, string]> {
  const raw = fs.createReadStream(file);
  let stream: Readable = raw;
  let failure: Error | undefined;
  raw.on('error', (e) => {
    failure ??= e;
  });
  if (isGzip(file)) {
    const gunzip = zlib.createGunzip();
    gunzip.on('error', (e) => {
      failure ??= e;
    });
    stream = raw.pipe(gunzip);
  }
  const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
  // readline does not end when its input fails, so a failure closes it explicitly.
  stream.on('error', () => rl.close());
  raw.on('error', () => rl.close());
  let n = 0;
  try {
    for await (const line of rl) {
      n++;
      if (failure) break;
      if (line.length > DEFAULT_LIMITS.maxLineLength) throw new FormatError({ source: file, line: n }, 'line too long');
      yield [n, n === 1 && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line];
    }
  } catch (e) {
    if (e instanceof FormatError) throw e;
    failure ??= e as Error;
  } finally {
    rl.close();
    stream.destroy();
    raw.destroy();
  }
  if (failure) throw new FormatError({ source: file, line: n + 1 }, `cannot read: ${failure.message}`);
}

/**
 * Read a TSV with a header naming at least `doc_id`, `title` and `abstract` (the OHSUMED file).
 * Other columns go to `attributes`. No quoting: titles contain literal double quotes.
 */
export async function* readOhsumedTsv(file: string): AsyncGenerator<RawTextRecord> {
  let header: string[] | undefined;
  let idCol = -1;
  let titleCol = -1;
  let abstractCol = -1;
  for await (const [n, line] of fileLines(file)) {
    if (line === '') continue;
    const cols = line.split('\t');
    if (!header) {
      header = cols;
      idCol = cols.indexOf('doc_id');
      titleCol = cols.indexOf('title');
      abstractCol = cols.indexOf('abstract');
      if (idCol < 0 || titleCol < 0 || abstractCol < 0) {
        throw new FormatError({ source: file, line: n }, 'header must name doc_id, title and abstract');
      }
      continue;
    }
    if (cols.length !== header.length) {
      throw new FormatError({ source: file, line: n }, `expected ${header.length} columns, found ${cols.length}`);
    }
    const id = cols[idCol] as string;
    const title = cols[titleCol] as string;
    const abstract = cols[abstractCol] as string;
    if (id === '') throw new FormatError({ source: file, line: n }, 'empty doc_id');
    const attributes: Record<string, string> = {};
    header.forEach((h, k) => {
      if (k !== idCol && k !== titleCol && k !== abstractCol) attributes[h] = cols[k] as string;
    });
    yield { id, title, text: abstract === '' ? title : `${title} ${abstract}`, attributes };
  }
  if (!header) throw new FormatError({ source: file }, 'empty file: no header');
}

const jsonlSchema = z.object({
  id: z.string().min(1),
  pmid: z.union([z.string(), z.number().int().nonnegative(), z.null()]).optional(),
  text: z.string(),
  title: z.string().optional(),
});

/**
 * PMIDs hidden in ids when `pmid` is null: `cellfinder:<PMID>`, `...:PMID<n>`, `...:<PMID>_gro.txt`.
 * Only these forms: other collections number their rows (`wallace2010-copd:148`, BioID caption
 * ids), and a row number taken for a PMID would exempt the row from the leak guard's text check.
 */
const ID_PMID_RE = /^(?:cellfinder:(\d+)|.*:PMID(\d+)|.*:(\d+)_[A-Za-z]+\.txt)$/;

/**
 * Read JSON lines `{id, pmid, text}`. A null `pmid` is taken from the id where the id holds one,
 * so the leak guard also sees those documents (marked `attributes.pmidFrom = 'id'`).
 */
export async function* readJsonlText(file: string): AsyncGenerator<RawTextRecord> {
  for await (const [n, line] of fileLines(file)) {
    if (line.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      throw new FormatError({ source: file, line: n }, `invalid JSON: ${(e as Error).message}`);
    }
    const parsed = jsonlSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new FormatError({ source: file, line: n }, `unexpected record shape: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`);
    }
    const { id, pmid, text, title } = parsed.data;
    const rec: RawTextRecord = { id, text };
    if (pmid !== undefined && pmid !== null) {
      rec.pmid = String(pmid);
    } else {
      const m = ID_PMID_RE.exec(id);
      const fromId = m?.[1] ?? m?.[2] ?? m?.[3];
      if (fromId !== undefined) {
        rec.pmid = fromId;
        rec.attributes = { pmidFrom: 'id' };
      }
    }
    if (title !== undefined) rec.title = title;
    yield rec;
  }
}

/** Read one raw-text file, choosing the reader by name (`.jsonl[.gz]` or `.tsv[.gz]`). */
export function readRawTextFile(file: string): AsyncGenerator<RawTextRecord> {
  const name = path.basename(file).toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.jsonl') || name.endsWith('.json')) return readJsonlText(file);
  if (name.endsWith('.tsv')) return readOhsumedTsv(file);
  throw new FormatError({ source: file }, 'unknown raw-text format (expected .jsonl or .tsv, optionally .gz)');
}

/** The raw-text files under `dir` (recursively), sorted by path. */
export function listRawTextFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.(jsonl|tsv)(\.gz)?$/i.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Every record of every raw-text file under `dir` (e.g. `pubmed-text/`), file by file. */
export async function* readRawTextDirectory(dir: string): AsyncGenerator<RawTextRecord & { file: string }> {
  for (const file of listRawTextFiles(dir)) {
    for await (const rec of readRawTextFile(file)) yield { ...rec, file };
  }
}
