/**
 * The offset aligner: the tokenizer's normalizer and pre-tokenizer re-implemented so that every
 * normalized character remembers which characters of the ORIGINAL text it came from.
 *
 * `@huggingface/tokenizers` (the JS port we encode with) returns tokens without offsets, and its
 * normalizer changes the text in ways that move characters: NFKC turns `ﬁ` into `fi`, `²` into
 * `2` and full-width `ＴＮＦ` into `TNF`; clean-up drops control and format characters (soft
 * hyphen, zero-width space); CJK ideographs get spaces around them; lower-casing can grow a
 * character (`İ` → `i̇`); accent stripping (NFD, then drop non-spacing marks) shrinks `é` to `e`.
 * This module applies the same steps one *chunk* at a time (a code point plus the combining
 * marks that follow it), so each normalized UTF-16 unit maps to the original span of its chunk.
 *
 * The steps mirror the JS library exactly, in its order, per section between added tokens:
 * `[NFKC] → clean_text → CJK spacing → lowercase → NFD + strip \p{Mn}`, then BERT
 * pre-tokenization (runs of non-space non-punctuation, or one punctuation character). Where the
 * JS port differs from the Rust library we follow the JS port, because that is what runs: it
 * only spaces BMP CJK ideographs (it tests UTF-16 units), for instance.
 *
 * Conventions: offsets are 0-based, end-exclusive UTF-16 code-unit offsets into the string that
 * was passed in (the same unit as the document model's offsets).
 */

/** A Unicode normalization form applied before the BERT normalizer (null: none). */
export type UnicodeForm = 'NFC' | 'NFD' | 'NFKC' | 'NFKD';

/** What the normalizer does; read from (and written to) `tokenizer.json`. */
export interface NormalizerConfig {
  /** Unicode normalizer placed before BertNormalizer in a `Sequence`, or null. */
  unicodeForm: UnicodeForm | null;
  /** BertNormalizer `clean_text`: drop NUL, U+FFFD and control/format characters; whitespace → space. */
  cleanText: boolean;
  /** BertNormalizer `handle_chinese_chars`: put spaces around CJK ideographs. */
  handleChineseChars: boolean;
  lowercase: boolean;
  /** Effective accent stripping (BertNormalizer's `strip_accents`, where null follows `lowercase`). */
  stripAccents: boolean;
}

/** The normalizer our trained tokenizers use: see tokenizerJson.ts for why each step is there. */
export const DEFAULT_NORMALIZER: NormalizerConfig = {
  unicodeForm: 'NFKC',
  cleanText: true,
  handleChineseChars: true,
  lowercase: true,
  stripAccents: true,
};

/** A section of text between added tokens, normalized, with its pre-tokenized words. */
export interface TextSegment {
  kind: 'text';
  /** Original span of the section. */
  start: number;
  end: number;
  /** The section after normalization (what the WordPiece model sees). */
  normalized: string;
  /**
   * Original start and end of the chunk each normalized UTF-16 unit came from; null when the
   * mapping is the identity (unit `i` ↔ original `start + i`), the common all-ASCII case.
   */
  starts: number[] | null;
  ends: number[] | null;
  /** Pre-tokenized words as normalized-index pairs: `[s0, e0, s1, e1, ...]`, end-exclusive. */
  words: number[];
}

/** An added token (entity marker, task tag, `[CLS]` ...) matched verbatim in the text. */
export interface AddedSegment {
  kind: 'added';
  content: string;
  start: number;
  end: number;
}

export type Segment = TextSegment | AddedSegment;

/** BERT punctuation: Unicode P* plus every ASCII non-alphanumeric symbol (`+`, `$`, `<`, `^` ...). */
const PUNCT = String.raw`\p{P}\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E`;
/** One pre-token: a run of non-space non-punctuation, or a single punctuation character. */
const PRE_TOKEN = new RegExp(String.raw`[^\s${PUNCT}]+|[${PUNCT}]`, 'gu');
/** Code points that join the previous chunk: combining marks and Hangul medial/final jamo (they compose with what precedes them). */
const ATTACHING = /^[\p{M}\u1160-\u11FF\uD7B0-\uD7FF]$/u;
const CONTROL = /^[\p{Cc}\p{Cf}\p{Co}\p{Cs}]$/u;
const WHITESPACE = /^\s$/u;
const NON_SPACING_MARKS = /\p{Mn}/gu;
/** Sections made only of printable ASCII, tab, LF and CR map one-to-one onto their normalization. */
const NOT_SIMPLE_ASCII = /[^\t\n\r\x20-\x7E]/;
const TAB_NL_CR = /[\t\n\r]/g;
const CASED = /^\p{Cased}$/u;
const CASE_IGNORABLE = /^\p{Case_Ignorable}$/u;
const CAPITAL_SIGMA = 'Σ';

/** CJK ideograph blocks BERT puts spaces around (the same ranges as BERT's `_is_chinese_char`). */
function isCjkIdeograph(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** UTF-16 length of the code point at `i` (2 for a well-formed surrogate pair, else 1). */
function codePointLength(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Chunk-normalization results kept per aligner; bounded so odd inputs cannot grow it forever. */
const CHUNK_CACHE_LIMIT = 50_000;

/**
 * Normalizes and pre-tokenizes text exactly as the tokenizer does, keeping original offsets.
 * One instance per tokenizer (it caches chunk normalizations); not thread-shared state beyond that.
 */
export class OffsetAligner {
  private readonly addedPattern: RegExp | null;
  private readonly chunkCache = new Map<string, string>();

  /**
   * @param config normalizer steps, as in the tokenizer.json
   * @param addedTokens contents matched verbatim (case-sensitive, before normalization) and never
   *   split: special tokens, entity markers, task tags
   */
  constructor(
    readonly config: NormalizerConfig,
    addedTokens: readonly string[] = [],
  ) {
    const contents = [...new Set(addedTokens)].filter((t) => t.length > 0);
    // Longest first, so the alternation is leftmost-longest like the library's trie splitter.
    contents.sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
    this.addedPattern = contents.length ? new RegExp(contents.map(escapeRegExp).join('|'), 'g') : null;
  }

  /**
   * The normalized form of `text` (no added-token handling): what the library's normalizer
   * returns for the same string. Used for checks and for matching token text to source text.
   */
  normalize(text: string): string {
    return this.alignSection(text, 0, text.length).normalized;
  }

  /**
   * Split `text` at added tokens, then normalize and pre-tokenize each section between them.
   * Offsets in the result are into `text`.
   */
  align(text: string): Segment[] {
    const out: Segment[] = [];
    let last = 0;
    if (this.addedPattern) {
      const re = this.addedPattern;
      re.lastIndex = 0;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        if (m.index > last) out.push(this.alignSection(text, last, m.index));
        out.push({ kind: 'added', content: m[0], start: m.index, end: m.index + m[0].length });
        last = m.index + m[0].length;
      }
    }
    if (last < text.length) out.push(this.alignSection(text, last, text.length));
    return out;
  }

  /**
   * The normalized words of `text`, in order, without offsets (training-time word counting).
   * Added tokens found in the text are skipped, as the tokenizer never splits them.
   */
  words(text: string, onWord: (word: string) => void): void {
    for (const seg of this.align(text)) {
      if (seg.kind !== 'text') continue;
      const w = seg.words;
      for (let k = 0; k < w.length; k += 2) onWord(seg.normalized.slice(w[k]!, w[k + 1]!));
    }
  }

  /** Normalize `text[start, end)` and pre-tokenize it. */
  alignSection(text: string, start: number, end: number): TextSegment {
    const section = text.slice(start, end);
    if (!NOT_SIMPLE_ASCII.test(section)) {
      // Fast path: tab/LF/CR become spaces, letters lower-case, nothing moves.
      let normalized = this.config.cleanText ? section.replace(TAB_NL_CR, ' ') : section;
      if (this.config.lowercase) normalized = normalized.toLowerCase();
      return { kind: 'text', start, end, normalized, starts: null, ends: null, words: preTokenize(normalized) };
    }
    let normalized = '';
    const starts: number[] = [];
    const ends: number[] = [];
    const sigmas: number[] = [];
    let i = start;
    while (i < end) {
      const c = text.charCodeAt(i);
      const next = i + 1 < end ? text.charCodeAt(i + 1) : 0;
      if (c < 0x80 && next < 0x300) {
        // ASCII not followed by a combining mark (marks start at U+0300): normalize inline.
        const piece = this.asciiChar(c);
        if (piece !== '') {
          normalized += piece;
          starts.push(i);
          ends.push(i + 1);
        }
        i++;
        continue;
      }
      let j = i + codePointLength(text, i);
      while (j < end && text.charCodeAt(j) >= 0x300 && ATTACHING.test(text.slice(j, j + codePointLength(text, j)))) {
        j += codePointLength(text, j);
      }
      const before = sigmas.length;
      const piece = this.chunk(text.slice(i, j), sigmas);
      for (let k = before; k < sigmas.length; k++) sigmas[k]! += normalized.length;
      normalized += piece;
      for (let k = 0; k < piece.length; k++) {
        starts.push(i);
        ends.push(j);
      }
      i = j;
    }
    for (const p of sigmas) {
      if (isFinalSigma(normalized, p)) normalized = normalized.slice(0, p) + 'ς' + normalized.slice(p + 1);
    }
    return { kind: 'text', start, end, normalized, starts, ends, words: preTokenize(normalized) };
  }

  /** Normalization of one ASCII character ('' when clean-up drops it). */
  private asciiChar(c: number): string {
    if (this.config.cleanText) {
      if (c === 0x09 || c === 0x0a || c === 0x0d) return ' ';
      // Every other C0 control and DEL is dropped (BERT's clean-up), \v and \f included.
      if (c < 0x20 || c === 0x7f) return '';
    }
    if (this.config.lowercase && c >= 0x41 && c <= 0x5a) return String.fromCharCode(c + 32);
    return String.fromCharCode(c);
  }

  /**
   * Normalization of the chunk `text[i, j)`, a code point and the marks attached to it. A
   * capital sigma becomes `σ` here and its index in the result is pushed on `sigmas`: whether it
   * should be final `ς` depends on the neighbours, decided once the section is done.
   */
  private chunk(raw: string, sigmas: number[]): string {
    const cached = this.chunkCache.get(raw);
    if (cached !== undefined) return cached;
    const unified = this.config.unicodeForm ? raw.normalize(this.config.unicodeForm) : raw;
    let out = '';
    let hasSigma = false;
    for (const ch of unified) {
      const cp = ch.codePointAt(0)!;
      if (this.config.cleanText) {
        if (cp === 0 || cp === 0xfffd || (CONTROL.test(ch) && ch !== '\t' && ch !== '\n' && ch !== '\r')) continue;
        if (WHITESPACE.test(ch)) {
          out += ' ';
          continue;
        }
      }
      // The library tests UTF-16 units for CJK, so astral ideographs are never spaced: same here.
      const spaced = this.config.handleChineseChars && ch.length === 1 && isCjkIdeograph(cp);
      if (spaced) out += ' ';
      if (this.config.lowercase && ch === CAPITAL_SIGMA) {
        hasSigma = true;
        sigmas.push(out.length);
      }
      out += this.fold(ch);
      if (spaced) out += ' ';
    }
    // Results with a sigma are not cached: the caller needs the sigma positions every time.
    if (!hasSigma) {
      if (this.chunkCache.size >= CHUNK_CACHE_LIMIT) this.chunkCache.clear();
      this.chunkCache.set(raw, out);
    }
    return out;
  }

  /** Lower-casing and accent stripping of one code point (capital sigma → `σ`; see `chunk`). */
  private fold(ch: string): string {
    let s = ch;
    if (this.config.lowercase) s = ch.toLowerCase();
    if (this.config.stripAccents) s = s.normalize('NFD').replace(NON_SPACING_MARKS, '');
    return s;
  }
}

/**
 * Unicode's Final_Sigma condition for the sigma at `p` of a normalized section: preceded by a
 * cased letter and not followed by one, skipping case-ignorable characters. The library
 * lower-cases each section after NFKC and clean-up, so the context is the normalized text
 * (stripped marks are case-ignorable, so their absence changes nothing) and stops at added tokens.
 */
function isFinalSigma(s: string, p: number): boolean {
  let before = false;
  for (let k = p; k > 0; ) {
    const c = s.charCodeAt(k - 1);
    const n = c >= 0xdc00 && c <= 0xdfff && k >= 2 && codePointLength(s, k - 2) === 2 ? 2 : 1;
    k -= n;
    const ch = s.slice(k, k + n);
    if (CASE_IGNORABLE.test(ch)) continue;
    before = CASED.test(ch);
    break;
  }
  if (!before) return false;
  for (let k = p + 1; k < s.length; ) {
    const n = codePointLength(s, k);
    const ch = s.slice(k, k + n);
    k += n;
    if (CASE_IGNORABLE.test(ch)) continue;
    return !CASED.test(ch);
  }
  return true;
}

/** BERT pre-tokenization of a normalized string: word boundaries as `[s0, e0, s1, e1, ...]`. */
export function preTokenize(normalized: string): number[] {
  const out: number[] = [];
  PRE_TOKEN.lastIndex = 0;
  for (let m = PRE_TOKEN.exec(normalized); m !== null; m = PRE_TOKEN.exec(normalized)) {
    out.push(m.index, m.index + m[0].length);
  }
  return out;
}

/**
 * Original span `[start, end)` of the normalized range `[a, b)` of a segment (`a < b`). Pieces
 * inside one chunk (the `f` of `ﬁ`) get the whole chunk: no finer source exists.
 */
export function originalSpan(seg: TextSegment, a: number, b: number): [number, number] {
  if (seg.starts === null || seg.ends === null) return [seg.start + a, seg.start + b];
  return [seg.starts[a]!, seg.ends[b - 1]!];
}
