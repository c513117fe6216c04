/**
 * `BioTokenizer`: the models' tokenizer. Token ids come from `@huggingface/tokenizers` (the JS
 * port of Hugging Face tokenizers) running our `tokenizer.json`; character offsets come from our
 * own aligner (offsetAligner.ts), because the JS port returns none. The two are matched token by
 * token: every token the library returns must equal the piece of normalized text the aligner
 * says is next, so offsets can never silently drift.
 *
 * A pure-TS reference encoder (`encodeReference`) runs the same pipeline with our own greedy
 * longest-match WordPiece; the tests require both to agree on thousands of sentences, which is
 * how we know the JSON we write means what we think it means.
 *
 * Offsets: 0-based, end-exclusive UTF-16 offsets into the string passed in (`text` for tokens of
 * the first sequence, `pair` for the second); template tokens (`[CLS]`, `[SEP]`) get `[0, 0]`
 * and `specialTokensMask` 1; inserted markers get the zero-width span `[at, at]`.
 */
import type * as HfModule from '@huggingface/tokenizers' with { 'resolution-mode': 'import' };
import { OffsetAligner, originalSpan, type Segment, type TextSegment } from './offsetAligner';
import { parseTokenizerJson, readTokenizerDirectory, type ParsedTokenizerJson, type TemplatePiece } from './tokenizerJson';

// The package is ESM-first but ships a CommonJS build ("require" export condition) that Node 20
// and esbuild both load; a static import would make this CommonJS file an ESM importer.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const hf = require('@huggingface/tokenizers') as typeof HfModule;

/** A marker token (`<e1>`, `[GENE]` ...) inserted into the text at an original offset. */
export interface Marker {
  /** UTF-16 offset into the text, 0 ≤ at ≤ text.length; markers at one offset keep their order. */
  at: number;
  /** An added token of the tokenizer. */
  token: string;
}

export interface EncodeOptions {
  /** Second sequence: `[CLS] text [SEP] pair [SEP]`, type id 1 for the pair part. */
  pair?: string;
  /** Most tokens in the output, special tokens included; longer input is cut, longest sequence first. */
  maxLength?: number;
  /** Apply the template (`[CLS]`, `[SEP]`); default true. */
  addSpecialTokens?: boolean;
  /** Markers to insert into `text` (offsets stay those of the unmarked text). */
  markers?: readonly Marker[];
  /** Markers to insert into `pair`. */
  pairMarkers?: readonly Marker[];
}

/** One encoded input; every array has one entry per token. */
export interface Encoding {
  ids: number[];
  tokens: string[];
  /** `[start, end)` in the original text of the token's sequence; `[0, 0]` for template tokens. */
  offsets: [number, number][];
  /** 0: from `text`, 1: from `pair`, null: template token. */
  sequenceIds: (0 | 1 | null)[];
  /** Index of the pre-tokenized word within its sequence (added tokens count as words); null for template tokens. */
  wordIds: (number | null)[];
  /** token_type_ids of the template (0 for `[CLS] A [SEP]`, 1 for `B [SEP]`). */
  typeIds: number[];
  attentionMask: number[];
  /** 1 for template tokens (`[CLS]`, `[SEP]`), else 0. */
  specialTokensMask: number[];
  /** Tokens dropped by `maxLength`. */
  truncatedTokens: number;
}

/** A batch input: a text, or a text with a pair and markers. */
export type BatchInput = string | ({ text: string } & Omit<EncodeOptions, 'maxLength' | 'addSpecialTokens'>);

/** Padded id matrices for a model. */
export interface PaddedBatch {
  inputIds: number[][];
  attentionMask: number[][];
  typeIds: number[][];
  /** Unpadded lengths. */
  lengths: number[];
}

/** Tokens of one sequence before the template is applied. */
interface SequenceTokens {
  ids: number[];
  tokens: string[];
  offsets: [number, number][];
  wordIds: number[];
}

/** Maps offsets of a marked text back to the text without markers. */
interface MarkedText {
  text: string;
  /** Marked offset where each inserted marker starts, its token, its original offset. */
  inserted: { markedAt: number; token: string; at: number }[];
}

export class BioTokenizer {
  private readonly hf: HfModule.Tokenizer;
  private readonly aligner: OffsetAligner;
  private readonly addedContents: Set<string>;
  private readonly maxPieceLength: number;
  private readonly templateSpecial: Map<string, { ids: number[]; tokens: string[] }>;
  /** Sections whose library tokens could not be matched to the aligner (offsets fell back to the section). Should stay 0. */
  alignmentFallbacks = 0;

  /** Ids of the core special tokens. */
  readonly specialIds: { pad: number; unk: number; cls: number; sep: number; mask: number };

  private constructor(
    private readonly parsed: ParsedTokenizerJson,
    config: Record<string, unknown>,
  ) {
    // The JS port's constructor wants plain objects; tokenizer_config.json may be absent.
    this.hf = new hf.Tokenizer(parsed.raw as object, config);
    this.addedContents = new Set(parsed.addedTokens.map((t) => t.content));
    this.aligner = new OffsetAligner(parsed.normalizer, [...this.addedContents]);
    let longest = 1;
    for (const t of parsed.vocab.keys()) {
      longest = Math.max(longest, t.startsWith(parsed.prefix) ? t.length - parsed.prefix.length : t.length);
    }
    this.maxPieceLength = longest;
    this.templateSpecial = parsed.templateSpecial;
    const id = (t: string): number => {
      const v = parsed.vocab.get(t);
      if (v === undefined) throw new Error(`tokenizer has no ${t} token`);
      return v;
    };
    this.specialIds = { pad: id('[PAD]'), unk: id('[UNK]'), cls: id('[CLS]'), sep: id('[SEP]'), mask: id('[MASK]') };
  }

  /** Load `dir/tokenizer.json` (and `dir/tokenizer_config.json` when present). */
  static fromDirectory(dir: string): BioTokenizer {
    const { parsed, config } = readTokenizerDirectory(dir);
    return new BioTokenizer(parsed, config);
  }

  /**
   * From a tokenizer.json object or text (as written by tokenizerJson.ts).
   * @param source name used in error messages
   */
  static fromJson(json: unknown, config: Record<string, unknown> = {}, source = 'tokenizer.json'): BioTokenizer {
    return new BioTokenizer(parseTokenizerJson(json, source), config);
  }

  /** Number of ids (largest id + 1). */
  get vocabSize(): number {
    return this.parsed.idToToken.length;
  }

  /** The normalizer steps (from the tokenizer.json). */
  get normalizerConfig(): OffsetAligner['config'] {
    return this.parsed.normalizer;
  }

  /** Added tokens (special tokens and markers), in the JSON's order. */
  get addedTokens(): string[] {
    return this.parsed.addedTokens.map((t) => t.content);
  }

  /** Id of a token, or undefined. */
  tokenToId(token: string): number | undefined {
    return this.parsed.vocab.get(token);
  }

  /** Token of an id, or undefined. */
  idToToken(id: number): string | undefined {
    return this.parsed.idToToken[id];
  }

  /** The text the normalizer makes of `text` (lower-cased, NFKC, accents stripped ...). */
  normalize(text: string): string {
    return this.aligner.normalize(text);
  }

  /** Text of ids through the library's WordPiece decoder (`##` pieces joined). */
  decode(ids: readonly number[], skipSpecialTokens = true): string {
    if (ids.length === 0) return '';
    return this.hf.decode([...ids], { skip_special_tokens: skipSpecialTokens });
  }

  /**
   * Encode with the library and align every token to the original text.
   * @throws RangeError on a marker outside the text, an unknown marker token, or a maxLength
   *   smaller than the template's special tokens
   */
  encode(text: string, options: EncodeOptions = {}): Encoding {
    return this.encodeWith(text, options, (t) => this.libraryTokens(t));
  }

  /** The same encoding from our own WordPiece implementation (no library): the reference the tests compare against. */
  encodeReference(text: string, options: EncodeOptions = {}): Encoding {
    return this.encodeWith(text, options, (t) => this.referenceTokens(t));
  }

  /**
   * The library alone: ids and tokens with the template, no offsets, no truncation. The
   * baseline for throughput figures; use `encode` everywhere else.
   */
  encodeWithoutOffsets(text: string, pair?: string): { ids: number[]; tokens: string[] } {
    const r = this.hf.encode(text, { text_pair: pair ?? null });
    return { ids: r.ids, tokens: r.tokens };
  }

  /** Encode many inputs with the same options (markers and pairs per input). */
  encodeBatch(inputs: readonly BatchInput[], options: Pick<EncodeOptions, 'maxLength' | 'addSpecialTokens'> = {}): Encoding[] {
    return inputs.map((x) => (typeof x === 'string' ? this.encode(x, options) : this.encode(x.text, { ...x, ...options })));
  }

  /**
   * Pad encodings to one length with `[PAD]` (attention 0, type id 0).
   * @param padTo target length; default the longest encoding (never shorter than it)
   */
  padBatch(encodings: readonly Encoding[], padTo?: number): PaddedBatch {
    const longest = encodings.reduce((m, e) => Math.max(m, e.ids.length), 0);
    const n = Math.max(longest, padTo ?? 0);
    const fill = (xs: number[], v: number): number[] => (xs.length < n ? [...xs, ...new Array<number>(n - xs.length).fill(v)] : [...xs]);
    return {
      inputIds: encodings.map((e) => fill(e.ids, this.specialIds.pad)),
      attentionMask: encodings.map((e) => fill(e.attentionMask, 0)),
      typeIds: encodings.map((e) => fill(e.typeIds, 0)),
      lengths: encodings.map((e) => e.ids.length),
    };
  }

  private encodeWith(text: string, options: EncodeOptions, sequence: (t: string) => SequenceTokens): Encoding {
    const a = this.encodeMarked(text, options.markers ?? [], sequence);
    const b = options.pair === undefined ? null : this.encodeMarked(options.pair, options.pairMarkers ?? [], sequence);
    const template = b === null ? this.parsed.single : this.parsed.pair;
    const addSpecial = options.addSpecialTokens ?? true;
    let truncatedTokens = 0;
    if (options.maxLength !== undefined) {
      const specials = addSpecial ? template.reduce((n, p) => n + ('SpecialToken' in p ? this.templateSpecial.get(p.SpecialToken.id)!.ids.length : 0), 0) : 0;
      const budget = options.maxLength - specials;
      if (budget < 0) throw new RangeError(`maxLength ${options.maxLength} leaves no room for ${specials} special tokens`);
      // Longest first: shorten whichever sequence is longer, one token at a time (ties cut the pair).
      let la = a.ids.length;
      let lb = b === null ? 0 : b.ids.length;
      while (la + lb > budget) {
        if (la > lb) la--;
        else lb--;
      }
      truncatedTokens = a.ids.length - la + (b === null ? 0 : b.ids.length - lb);
      cut(a, la);
      if (b !== null) cut(b, lb);
    }
    const out: Encoding = { ids: [], tokens: [], offsets: [], sequenceIds: [], wordIds: [], typeIds: [], attentionMask: [], specialTokensMask: [], truncatedTokens };
    const pieces: TemplatePiece[] = addSpecial ? template : [{ Sequence: { id: 'A', type_id: 0 } }, ...(b === null ? [] : [{ Sequence: { id: 'B' as const, type_id: 1 } }])];
    for (const p of pieces) {
      if ('SpecialToken' in p) {
        const s = this.templateSpecial.get(p.SpecialToken.id)!;
        s.ids.forEach((id, k) => {
          out.ids.push(id);
          out.tokens.push(s.tokens[k]!);
          out.offsets.push([0, 0]);
          out.sequenceIds.push(null);
          out.wordIds.push(null);
          out.typeIds.push(p.SpecialToken.type_id);
          out.attentionMask.push(1);
          out.specialTokensMask.push(1);
        });
        continue;
      }
      const seq = p.Sequence.id === 'A' ? a : b;
      if (seq === null) continue;
      const seqId = p.Sequence.id === 'A' ? 0 : 1;
      for (let k = 0; k < seq.ids.length; k++) {
        out.ids.push(seq.ids[k]!);
        out.tokens.push(seq.tokens[k]!);
        out.offsets.push(seq.offsets[k]!);
        out.sequenceIds.push(seqId);
        out.wordIds.push(seq.wordIds[k]!);
        out.typeIds.push(p.Sequence.type_id);
        out.attentionMask.push(1);
        out.specialTokensMask.push(0);
      }
    }
    return out;
  }

  /** Insert markers, encode, and map offsets back to the unmarked text. */
  private encodeMarked(text: string, markers: readonly Marker[], sequence: (t: string) => SequenceTokens): SequenceTokens {
    if (markers.length === 0) return sequence(text);
    const marked = this.insertMarkers(text, markers);
    const r = sequence(marked.text);
    // A marked offset maps back by subtracting the marker text that starts before it. Text
    // tokens never straddle a marker (the marker is its own section), so this is exact.
    const back = (o: number): number => {
      let shift = 0;
      for (const x of marked.inserted) {
        if (x.markedAt >= o) break;
        shift += x.token.length;
      }
      return o - shift;
    };
    let m = 0;
    for (let t = 0; t < r.ids.length; t++) {
      const [s, e] = r.offsets[t]!;
      const ins = marked.inserted[m];
      if (ins !== undefined && s === ins.markedAt && r.tokens[t] === ins.token) {
        r.offsets[t] = [ins.at, ins.at];
        m++;
      } else {
        r.offsets[t] = [back(s), back(e)];
      }
    }
    return r;
  }

  private insertMarkers(text: string, markers: readonly Marker[]): MarkedText {
    const sorted = markers.map((x, i) => ({ ...x, i })).sort((x, y) => x.at - y.at || x.i - y.i);
    let out = '';
    let last = 0;
    const inserted: MarkedText['inserted'] = [];
    for (const x of sorted) {
      if (!Number.isInteger(x.at) || x.at < 0 || x.at > text.length) throw new RangeError(`marker ${x.token} at ${x.at} is outside the text (length ${text.length})`);
      if (!this.addedContents.has(x.token)) throw new RangeError(`marker ${x.token} is not an added token of this tokenizer`);
      out += text.slice(last, x.at);
      last = x.at;
      inserted.push({ markedAt: out.length, token: x.token, at: x.at });
      out += x.token;
    }
    out += text.slice(last);
    return { text: out, inserted };
  }

  /** Library tokens of one sequence, aligned to `text`. */
  private libraryTokens(text: string): SequenceTokens {
    const r = this.hf.encode(text, { add_special_tokens: false });
    return this.align(text, this.aligner.align(text), r.tokens, r.ids);
  }

  /** Reference tokens of one sequence: aligner + our own WordPiece. */
  private referenceTokens(text: string): SequenceTokens {
    const out: SequenceTokens = { ids: [], tokens: [], offsets: [], wordIds: [] };
    let word = 0;
    for (const seg of this.aligner.align(text)) {
      if (seg.kind === 'added') {
        out.ids.push(this.parsed.vocab.get(seg.content)!);
        out.tokens.push(seg.content);
        out.offsets.push([seg.start, seg.end]);
        out.wordIds.push(word++);
        continue;
      }
      const w = seg.words;
      for (let k = 0; k < w.length; k += 2) {
        this.wordPiece(seg, w[k]!, w[k + 1]!, word, out);
        word++;
      }
    }
    return out;
  }

  /** Greedy longest-match-first WordPiece of the normalized word `[ws, we)` of a segment. */
  private wordPiece(seg: TextSegment, ws: number, we: number, word: number, out: SequenceTokens): void {
    const text = seg.normalized;
    const { prefix, vocab } = this.parsed;
    const unk = (): void => {
      out.ids.push(this.parsed.unkId);
      out.tokens.push(this.parsed.unkToken);
      out.offsets.push(originalSpan(seg, ws, we));
      out.wordIds.push(word);
    };
    if (we - ws > this.parsed.maxInputCharsPerWord && [...text.slice(ws, we)].length > this.parsed.maxInputCharsPerWord) return unk();
    const n0 = out.ids.length;
    let start = ws;
    while (start < we) {
      let end = Math.min(we, start + this.maxPieceLength);
      let found: number | undefined;
      let token = '';
      for (; end > start; end--) {
        // Never cut between the halves of a surrogate pair (the library works on code points).
        if (end < we && isLowSurrogate(text.charCodeAt(end)) && isHighSurrogate(text.charCodeAt(end - 1))) continue;
        token = start === ws ? text.slice(start, end) : prefix + text.slice(start, end);
        // The library looks pieces up in its vocabulary merged with the added tokens; so do we.
        found = vocab.get(token);
        if (found !== undefined) break;
      }
      if (found === undefined) {
        out.ids.length = out.tokens.length = out.offsets.length = out.wordIds.length = n0;
        return unk();
      }
      out.ids.push(found);
      out.tokens.push(token);
      out.offsets.push(originalSpan(seg, start, end));
      out.wordIds.push(word);
      start = end;
    }
  }

  /** Match library tokens to the aligner's segments (see the module comment). */
  private align(text: string, segments: Segment[], tokens: string[], ids: number[]): SequenceTokens {
    const out: SequenceTokens = { ids: [], tokens: [], offsets: [], wordIds: [] };
    const { prefix, unkToken } = this.parsed;
    let t = 0;
    let word = 0;
    const push = (k: number, span: [number, number], w: number): void => {
      out.ids.push(ids[k]!);
      out.tokens.push(tokens[k]!);
      out.offsets.push(span);
      out.wordIds.push(w);
    };
    for (let si = 0; si < segments.length; si++) {
      const seg = segments[si]!;
      if (seg.kind === 'added') {
        if (tokens[t] === seg.content) {
          push(t++, [seg.start, seg.end], word++);
          continue;
        }
        // Unreachable unless the library splits added tokens differently: keep going from here.
        this.alignmentFallbacks++;
        continue;
      }
      const t0 = t;
      const w0 = word;
      let ok = true;
      const w = seg.words;
      for (let k = 0; ok && k < w.length; k += 2) {
        const ws = w[k]!;
        const we = w[k + 1]!;
        if (tokens[t] === unkToken) {
          push(t++, originalSpan(seg, ws, we), word++);
          continue;
        }
        let pos = ws;
        while (pos < we) {
          const tok = tokens[t];
          const piece = tok === undefined ? undefined : pos === ws ? tok : tok.startsWith(prefix) ? tok.slice(prefix.length) : undefined;
          if (piece === undefined || piece.length === 0 || pos + piece.length > we || !seg.normalized.startsWith(piece, pos)) {
            ok = false;
            break;
          }
          push(t++, originalSpan(seg, pos, pos + piece.length), word);
          pos += piece.length;
        }
        word++;
      }
      if (ok) continue;
      // The library normalized this section differently from the aligner (never seen on real
      // text; kept so one odd character cannot break encoding): give its tokens the section span.
      this.alignmentFallbacks++;
      out.ids.length = out.tokens.length = out.offsets.length = out.wordIds.length = out.ids.length - (t - t0);
      const next = segments.slice(si + 1).find((x) => x.kind === 'added');
      let end = tokens.length;
      if (next !== undefined) {
        const found = tokens.indexOf(next.content, t0);
        if (found >= 0) end = found;
      }
      word = w0;
      for (t = t0; t < end; t++) push(t, [seg.start, seg.end], word);
      word++;
    }
    if (t < tokens.length) {
      // Tokens the aligner did not account for: attach them to the end of the text.
      this.alignmentFallbacks++;
      for (; t < tokens.length; t++) push(t, [text.length, text.length], word);
    }
    return out;
  }
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Keep the first `n` tokens of a sequence. */
function cut(s: SequenceTokens, n: number): void {
  s.ids.length = s.tokens.length = s.offsets.length = s.wordIds.length = n;
}
