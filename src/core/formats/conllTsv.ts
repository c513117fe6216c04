/**
 * Reader for BioBERT's CoNLL-style NER files: `token<TAB>TAG` per line, a blank line between
 * sentences, tags B/I/O without a type (the type comes from the corpus, so the caller gives it).
 * Each sentence becomes a document whose text is its tokens joined by single spaces.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createCollection } from '../document/document';
import type { Annotation, Collection, Document } from '../document/document';
import { DEFAULT_LIMITS, FormatError } from '../shared/errors';

/** How to type and name what the reader builds. */
export interface ConllOptions {
  /** Entity type for untyped B/I tags (`Gene`, `Disease`, `Species`). Typed `B-X` tags use X. */
  entityType: string;
  /** Prefix for document ids (`<prefix><n>`, n from 0); defaults to the file name. */
  idPrefix?: string;
}

/** Counts a caller may want to report or assert. */
export interface ConllStats {
  sentences: number;
  tokens: number;
  mentions: number;
  /** `I` tags that did not continue a mention (after `O`, at sentence start or after another type); each starts a new mention. */
  orphanInside: number;
}

/** The documents of one file and what was counted while reading it. */
export interface ConllResult {
  documents: Document[];
  stats: ConllStats;
}

const TAG_RE = /^(?:O|([BI])(?:-(.+))?)$/;

/** Parse a CoNLL TSV string. Throws only `FormatError`. */
export function parseConllTsv(text: string, source: string, options: ConllOptions): ConllResult {
  const prefix = options.idPrefix ?? `${path.basename(source)}:`;
  const stats: ConllStats = { sentences: 0, tokens: 0, mentions: 0, orphanInside: 0 };
  const documents: Document[] = [];
  let tokens: string[] = [];
  let tags: { bio: 'B' | 'I' | 'O'; type: string }[] = [];
  let firstLine = 0;

  const flush = (): void => {
    if (tokens.length === 0) return;
    let sentence = '';
    const annotations: Annotation[] = [];
    let open: Annotation | undefined;
    let openType = '';
    for (let k = 0; k < tokens.length; k++) {
      const tok = tokens[k] as string;
      const tag = tags[k] as { bio: 'B' | 'I' | 'O'; type: string };
      const start = sentence.length === 0 ? 0 : sentence.length + 1;
      sentence += (k === 0 ? '' : ' ') + tok;
      const end = sentence.length;
      if (tag.bio === 'I' && open && openType === tag.type) {
        const span = open.spans[0];
        if (span) span.end = end;
        continue;
      }
      open = undefined;
      if (tag.bio === 'O') continue;
      if (tag.bio === 'I') stats.orphanInside++;
      open = {
        id: `T${annotations.length + 1}`,
        type: tag.type,
        spans: [{ start, end }],
        text: '',
        ids: [],
        attributes: {},
      };
      openType = tag.type;
      annotations.push(open);
    }
    for (const a of annotations) {
      const s = a.spans[0];
      if (s) a.text = sentence.slice(s.start, s.end);
    }
    documents.push({
      id: `${prefix}${stats.sentences}`,
      passages: [{ offset: 0, text: sentence, attributes: { type: 'sentence' }, annotations }],
      relations: [],
      attributes: { line: String(firstLine) },
    });
    stats.sentences++;
    stats.tokens += tokens.length;
    stats.mentions += annotations.length;
    tokens = [];
    tags = [];
  };

  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] as string;
    // Stray CRs (files edited on Windows) are not part of the tag.
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (i === 0 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.trim() === '') {
      flush();
      continue;
    }
    const where = { source, line: i + 1 };
    if (line.length > DEFAULT_LIMITS.maxLineLength) throw new FormatError(where, 'line too long');
    const cols = line.split('\t');
    if (cols.length !== 2) throw new FormatError(where, `expected "token<TAB>tag", found ${cols.length} columns`);
    const [tok, tagS] = cols as [string, string];
    if (tok === '') throw new FormatError(where, 'empty token');
    const m = TAG_RE.exec(tagS);
    if (!m) throw new FormatError(where, `tag must be B, I or O (optionally B-type), found "${tagS}"`);
    if (tokens.length === 0) firstLine = i + 1;
    tokens.push(tok);
    tags.push(m[1] === undefined ? { bio: 'O', type: '' } : { bio: m[1] as 'B' | 'I', type: m[2] ?? options.entityType });
  }
  flush();
  return { documents, stats };
}

/** Read one CoNLL TSV file. */
export function readConllTsv(file: string, options: ConllOptions): ConllResult {
  return parseConllTsv(fs.readFileSync(file, 'utf8'), file, options);
}

/** Read one file into a collection (stats in `attributes`). */
export function readConllCollection(file: string, options: ConllOptions): Collection {
  const { documents, stats } = readConllTsv(file, options);
  return createCollection({
    source: file,
    key: 'CoNLL',
    attributes: {
      sentences: String(stats.sentences),
      tokens: String(stats.tokens),
      mentions: String(stats.mentions),
      orphanInside: String(stats.orphanInside),
    },
    documents,
  });
}
