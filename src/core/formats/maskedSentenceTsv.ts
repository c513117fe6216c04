/**
 * Reader for BioBERT's masked-sentence relation data (GAD, EU-ADR): one sentence per row with the
 * two arguments replaced by `@GENE$` and `@DISEASE$`, and a 0/1 association label.
 * `train.tsv` is `sentence<TAB>label` without a header; `test.tsv` has the header
 * `index<TAB>sentence<TAB>label`. Each row becomes a document whose mentions are the placeholders.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createCollection } from '../document/document';
import type { Annotation, Collection, Document } from '../document/document';
import { DEFAULT_LIMITS, FormatError } from '../shared/errors';

/** Where a file sits in the corpus; stored on every document it yields. */
export interface MaskedSentenceOptions {
  /** Corpus name, used in document ids (`GAD`, `EU-ADR`). */
  corpus: string;
  fold: number;
  split: 'train' | 'test';
}

const HEADER = 'index\tsentence\tlabel';
const PLACEHOLDERS: readonly { token: string; type: string; role: string }[] = [
  { token: '@GENE$', type: 'Gene', role: 'gene' },
  { token: '@DISEASE$', type: 'Disease', role: 'disease' },
];

/** Offsets of every occurrence of `token` in `text`. */
function occurrences(text: string, token: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf(token); i >= 0; i = text.indexOf(token, i + token.length)) out.push(i);
  return out;
}

/**
 * Parse one fold file. Rows have 2 columns (train) or 3 after the header line (test); the header
 * is recognised by its text, so either split may have it or not. Throws only `FormatError`.
 */
export function parseMaskedSentenceTsv(text: string, source: string, options: MaskedSentenceOptions): Document[] {
  const docs: Document[] = [];
  const lines = text.split('\n');
  let row = 0;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] as string;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (i === 0 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line === '') continue;
    const where = { source, line: i + 1 };
    if (i === 0 && line === HEADER) continue;
    if (line.length > DEFAULT_LIMITS.maxLineLength) throw new FormatError(where, 'line too long');
    const cols = line.split('\t');
    let sentence: string;
    let label: string;
    let index: string | undefined;
    if (cols.length === 2) {
      [sentence, label] = cols as [string, string];
    } else if (cols.length === 3) {
      [index, sentence, label] = cols as [string, string, string];
    } else {
      throw new FormatError(where, `expected 2 or 3 tab-separated columns, found ${cols.length}`);
    }
    if (label !== '0' && label !== '1') throw new FormatError(where, `label must be 0 or 1, found "${label}"`);
    const annotations: Annotation[] = [];
    for (const ph of PLACEHOLDERS) {
      const at = occurrences(sentence, ph.token);
      if (at.length !== 1) throw new FormatError(where, `expected exactly one ${ph.token}, found ${at.length}`);
      const start = at[0] as number;
      annotations.push({
        id: ph.role,
        type: ph.type,
        spans: [{ start, end: start + ph.token.length }],
        text: ph.token,
        ids: [],
        attributes: { masked: 'true' },
      });
    }
    annotations.sort((a, b) => (a.spans[0]?.start ?? 0) - (b.spans[0]?.start ?? 0));
    const id = `${options.corpus}.f${options.fold}.${options.split}.${row}`;
    const attributes: Record<string, string> = {
      corpus: options.corpus,
      fold: String(options.fold),
      split: options.split,
      label,
      row: String(row),
    };
    if (index !== undefined) attributes['index'] = index;
    docs.push({
      id,
      passages: [{ offset: 0, text: sentence, attributes: { type: 'sentence' }, annotations }],
      relations:
        label === '1'
          ? [
              {
                id: 'R1',
                type: 'Association',
                args: PLACEHOLDERS.map((ph) => ({ role: ph.role, ref: { kind: 'annotation' as const, id: ph.role } })),
                attributes: {},
                status: 'gold',
              },
            ]
          : [],
      attributes,
    });
    row++;
  }
  return docs;
}

/** Read one fold file (`<dir>/<fold>/<split>.tsv`). */
export function readMaskedSentenceFile(file: string, options: MaskedSentenceOptions): Document[] {
  return parseMaskedSentenceTsv(fs.readFileSync(file, 'utf8'), file, options);
}

/**
 * Read a `biobert_folds` folder: by default only the ten `test.tsv` files, which together are
 * the whole corpus (each train file is the union of the other nine test folds).
 */
export function readMaskedSentenceFolds(
  dir: string,
  corpus: string,
  splits: readonly ('train' | 'test')[] = ['test'],
): Collection {
  const folds = fs
    .readdirSync(dir)
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
  if (folds.length === 0) throw new FormatError({ source: dir }, 'no numbered fold folders');
  const documents: Document[] = [];
  for (const fold of folds) {
    for (const split of splits) {
      const file = path.join(dir, String(fold), `${split}.tsv`);
      documents.push(...readMaskedSentenceFile(file, { corpus, fold, split }));
    }
  }
  return createCollection({ source: dir, key: corpus, attributes: { corpus }, documents });
}
