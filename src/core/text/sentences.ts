import type { Span } from '../document/document';

/*
 * Rule-based sentence splitter for biomedical prose (PubMed titles and abstracts, drug labels).
 *
 * One left-to-right pass finds boundary candidates; each is decided by looking at a bounded
 * window around it (the token before the punctuation, the first character after the following
 * whitespace). Nothing here uses backtracking regular expressions and every whitespace run is
 * read once, so the run time is linear in the input length and a 1 MB paste stays interactive.
 *
 * Boundaries:
 * - `.`, `?`, `!`, `…` followed by whitespace or the end of text; closing quotes and brackets
 *   right after the punctuation stay with the sentence (`(see below.)`, `"stop."`).
 * - A blank line (paragraph break) always.
 * - A single line break when the next line starts with an uppercase letter or a bullet, unless
 *   the line ends in a joining character (`,` `-` `(` ...) or a function word (`with`, `the`):
 *   a title line followed by its abstract, or a heading, has no final period.
 * - With `semicolons: true`, also `;` followed by whitespace (DDI-2013's convention).
 *
 * Periods that do not end a sentence:
 * - before a lowercase word (`e.g. aspirin`, `E. coli`, `5 mg. per kg`): most abbreviations are
 *   followed by lowercase, while a new sentence almost never starts lowercase. The exceptions
 *   that do start sentences in this domain (`mRNA`, `p53`, `β-Blockers`, list items `ii.`) split,
 *   except after a known abbreviation.
 * - after "prefix" abbreviations, normally followed by a name or number (`Fig. 2`, `Dr. Smith`,
 *   `et al. (2003)`, `vs. B`, `e.g. Aspirin`), whatever follows;
 * - after single capital initials (`J. Smith`), unless the letter follows a lowercase noun and
 *   so names a variant (`amphotericin B. The ...`);
 * - after "postfix" abbreviations (`i.v.`, `min.`, `resp.`) unless an uppercase word follows;
 * - inside a short, closed bracket pair (`(ref. 3 and Fig. 1)`), unless the bracket holds
 *   sentences of its own.
 * Periods not followed by whitespace (`0.5`, `1.2-fold`, `U.S.A.`) are never candidates.
 */

/** Abbreviations usually followed by a name, a number or a capitalized word: never a boundary. */
const PREFIX_ABBREVIATIONS = new Set([
  'e.g', 'i.e', 'eg', 'ie', 'vs', 'v', 'cf', 'ca', 'approx', 'al', 'fig', 'figs', 'ref', 'refs',
  'dr', 'drs', 'mr', 'mrs', 'ms', 'prof', 'no', 'nos', 'st', 'jr', 'sr', 'u.s', 'u.k', 'eq', 'eqs',
  'vol', 'vols', 'pp', 'tab', 'sect', 'ch', 'natl', 'acad', 'sci', 'proc', 'biol', 'chem',
  'pharmacol', 'physiol', 'biochem', 'clin', 'exp', 'res', 'int', 'nat', 'rev', 'med',
]);

/**
 * Abbreviations that may end a sentence: a boundary only when an uppercase word follows
 * (`given i.v. Plasma levels ...`), never before lowercase, digits or brackets.
 */
const POSTFIX_ABBREVIATIONS = new Set([
  'i.v', 'i.p', 's.c', 'p.o', 'i.m', 'i.c.v', 'i.t', 'b.i.d', 't.i.d', 'q.i.d', 'q.d', 'h.s',
  'p.r.n', 'min', 'max', 'wt', 'mg', 'kg', 'ml', 'g', 'resp', 'incl', 'etc', 'sp', 'spp', 'inc',
  'ltd', 'corp', 'co', 'conc', 'hr', 'hrs', 'h', 'sec', 's', 'wk', 'wks', 'yr', 'yrs', 'mo', 'mos',
  'temp', 'dept', 'univ', 'aq', 'ext', 'var', 'ssp', 'subsp', 'cv', 'avg', 'est',
]);

/** Nouns whose single-letter variants (`vitamin A`, `hepatitis B`) may end a sentence. */
const LETTER_NOUNS = new Set([
  'vitamin', 'vitamins', 'hepatitis', 'type', 'types', 'group', 'groups', 'phase', 'class',
  'protein', 'factor', 'complex', 'fraction', 'lane', 'panel', 'figure', 'schedule', 'grade',
  'stage', 'category', 'list', 'table', 'appendix', 'part', 'section', 'subtype', 'strain',
  'site', 'domain', 'region', 'arm', 'cohort', 'form', 'isoform', 'kinase', 'receptor', 'chain',
  'influenza', 'coenzyme', 'compound', 'series', 'model', 'cluster', 'level', 'point', 'step',
]);

/** Words that introduce a person's name, so a capital letter after them is an initial. */
const NAME_PRECEDERS = new Set([
  'by', 'and', 'of', 'with', 'from', 'to', 'dr.', 'prof.', 'mr.', 'mrs.', 'ms.', '&', 'et', 'cf.',
  'see', 'in', 'author', 'authors', 'professor', 'doctor',
]);

/** Closing punctuation that belongs to the sentence it follows. */
const CLOSERS = new Set([')', ']', '}', '"', "'", '\u201d', '\u2019', '\u00bb', '\u203a']);
/** Opening punctuation skipped when looking at how the next sentence starts. */
const OPENERS = new Set(['(', '[', '{', '"', "'", '\u201c', '\u2018', '\u00ab', '\u2039']);
/** Characters that, ending a line, say the sentence continues on the next line. */
const JOINERS = new Set([',', ';', '-', '\u2013', '\u2014', '(', '[', '{', '/', '&', '+']);
/**
 * Lowercase words that cannot end a title or heading: a line ending in one was wrapped
 * mid-sentence (`... treated with\nAspirin and ...`).
 */
const FUNCTION_WORDS = new Set([
  'a', 'an', 'the', 'of', 'and', 'or', 'nor', 'but', 'with', 'without', 'in', 'into', 'to', 'for',
  'by', 'from', 'on', 'at', 'as', 'than', 'that', 'which', 'whose', 'who', 'is', 'are', 'was',
  'were', 'be', 'been', 'has', 'have', 'had', 'not', 'between', 'versus', 'via', 'per', 'its',
  'their', 'this', 'these', 'after', 'before', 'during', 'under', 'over', 'both', 'either',
]);
/** Bullets that start a new item at the beginning of a line. */
const BULLETS = new Set(['\u2022', '\u2023', '\u25e6', '\u2043', '\u2219', '*', '\u00b7']);

/** Longest bracket pair (in characters) whose content is treated as part of one sentence. */
const MAX_BRACKET_SPAN = 300;
/** How far back a token is read; longer "tokens" are never abbreviations. */
const MAX_TOKEN = 40;

/** Same set as JavaScript's `\s` and `String.prototype.trim`. */
function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

function isLineBreak(c: number): boolean {
  return c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029;
}

const UPPER = /\p{Lu}|\p{Lt}/u;
const LOWER = /\p{Ll}/u;
const DIGIT = /\p{Nd}/u;
const GREEK_LOWER = /[\u03b1-\u03c9]/u;

function isUpper(ch: string): boolean {
  return UPPER.test(ch);
}

/** Character at `i` as a full code point string (surrogate pairs joined). */
function charAt(text: string, i: number): string {
  const cp = text.codePointAt(i);
  return cp === undefined ? '' : String.fromCodePoint(cp);
}

/**
 * Matching closing index of each matched opening bracket (unmatched ones are absent), found with a stack.
 * A closer only looks a few entries down the stack so that stray brackets cannot make the
 * pass quadratic.
 */
function matchBrackets(text: string): Map<number, number> {
  const match = new Map<number, number>();
  const stack: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x28 || c === 0x5b || c === 0x7b) {
      stack.push(i);
    } else if (c === 0x29 || c === 0x5d || c === 0x7d) {
      const open = c === 0x29 ? 0x28 : c === 0x5d ? 0x5b : 0x7b;
      for (let k = stack.length - 1; k >= 0 && k >= stack.length - 4; k--) {
        const o = stack[k]!;
        if (text.charCodeAt(o) === open) {
          match.set(o, i);
          stack.length = k;
          break;
        }
      }
    } else if (c === 0x0a && i + 1 < text.length) {
      // A blank line ends every open bracket: a paragraph never continues a parenthesis.
      let j = i + 1;
      while (j < text.length && isSpace(text.charCodeAt(j)) && !isLineBreak(text.charCodeAt(j))) j++;
      if (j < text.length && isLineBreak(text.charCodeAt(j))) stack.length = 0;
    }
  }
  return match;
}

/** Start of the whitespace-delimited token that ends right before `end` (opening brackets skipped). */
function tokenStart(text: string, end: number): number {
  let s = end;
  const limit = Math.max(0, end - MAX_TOKEN);
  while (s > limit && !isSpace(text.charCodeAt(s - 1))) s--;
  while (s < end && OPENERS.has(text[s]!)) s++;
  return s;
}

/** The token that ends right before the whitespace preceding `end`, or ''. */
function wordBefore(text: string, end: number): string {
  let e = end;
  while (e > 0 && isSpace(text.charCodeAt(e - 1))) e--;
  if (e === end) return '';
  return text.slice(tokenStart(text, e), e);
}

interface NextStart {
  /** First character of the next word (after whitespace and opening brackets), or ''. */
  ch: string;
  /** Index of `ch`. */
  at: number;
  /** Line breaks in the whitespace before it (a paragraph separator counts two). */
  lineBreaks: number;
  /** End of the whitespace run. */
  wsEnd: number;
}

/** How the text continues after index `i`. */
function nextStart(text: string, i: number): NextStart {
  let lineBreaks = 0;
  let j = i;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (!isSpace(c)) break;
    if (c === 0x0a || c === 0x2028 || c === 0x2029 || (c === 0x0d && text.charCodeAt(j + 1) !== 0x0a)) {
      lineBreaks += c === 0x2029 ? 2 : 1;
    }
    j++;
  }
  const wsEnd = j;
  while (j < text.length && OPENERS.has(text[j]!)) j++;
  return { ch: charAt(text, j), at: j, lineBreaks, wsEnd };
}

/** The lowercase token starting at `i`: does it carry an uppercase letter or a digit (`mRNA`)? */
function isMixedCaseToken(text: string, i: number): boolean {
  for (let j = i + 1; j < text.length && j < i + MAX_TOKEN; j++) {
    const ch = text[j]!;
    if (isSpace(text.charCodeAt(j)) || ch === '-' || ch === ',' || ch === '(') return false;
    if (UPPER.test(ch) || DIGIT.test(ch)) return true;
  }
  return false;
}

/** A lowercase roman-numeral list item (`ii.`, `iv)`) starting at `i`: items are sentences. */
function isRomanItem(text: string, i: number): boolean {
  let j = i;
  while (j < text.length && j < i + 5 && 'ivx'.includes(text[j]!)) j++;
  if (j === i || j >= text.length - 1) return false;
  return (text[j] === '.' || text[j] === ')') && isSpace(text.charCodeAt(j + 1));
}

type Abbreviation = 'prefix' | 'postfix' | 'initial' | 'none';

/**
 * Is a capital letter followed by a period a name initial (`J. Smith`, `by A. B. Jones`) rather
 * than a variant letter ending a sentence (`amphotericin B. If ...`, `vitamin A. The ...`)?
 * `before` is the word in front of the letter. In biomedical prose letters after lowercase
 * content words are nearly always variants (DDI Train: 34 of 34 such periods end a sentence),
 * while initials follow other initials, capitalized first names, or words like `by` and `and`.
 */
function looksLikeInitial(before: string): boolean {
  if (before === '' || before.endsWith(',')) return true;
  const lower = before.toLowerCase();
  if (LETTER_NOUNS.has(lower)) return false;
  if (NAME_PRECEDERS.has(lower)) return true;
  const first = charAt(before, 0);
  // `A.` `J.-P.` `Dr.` `John`: another initial or a capitalized word.
  return isUpper(first);
}

/** Classify the token in front of a period (`token` excludes the period itself). */
function classifyAbbreviation(text: string, start: number, token: string): Abbreviation {
  if (token.length === 0) return 'none';
  const lower = token.toLowerCase();
  if (lower === 'al') {
    return wordBefore(text, start).toLowerCase() === 'et' ? 'prefix' : 'none';
  }
  // `No. 5` is a number sign; a lowercase `no.` ends sentences (`... or no.`).
  if (lower === 'no' || lower === 'nos') return token[0] === 'N' ? 'prefix' : 'none';
  if (PREFIX_ABBREVIATIONS.has(lower)) return 'prefix';
  if (POSTFIX_ABBREVIATIONS.has(lower)) return 'postfix';
  if (token.length === 1 && isUpper(token)) {
    const before = wordBefore(text, start);
    return looksLikeInitial(before) ? 'initial' : 'none';
  }
  // Dotted letter sequences (`b.i.d`, `a.m`, `U.S.A`) are abbreviations.
  if (/^(?:\p{L}\.)+\p{L}$/u.test(token)) return 'postfix';
  return 'none';
}

/** Does the period at `punctStart` end a sentence, given how the text continues? */
function periodEnds(text: string, punctStart: number, next: NextStart): boolean {
  const start = tokenStart(text, punctStart);
  const kind = classifyAbbreviation(text, start, text.slice(start, punctStart));
  if (kind === 'prefix' || kind === 'initial') return false;
  if (LOWER.test(next.ch)) {
    // Greek letters and mixed-case tokens (`β-Blockers`, `mRNA`) do start sentences here.
    if (kind === 'postfix') return false;
    return GREEK_LOWER.test(next.ch) || isMixedCaseToken(text, next.at) || isRomanItem(text, next.at);
  }
  if (isUpper(next.ch)) return true;
  // Digits, symbols: `i.v. 5 mg/kg` continues, `in 2003. 12 patients` does not.
  return kind === 'none';
}

/** Options of {@link splitSentences}. */
export interface SplitOptions {
  /**
   * Also end a sentence at a semicolon followed by whitespace. Off by default (a semicolon joins
   * clauses of one sentence); DDI-2013's gold sentences follow this convention, mostly in
   * DrugBank's semicolon-separated lists.
   */
  semicolons?: boolean;
}

interface OpenBracket {
  close: number;
  /** Words seen before the bracket opened. */
  words: number;
}

/**
 * Split biomedical text into sentences, returning their spans (relative to `text`, end-exclusive,
 * leading/trailing whitespace excluded, sorted, non-overlapping). Every non-whitespace character
 * lies in exactly one span. Linear time; never throws.
 */
export function splitSentences(text: string, options: SplitOptions = {}): Span[] {
  const n = text.length;
  const brackets = matchBrackets(text);
  /** Enclosing matched bracket pairs short enough to keep their content in one sentence. */
  const open: OpenBracket[] = [];
  const boundaries: number[] = [];
  // Running word count, so that "how many words since X" is O(1) (keeps the pass linear).
  let words = 0;
  let wordsAtBoundary = 0;
  const boundary = (at: number): void => {
    boundaries.push(at);
    wordsAtBoundary = words;
  };

  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (!isSpace(c) && (i === 0 || isSpace(text.charCodeAt(i - 1)))) words++;
    if (c === 0x28 || c === 0x5b || c === 0x7b) {
      const close = brackets.get(i);
      if (close !== undefined && close - i <= MAX_BRACKET_SPAN) open.push({ close, words: words - 1 });
      continue;
    }
    while (open.length > 0 && open[open.length - 1]!.close <= i) open.pop();

    if (c === 0x2e || c === 0x3f || c === 0x21 || c === 0x2026 || (c === 0x3b && options.semicolons === true)) {
      // Consume the whole run of terminal punctuation and closers: `?!`, `...`, `.)"`.
      let j = i + 1;
      if (c !== 0x3b) {
        while (j < n) {
          const d = text.charCodeAt(j);
          if (d === 0x2e || d === 0x3f || d === 0x21 || d === 0x2026 || CLOSERS.has(text[j]!)) j++;
          else break;
        }
      }
      if (j >= n || !isSpace(text.charCodeAt(j))) {
        i = j - 1;
        continue;
      }
      // Brackets closed inside the run no longer protect the boundary.
      while (open.length > 0 && open[open.length - 1]!.close < j) open.pop();
      const nx = nextStart(text, j);
      let ends: boolean;
      if (nx.lineBreaks >= 2 || nx.ch === '') {
        ends = true;
      } else if (c === 0x3b) {
        ends = true;
      } else if (open.length > 0 && !sentencesInBrackets(words, open[open.length - 1]!, wordsAtBoundary, nx)) {
        ends = false;
      } else if (c === 0x2026 || (c === 0x2e && text.charCodeAt(i + 1) === 0x2e)) {
        // An ellipsis ends a sentence only before an uppercase start.
        ends = isUpper(nx.ch);
      } else if (c === 0x2e) {
        ends = periodEnds(text, i, nx);
      } else {
        ends = true;
      }
      if (ends) boundary(j);
      // Skip the whitespace: it was just read, and re-reading it per line break would be quadratic.
      i = nx.wsEnd - 1;
      continue;
    }

    if (c === 0x0a || c === 0x2028 || c === 0x2029 || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) {
      const nx = nextStart(text, i);
      let prevEnd = i;
      while (prevEnd > 0 && isSpace(text.charCodeAt(prevEnd - 1))) prevEnd--;
      let ends: boolean;
      if (nx.ch === '' || prevEnd === 0) {
        ends = false;
      } else if (nx.lineBreaks >= 2) {
        ends = true;
      } else if (endsWithTerminal(text, prevEnd)) {
        // Terminal punctuation was already decided at the punctuation itself.
        ends = false;
      } else if (open.length > 0 || JOINERS.has(text[prevEnd - 1]!) || FUNCTION_WORDS.has(text.slice(tokenStart(text, prevEnd), prevEnd))) {
        ends = false;
      } else {
        ends = isUpper(nx.ch) || BULLETS.has(text[nx.at]!);
      }
      if (ends) {
        boundary(prevEnd);
        // A paragraph or line-level break also ends any parenthesis.
        open.length = 0;
      }
      i = nx.wsEnd - 1;
    }
  }
  return spansBetween(text, boundaries);
}

/** Fewest words before a period inside brackets for the bracket to hold full sentences. */
const MIN_SENTENCE_WORDS_IN_BRACKETS = 5;

/**
 * Inside a short bracket pair a period normally does not end the sentence (`(ref. 3)`,
 * `(Sigma Chem. Co.)`), but a parenthesis can hold whole sentences of its own (drug labels:
 * `(Thiazides may decrease responsiveness to norepinephrine. This diminution is ...)`). Treat
 * the period as a candidate when at least a clause's worth of words precede it inside the
 * bracket and an uppercase word follows.
 */
function sentencesInBrackets(words: number, bracket: OpenBracket, wordsAtBoundary: number, next: NextStart): boolean {
  const since = words - Math.max(bracket.words, wordsAtBoundary);
  return since >= MIN_SENTENCE_WORDS_IN_BRACKETS && isUpper(next.ch);
}

/** Does the line content ending at `end` end in terminal punctuation (closers skipped)? */
function endsWithTerminal(text: string, end: number): boolean {
  let e = end;
  while (e > 0 && e > end - 8 && CLOSERS.has(text[e - 1]!)) e--;
  const c = text.charCodeAt(e - 1);
  return c === 0x2e || c === 0x3f || c === 0x21 || c === 0x2026;
}

/** Trimmed, non-empty spans between sorted boundary positions. */
function spansBetween(text: string, boundaries: readonly number[]): Span[] {
  const out: Span[] = [];
  let from = 0;
  const push = (a: number, b: number): void => {
    let s = a;
    let e = b;
    while (s < e && isSpace(text.charCodeAt(s))) s++;
    while (e > s && isSpace(text.charCodeAt(e - 1))) e--;
    if (e > s) out.push({ start: s, end: e });
  };
  for (const b of boundaries) {
    if (b <= from) continue;
    push(from, b);
    from = b;
  }
  push(from, text.length);
  return out;
}
