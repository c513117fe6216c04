/**
 * Words for the static-word-vector baseline (skip-gram vectors feeding a CNN): a lowercase word
 * tokenizer that keeps document offsets, and a frequency-ranked vocabulary with a minimum count.
 *
 * Tokenization decisions:
 * - A word is a run of letters, digits and combining marks; a decimal or thousands separator
 *   between digits stays inside (`12.5`, `5,000`), so numbers are one token.
 * - Every other non-space character is a one-character punctuation token (kept: commas and
 *   parentheses shape relation sentences, and the CNN windows see them).
 * - Hyphenated compounds (`co-administration`, `dose-dependent`, `beta-blockers`) are kept whole
 *   when the compound is frequent enough to be in the vocabulary, because in this domain they are
 *   single terms whose meaning is not the sum of the parts; a rare compound backs off to its parts
 *   (`5-fluorouracil` → `<num>`, `fluorouracil`), which are usually known. The vocabulary is built
 *   the same way, so the parts' counts include the compounds that back off to them.
 * - A part made only of digits and separators becomes `<num>` (one digit class): dose values,
 *   years and percentages carry no lexical meaning, and `<num>-fold` then is one frequent word.
 *   Alphanumerics such as `cyp3a4` stay as they are: their digits are the name.
 * - Lowercasing, after the offsets are taken: offsets index the original text.
 *
 * Upper-case names (`DRUG1`) can never come out of the tokenizer, which lowercases, so the
 * entity-blinding tokens cannot collide with a word of the text; `<…>` cannot either, because `<`
 * is always a punctuation token.
 */
import * as fs from 'node:fs';

/** Padding: row 0, masked out by the models. */
export const PAD = '<pad>';
/** Any word not in the vocabulary. */
export const UNK = '<unk>';
/** The digit class. */
export const NUM = '<num>';
/** Entity blinding: the candidate's head mention, its tail mention, any other entity mention. */
export const BLIND_HEAD = 'DRUG1';
export const BLIND_TAIL = 'DRUG2';
export const BLIND_OTHER = 'DRUG0';

/** Reserved words, at ids 0..4 of every vocabulary. */
export const SPECIAL_WORDS: readonly string[] = [PAD, UNK, BLIND_HEAD, BLIND_TAIL, BLIND_OTHER];
/** Ids of the reserved words. */
export const PAD_ID = 0;
export const UNK_ID = 1;
export const BLIND_HEAD_ID = 2;
export const BLIND_TAIL_ID = 3;
export const BLIND_OTHER_ID = 4;

/** Tokenizer settings recorded with vectors and models, so a reader can check it splits alike. */
export const WORD_TOKENIZER = { kind: 'biore-words', version: 1, lowercase: true, numbers: NUM, hyphens: 'whole-or-parts', punctuation: 'single-char' } as const;

/** One word of a text: normalized form and original offsets (end exclusive). */
export interface WordToken {
  text: string;
  start: number;
  end: number;
  /** For a hyphenated compound: its parts (normalized, with their own offsets). */
  parts?: WordToken[];
}

// Part: letters/digits/marks, optionally with `.`/`,` + digits continuations (numbers).
const PART = String.raw`[\p{L}\p{N}\p{M}]+(?:[.,]\p{N}+)*`;
const TOKEN_RE = new RegExp(String.raw`${PART}(?:-${PART})*|[^\s\p{L}\p{N}\p{M}]`, 'gu');
const NUMBER_RE = /^\p{N}+(?:[.,]\p{N}+)*$/u;

function normalizePart(s: string): string {
  return NUMBER_RE.test(s) ? NUM : s.toLowerCase();
}

/**
 * Split `text` into words and punctuation with offsets relative to `text` plus `base`.
 * Deterministic and locale-independent.
 */
export function tokenizeWords(text: string, base = 0): WordToken[] {
  const out: WordToken[] = [];
  for (const m of text.matchAll(TOKEN_RE)) {
    const raw = m[0];
    const start = base + m.index;
    if (raw.length > 1 && raw.includes('-')) {
      const parts: WordToken[] = [];
      let at = start;
      for (const p of raw.split('-')) {
        parts.push({ text: normalizePart(p), start: at, end: at + p.length });
        at += p.length + 1;
      }
      out.push({ text: parts.map((p) => p.text).join('-'), start, end: start + raw.length, parts });
    } else {
      out.push({ text: raw.length === 1 && !/[\p{L}\p{N}]/u.test(raw) ? raw : normalizePart(raw), start, end: start + raw.length });
    }
  }
  return out;
}

/** A vocabulary entry in encoded text. */
export interface EncodedWord {
  id: number;
  start: number;
  end: number;
}

/**
 * Words ranked by count (ties by code point order, so the ranking is deterministic), after the
 * five reserved words. Counts of the reserved words are 0 except `<unk>`, which records how many
 * running tokens were unknown when the vocabulary was built.
 */
export class WordVocab {
  readonly words: readonly string[];
  readonly counts: readonly number[];
  private readonly index: Map<string, number>;

  constructor(words: readonly string[], counts: readonly number[]) {
    if (words.length !== counts.length) throw new Error('WordVocab: words and counts differ in length');
    SPECIAL_WORDS.forEach((w, i) => {
      if (words[i] !== w) throw new Error(`WordVocab: id ${i} must be ${w}, found ${words[i] ?? 'nothing'}`);
    });
    this.words = words;
    this.counts = counts;
    this.index = new Map(words.map((w, i) => [w, i]));
    if (this.index.size !== words.length) throw new Error('WordVocab: duplicate words');
  }

  /**
   * Vocabulary of words seen at least `minCount` times. `counts` holds whole tokens as the
   * tokenizer emits them; a hyphenated compound below `minCount` is dropped and its count added
   * to each of its parts (the back-off `encode` applies).
   */
  static fromCounts(counts: ReadonlyMap<string, number>, minCount: number): WordVocab {
    const adjusted = new Map(counts);
    for (const [w, n] of counts) {
      if (n >= minCount || !isCompound(w)) continue;
      adjusted.delete(w);
      for (const p of w.split('-')) adjusted.set(p, (adjusted.get(p) ?? 0) + n);
    }
    const kept = [...adjusted].filter(([w, n]) => n >= minCount && !SPECIAL_WORDS.includes(w));
    kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    let unknown = 0;
    for (const n of adjusted.values()) if (n < minCount) unknown += n;
    return new WordVocab([...SPECIAL_WORDS, ...kept.map(([w]) => w)], [0, unknown, 0, 0, 0, ...kept.map(([, n]) => n)]);
  }

  get size(): number {
    return this.words.length;
  }

  /** Id of a word, `UNK_ID` when absent. */
  id(word: string): number {
    return this.index.get(word) ?? UNK_ID;
  }

  has(word: string): boolean {
    return this.index.has(word);
  }

  /** Ids of tokens: a known compound as one id, an unknown one as its parts. */
  encode(tokens: readonly WordToken[]): EncodedWord[] {
    const out: EncodedWord[] = [];
    for (const t of tokens) {
      const id = this.index.get(t.text);
      if (id !== undefined || !t.parts) out.push({ id: id ?? UNK_ID, start: t.start, end: t.end });
      else for (const p of t.parts) out.push({ id: this.id(p.text), start: p.start, end: p.end });
    }
    return out;
  }

  /** `word<TAB>count` lines; the line number is the id. */
  toText(): string {
    return this.words.map((w, i) => `${w}\t${this.counts[i]!}\n`).join('');
  }

  static fromText(text: string, source = 'vocabulary'): WordVocab {
    const words: string[] = [];
    const counts: number[] = [];
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    lines.forEach((line, i) => {
      const tab = line.lastIndexOf('\t');
      const n = Number(line.slice(tab + 1));
      if (tab <= 0 || !Number.isInteger(n) || n < 0) throw new Error(`${source}:${i + 1}: expected "word<TAB>count"`);
      words.push(line.slice(0, tab));
      counts.push(n);
    });
    return new WordVocab(words, counts);
  }

  save(file: string): void {
    fs.writeFileSync(file, this.toText());
  }

  static load(file: string): WordVocab {
    return WordVocab.fromText(fs.readFileSync(file, 'utf8'), file);
  }
}

/** A hyphenated compound as the tokenizer writes it (not the lone `-` punctuation token). */
export function isCompound(w: string): boolean {
  return w.length > 2 && w.includes('-') && !w.startsWith('-') && !w.endsWith('-');
}
