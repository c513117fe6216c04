import * as fs from 'node:fs';
import * as path from 'node:path';
import { SaxesParser } from 'saxes';
import type { Span } from '../document/document';
import { FormatError } from '../shared/errors';
import { splitSentences } from '../text/sentences';

/*
 * Sentence-boundary evaluation against DDI-2013's gold sentences.
 *
 * A DDI document is a list of sentence texts. We rebuild one document text by joining the raw
 * sentence texts with a single space (the texts keep their own trailing spaces and `\r\n`, so a
 * title's line break survives, as it would in a pasted abstract). A gold boundary is the end of
 * a sentence after trimming its trailing whitespace. The end of the last sentence is excluded
 * from both sides: every splitter gets the end of the text right, and counting it would inflate
 * the scores of short documents. Sentences whose text is empty or whitespace only (DDI has a few)
 * contribute no boundary.
 */

/** A function that splits text into sentence spans (relative, end-exclusive, trimmed). */
export type Splitter = (text: string) => Span[];

/** Boundary-level scores: a predicted sentence end matches a gold one at the same offset. */
export interface BoundaryScores {
  precision: number;
  recall: number;
  f1: number;
  tp: number;
  fp: number;
  fn: number;
}

/** One wrong boundary: `fp` predicted but not gold, `fn` gold but missed. */
export interface BoundaryError {
  kind: 'fp' | 'fn';
  /** Short description of the situation (`"al." + Upper`, `";" + lower`), used for grouping. */
  pattern: string;
  /** The text around the boundary, with `‖` marking it. */
  context: string;
}

/** Errors of one pattern, most frequent first in reports. */
export interface ErrorGroup {
  kind: 'fp' | 'fn';
  pattern: string;
  count: number;
  examples: string[];
}

/** Scores for one slice of the corpus. */
export interface SliceReport {
  /** `Train`, `Test`. */
  split: string;
  /** `MedLine`, `DrugBank`, `all`. */
  subset: string;
  documents: number;
  sentences: number;
  /** Gold boundaries counted (sentence ends except each document's last). */
  boundaries: number;
  baseline: BoundaryScores;
  splitter: BoundaryScores;
  /** The splitter with `semicolons: true`, DDI's own convention (see `SplitOptions`). */
  splitterSemicolons: BoundaryScores;
}

/** The full evaluation report (`biore eval splitter`). */
export interface SentenceBoundaryReport {
  corpus: string;
  slices: SliceReport[];
  /** Most common remaining errors of the splitter, per split. */
  errors: { split: string; groups: ErrorGroup[] }[];
}

/** The text a document's sentences form (joined with one space) and the gold sentence ends. */
export function goldBoundaries(sentences: readonly string[]): { text: string; ends: number[] } {
  const ends: number[] = [];
  let offset = 0;
  for (const s of sentences) {
    if (offset > 0) offset += 1;
    const trimmed = s.trimEnd();
    if (trimmed.trimStart().length > 0) ends.push(offset + trimmed.length);
    offset += s.length;
  }
  return { text: sentences.join(' '), ends };
}

interface DocComparison {
  text: string;
  gold: Set<number>;
  predicted: Set<number>;
}

function compareDocument(sentences: readonly string[], splitter: Splitter): DocComparison {
  const { text, ends } = goldBoundaries(sentences);
  const last = text.trimEnd().length;
  const gold = new Set(ends.filter((e) => e !== last));
  const predicted = new Set(splitter(text).map((s) => s.end).filter((e) => e !== last));
  return { text, gold, predicted };
}

function scores(tp: number, fp: number, fn: number): BoundaryScores {
  // With nothing to find or nothing predicted, the empty answer is taken as fully right.
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, tp, fp, fn };
}

/**
 * Boundary precision, recall and F1 of `splitter` (default: {@link splitSentences}) on documents
 * given as lists of gold sentence texts. Pure; each document's final end is not counted.
 */
export function evaluateSentenceBoundaries(
  docs: readonly (readonly string[])[],
  splitter: Splitter = splitSentences,
): BoundaryScores {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const sentences of docs) {
    const { gold, predicted } = compareDocument(sentences, splitter);
    for (const e of predicted) {
      if (gold.has(e)) tp++;
      else fp++;
    }
    for (const e of gold) if (!predicted.has(e)) fn++;
  }
  return scores(tp, fp, fn);
}

/**
 * The naive baseline: a boundary after every period that is followed by whitespace and an
 * uppercase letter. Nothing else (no `?`, `!`, line breaks or abbreviations).
 */
export function naiveSplitSentences(text: string): Span[] {
  const out: Span[] = [];
  const re = /\.(?=\s+\p{Lu})/gu;
  let from = 0;
  const push = (a: number, b: number): void => {
    const piece = text.slice(a, b);
    const lead = piece.length - piece.trimStart().length;
    const body = piece.trim();
    if (body) out.push({ start: a + lead, end: a + lead + body.length });
  };
  for (let m = re.exec(text); m; m = re.exec(text)) {
    push(from, m.index + 1);
    from = m.index + 1;
  }
  push(from, text.length);
  return out;
}

const CONTEXT = 40;

function describeSide(text: string, at: number): { before: string; after: string } {
  let s = at;
  while (s > 0 && !/\s/.test(text[s - 1]!)) s--;
  const before = text.slice(s, at);
  let j = at;
  while (j < text.length && /\s/.test(text[j]!)) j++;
  const ch = text[j] ?? '';
  const after = /\p{Lu}/u.test(ch) ? 'Upper' : /\p{Ll}/u.test(ch) ? 'lower' : /\d/.test(ch) ? 'digit' : ch;
  return { before, after };
}

/** A coarse name for the situation at a boundary, so that errors can be grouped and counted. */
function errorPattern(kind: 'fp' | 'fn', text: string, at: number): string {
  const { before, after } = describeSide(text, at);
  const last = before.slice(-1);
  let left: string;
  if (last === '.' && before.length <= 6) left = `"${before}"`;
  else if (/[.?!]["')\]]*$/.test(before)) left = `word${before.slice(before.search(/[.?!]["')\]]*$/))}`;
  else if (/\p{L}/u.test(last)) left = 'no punctuation';
  else left = `"${last}"`;
  const gap = /[\r\n]/.test(text.slice(at, at + 4)) ? ' + newline' : '';
  return `${kind} ${left}${gap} + ${after}`;
}

/** Every wrong boundary of `splitter` on the documents, with context. */
export function boundaryErrors(
  docs: readonly (readonly string[])[],
  splitter: Splitter = splitSentences,
): BoundaryError[] {
  const out: BoundaryError[] = [];
  for (const sentences of docs) {
    const { text, gold, predicted } = compareDocument(sentences, splitter);
    const add = (kind: 'fp' | 'fn', at: number): void => {
      const context = (text.slice(Math.max(0, at - CONTEXT), at) + '‖' + text.slice(at, at + CONTEXT)).replace(/\s/g, ' ');
      out.push({ kind, pattern: errorPattern(kind, text, at), context });
    };
    for (const e of predicted) if (!gold.has(e)) add('fp', e);
    for (const e of gold) if (!predicted.has(e)) add('fn', e);
  }
  return out;
}

/** Errors grouped by pattern, most frequent first. */
export function groupErrors(errors: readonly BoundaryError[], limit = 15, examples = 3): ErrorGroup[] {
  const groups = new Map<string, ErrorGroup>();
  for (const e of errors) {
    const key = e.pattern;
    let g = groups.get(key);
    if (!g) {
      g = { kind: e.kind, pattern: e.pattern, count: 0, examples: [] };
      groups.set(key, g);
    }
    g.count++;
    if (g.examples.length < examples) g.examples.push(e.context);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.pattern.localeCompare(b.pattern)).slice(0, limit);
}

/**
 * Sentence texts of one DDI XML file (`<document><sentence text="..."/>...`), in order.
 * Only the `text` attributes are read; malformed XML is a {@link FormatError}.
 */
export function ddiSentenceTexts(xml: string, source: string): string[] {
  const out: string[] = [];
  const parser = new SaxesParser({ position: true });
  parser.on('opentag', (node) => {
    if (node.name !== 'sentence') return;
    const t = node.attributes['text'];
    if (typeof t !== 'string') {
      throw new FormatError({ source, line: parser.line, element: '<sentence>' }, 'missing text attribute');
    }
    out.push(t);
  });
  parser.on('error', (err) => {
    throw new FormatError({ source, line: parser.line, column: parser.column }, err.message);
  });
  parser.write(xml).close();
  return out;
}

async function xmlFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await xmlFilesUnder(p)));
    else if (e.isFile() && e.name.endsWith('.xml')) out.push(p);
  }
  return out;
}

/** DDI documents (lists of sentence texts) of one split, by subset (`MedLine`, `DrugBank`). */
export async function readDdiSentences(splitDir: string): Promise<Map<string, string[][]>> {
  const bySubset = new Map<string, string[][]>();
  for (const file of await xmlFilesUnder(splitDir)) {
    // Train/DrugBank/x.xml and Test/Test for DDI Extraction task/MedLine/x.xml alike.
    const subset = path.basename(path.dirname(file));
    const xml = await fs.promises.readFile(file, 'utf8');
    const docs = bySubset.get(subset) ?? [];
    docs.push(ddiSentenceTexts(xml, file));
    bySubset.set(subset, docs);
  }
  return bySubset;
}

const splitWithSemicolons: Splitter = (text) => splitSentences(text, { semicolons: true });

function slice(split: string, subset: string, docs: readonly string[][]): SliceReport {
  const boundaries = docs.reduce((n, d) => n + Math.max(0, goldBoundaries(d).ends.length - 1), 0);
  return {
    split,
    subset,
    documents: docs.length,
    sentences: docs.reduce((n, d) => n + d.length, 0),
    boundaries,
    baseline: evaluateSentenceBoundaries(docs, naiveSplitSentences),
    splitter: evaluateSentenceBoundaries(docs, splitSentences),
    splitterSemicolons: evaluateSentenceBoundaries(docs, splitWithSemicolons),
  };
}

/**
 * Evaluate the splitter and the naive baseline on DDI-2013 (`<dataRoot>/ddi/DDICorpus/{Train,Test}`;
 * Test pools its two task folders, which hold different documents). The splitter's rules were
 * tuned on Train only, so Test is the held-out figure. Throws when the corpus is missing.
 */
export async function runSentenceBoundaryEvaluation(dataRoot: string): Promise<SentenceBoundaryReport> {
  const corpus = path.join(dataRoot, 'ddi', 'DDICorpus');
  if (!fs.existsSync(path.join(corpus, 'Train'))) {
    // Scoring an empty corpus would print perfect scores; say what is missing instead.
    throw new Error(`DDI-2013 corpus not found: ${path.join(corpus, 'Train')} does not exist`);
  }
  const report: SentenceBoundaryReport = { corpus, slices: [], errors: [] };
  for (const split of ['Train', 'Test']) {
    const bySubset = await readDdiSentences(path.join(corpus, split));
    const all: string[][] = [];
    for (const subset of ['MedLine', 'DrugBank']) {
      const docs = bySubset.get(subset) ?? [];
      all.push(...docs);
      report.slices.push(slice(split, subset, docs));
    }
    report.slices.push(slice(split, 'all', all));
    report.errors.push({ split, groups: groupErrors(boundaryErrors(all)) });
  }
  return report;
}

const pct = (x: number): string => (100 * x).toFixed(1).padStart(5);

/** The report as a plain-text table plus the most common errors, for the CLI. */
export function formatSentenceBoundaryReport(report: SentenceBoundaryReport): string {
  const lines = [
    `Sentence boundaries on ${report.corpus}`,
    "Boundary = gold sentence end (trailing whitespace trimmed); each document's final end is not counted.",
    'baseline = split at ". " + uppercase; splitter = splitSentences; +semicolons = splitSentences(text, { semicolons: true }).',
    '',
    'split  subset    docs  bounds |  baseline P/R/F1   |  splitter P/R/F1    (tp/fp/fn)       | +semicolons P/R/F1',
  ];
  const prf = (x: BoundaryScores): string => `${pct(x.precision)} ${pct(x.recall)} ${pct(x.f1)}`;
  for (const s of report.slices) {
    const t = s.splitter;
    lines.push(
      `${s.split.padEnd(6)} ${s.subset.padEnd(9)} ${String(s.documents).padStart(4)} ${String(s.boundaries).padStart(7)} | ` +
        `${prf(s.baseline)} | ${prf(t)} ${`(${t.tp}/${t.fp}/${t.fn})`.padEnd(16)} | ${prf(s.splitterSemicolons)}`,
    );
  }
  for (const e of report.errors) {
    lines.push('', `Most common splitter errors on ${e.split} (fp = spurious boundary, fn = missed):`);
    for (const g of e.groups) {
      lines.push(`  ${String(g.count).padStart(4)}  ${g.pattern}`);
      for (const x of g.examples.slice(0, 2)) lines.push(`          ${x}`);
    }
  }
  return lines.join('\n');
}
