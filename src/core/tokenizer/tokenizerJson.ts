/**
 * The Hugging Face `tokenizer.json` we write and read, plus its companions in a tokenizer
 * folder: `vocab.txt` (BERT's one-token-per-line vocabulary), `tokenizer_config.json` (what
 * `transformers` and the JS port read beside it) and `tokenizer_meta.json` (our record of the
 * training text: corpora, splits, hash).
 *
 * Pipeline written into the JSON, all standard Hugging Face components:
 * - normalizer: `Sequence[NFKC, BertNormalizer(clean_text, handle_chinese_chars, lowercase,
 *   strip_accents)]`. NFKC first folds what biomedical PDFs and XML carry in several spellings:
 *   micro sign `µ` → Greek `μ`, `Ca²⁺` → `Ca2+`, ligatures `ﬁ` → `fi`, full-width `ＴＮＦ` → `TNF`,
 *   `℃` → `°C`. Lower-casing follows uncased biomedical BERTs (PubMedBERT, SciBERT uncased).
 *   Accent stripping is kept: it is NFD then removal of non-spacing marks, and Greek letters have
 *   no canonical decomposition, so `α β γ κ μ` survive untouched (only tonos/dialytika go,
 *   `ά` → `α`), while `naïve`/`naive`, `Sjögren`/`Sjogren`, `Ménière`/`Meniere` — spelled both
 *   ways in PubMed — become one word. The tests assert that Greek letters survive.
 * - pre_tokenizer: `BertPreTokenizer` (split on whitespace, isolate every punctuation character).
 * - model: `WordPiece` with `##` continuation pieces and `[UNK]`.
 * - post_processor: `TemplateProcessing` `[CLS] $A [SEP]`, pair `[CLS] $A [SEP] $B:1 [SEP]:1`.
 * - decoder: `WordPiece` (`##` joins).
 * Special tokens and relation markers are `added_tokens` with `normalized: false` and
 * `special: true`: matched verbatim, case-sensitively, before normalization, never split.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { FormatError } from '../shared/errors';
import { DEFAULT_NORMALIZER, type NormalizerConfig, type UnicodeForm } from './offsetAligner';

/** One entry of `added_tokens`. */
export interface AddedTokenJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/** An item of a TemplateProcessing template. */
export type TemplatePiece = { SpecialToken: { id: string; type_id: number } } | { Sequence: { id: 'A' | 'B'; type_id: number } };

export interface BertNormalizerJson {
  type: 'BertNormalizer';
  clean_text: boolean;
  handle_chinese_chars: boolean;
  strip_accents: boolean | null;
  lowercase: boolean;
}

export type NormalizerJson = BertNormalizerJson | { type: 'Sequence'; normalizers: [{ type: UnicodeForm }, BertNormalizerJson] };

/** The `tokenizer.json` layout we produce (a subset of what Hugging Face accepts). */
export interface TokenizerJson {
  version: '1.0';
  truncation: null;
  padding: null;
  added_tokens: AddedTokenJson[];
  normalizer: NormalizerJson;
  pre_tokenizer: { type: 'BertPreTokenizer' };
  post_processor: {
    type: 'TemplateProcessing';
    single: TemplatePiece[];
    pair: TemplatePiece[];
    special_tokens: Record<string, { id: string; ids: number[]; tokens: string[] }>;
  };
  decoder: { type: 'WordPiece'; prefix: string; cleanup: boolean };
  model: {
    type: 'WordPiece';
    unk_token: string;
    continuing_subword_prefix: string;
    max_input_chars_per_word: number;
    vocab: Record<string, number>;
  };
}

/** Options of buildTokenizerJson. */
export interface BuildOptions {
  /** Tokens (present in `vocab`) that become special added tokens; must include `[UNK]`, `[CLS]`, `[SEP]`. */
  specialTokens: readonly string[];
  normalizer?: NormalizerConfig;
  continuingSubwordPrefix?: string;
  maxInputCharsPerWord?: number;
}

/**
 * The tokenizer.json for a vocabulary in id order (`vocab[id]`).
 * @throws Error when a token repeats or a special token is missing from `vocab`
 */
export function buildTokenizerJson(vocab: readonly string[], options: BuildOptions): TokenizerJson {
  const n = options.normalizer ?? DEFAULT_NORMALIZER;
  const ids = new Map<string, number>();
  vocab.forEach((t, i) => {
    if (ids.has(t)) throw new Error(`vocabulary repeats token ${JSON.stringify(t)}`);
    ids.set(t, i);
  });
  const idOf = (t: string): number => {
    const id = ids.get(t);
    if (id === undefined) throw new Error(`special token ${t} is not in the vocabulary`);
    return id;
  };
  for (const t of ['[UNK]', '[CLS]', '[SEP]']) idOf(t);
  const bert: BertNormalizerJson = {
    type: 'BertNormalizer',
    clean_text: n.cleanText,
    handle_chinese_chars: n.handleChineseChars,
    strip_accents: n.stripAccents,
    lowercase: n.lowercase,
  };
  const special = (t: string): { id: string; ids: number[]; tokens: string[] } => ({ id: t, ids: [idOf(t)], tokens: [t] });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: options.specialTokens.map((t) => ({
      id: idOf(t),
      content: t,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: n.unicodeForm ? { type: 'Sequence', normalizers: [{ type: n.unicodeForm }, bert] } : bert,
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: { '[CLS]': special('[CLS]'), '[SEP]': special('[SEP]') },
    },
    decoder: { type: 'WordPiece', prefix: options.continuingSubwordPrefix ?? '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: options.continuingSubwordPrefix ?? '##',
      max_input_chars_per_word: options.maxInputCharsPerWord ?? 100,
      // Object.fromEntries defines own properties, so tokens such as "constructor" are safe keys.
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
}

/**
 * tokenizer.json text, with the vocabulary written in id order (as Hugging Face writes it; a
 * plain JSON.stringify would move integer-like tokens such as "12" to the front).
 */
export function serializeTokenizerJson(json: TokenizerJson): string {
  const marker = '\u0000VOCAB\u0000';
  const text = JSON.stringify({ ...json, model: { ...json.model, vocab: marker } }, null, 2);
  const entries = Object.entries(json.model.vocab).sort((a, b) => a[1] - b[1]);
  const vocabText = `{\n${entries.map(([t, i]) => `      ${JSON.stringify(t)}: ${i}`).join(',\n')}\n    }`;
  return text.replace(JSON.stringify(marker), () => vocabText) + '\n';
}

const addedTokenSchema = z.object({
  id: z.number().int().nonnegative(),
  content: z.string().min(1),
  single_word: z.boolean().optional(),
  lstrip: z.boolean().optional(),
  rstrip: z.boolean().optional(),
  normalized: z.boolean().optional(),
  special: z.boolean().optional(),
});
const bertNormalizerSchema = z.object({
  type: z.literal('BertNormalizer'),
  clean_text: z.boolean().optional(),
  handle_chinese_chars: z.boolean().optional(),
  strip_accents: z.boolean().nullable().optional(),
  lowercase: z.boolean().optional(),
});
const normalizerSchema = z.union([
  bertNormalizerSchema,
  z.object({
    type: z.literal('Sequence'),
    normalizers: z.tuple([z.object({ type: z.enum(['NFC', 'NFD', 'NFKC', 'NFKD']) }), bertNormalizerSchema]),
  }),
]);
const templatePieceSchema = z.union([
  z.object({ SpecialToken: z.object({ id: z.string(), type_id: z.number().int() }) }),
  z.object({ Sequence: z.object({ id: z.enum(['A', 'B']), type_id: z.number().int() }) }),
]);
const tokenizerJsonSchema = z.object({
  added_tokens: z.array(addedTokenSchema),
  normalizer: normalizerSchema,
  pre_tokenizer: z.object({ type: z.literal('BertPreTokenizer') }),
  post_processor: z.object({
    type: z.literal('TemplateProcessing'),
    single: z.array(templatePieceSchema),
    pair: z.array(templatePieceSchema),
    special_tokens: z.record(z.string(), z.object({ id: z.string(), ids: z.array(z.number().int()), tokens: z.array(z.string()) })),
  }),
  decoder: z.unknown(),
  model: z.object({
    type: z.literal('WordPiece'),
    unk_token: z.string(),
    continuing_subword_prefix: z.string(),
    max_input_chars_per_word: z.number().int().positive(),
    vocab: z.record(z.string(), z.number().int().nonnegative()),
  }),
});

/** A tokenizer.json after validation, with the lookups the encoder needs. */
export interface ParsedTokenizerJson {
  /** The JSON object itself (what `@huggingface/tokenizers` is constructed from). */
  raw: unknown;
  normalizer: NormalizerConfig;
  /** Token → id: the WordPiece vocabulary plus the added tokens. */
  vocab: Map<string, number>;
  /** Id → token (undefined for unused ids). */
  idToToken: (string | undefined)[];
  addedTokens: AddedTokenJson[];
  unkToken: string;
  unkId: number;
  prefix: string;
  maxInputCharsPerWord: number;
  single: TemplatePiece[];
  pair: TemplatePiece[];
  /** Template special tokens (`[CLS]`, `[SEP]`) → their ids and token strings. */
  templateSpecial: Map<string, { ids: number[]; tokens: string[] }>;
}

/**
 * Validate a tokenizer.json (text or parsed object) of the kind we write.
 * @param source file name for error messages
 * @throws FormatError when it is not JSON or uses a component this tokenizer cannot align
 */
export function parseTokenizerJson(input: string | unknown, source: string): ParsedTokenizerJson {
  let obj: unknown = input;
  if (typeof input === 'string') {
    try {
      obj = JSON.parse(input);
    } catch (e) {
      throw new FormatError({ source }, `not JSON: ${(e as Error).message}`);
    }
  }
  const r = tokenizerJsonSchema.safeParse(obj);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue && issue.path.length > 0 ? { source, element: issue.path.join('.') } : { source };
    throw new FormatError(where, `unsupported tokenizer.json: ${issue?.message ?? 'invalid'}`);
  }
  const j = r.data;
  const bert = j.normalizer.type === 'Sequence' ? j.normalizer.normalizers[1] : j.normalizer;
  const lowercase = bert.lowercase ?? true;
  const normalizer: NormalizerConfig = {
    unicodeForm: j.normalizer.type === 'Sequence' ? j.normalizer.normalizers[0].type : null,
    cleanText: bert.clean_text ?? true,
    handleChineseChars: bert.handle_chinese_chars ?? true,
    lowercase,
    // BertNormalizer's null means "strip when lower-casing".
    stripAccents: bert.strip_accents ?? lowercase,
  };
  const vocab = new Map<string, number>(Object.entries(j.model.vocab));
  const addedTokens: AddedTokenJson[] = j.added_tokens.map((t) => ({
    id: t.id,
    content: t.content,
    single_word: t.single_word ?? false,
    lstrip: t.lstrip ?? false,
    rstrip: t.rstrip ?? false,
    special: t.special ?? false,
    normalized: t.normalized ?? !(t.special ?? false),
  }));
  for (const t of addedTokens) {
    if (t.normalized || t.lstrip || t.rstrip || t.single_word) {
      throw new FormatError({ source, element: `added token ${t.content}` }, 'only added tokens with normalized, lstrip, rstrip and single_word false are supported');
    }
    vocab.set(t.content, t.id);
  }
  const idToToken: (string | undefined)[] = [];
  for (const [t, id] of vocab) idToToken[id] = t;
  const unkId = vocab.get(j.model.unk_token);
  if (unkId === undefined) throw new FormatError({ source, element: 'model.unk_token' }, `${j.model.unk_token} is not in the vocabulary`);
  const templateSpecial = new Map<string, { ids: number[]; tokens: string[] }>();
  for (const [k, v] of Object.entries(j.post_processor.special_tokens)) {
    if (v.ids.length !== v.tokens.length) throw new FormatError({ source, element: `post_processor.special_tokens.${k}` }, 'ids and tokens differ in length');
    templateSpecial.set(k, { ids: v.ids, tokens: v.tokens });
  }
  for (const p of [...j.post_processor.single, ...j.post_processor.pair]) {
    if ('SpecialToken' in p && !templateSpecial.has(p.SpecialToken.id)) {
      throw new FormatError({ source, element: 'post_processor' }, `template token ${p.SpecialToken.id} has no special_tokens entry`);
    }
  }
  return {
    raw: obj,
    normalizer,
    vocab,
    idToToken,
    addedTokens,
    unkToken: j.model.unk_token,
    unkId,
    prefix: j.model.continuing_subword_prefix,
    maxInputCharsPerWord: j.model.max_input_chars_per_word,
    single: j.post_processor.single,
    pair: j.post_processor.pair,
    templateSpecial,
  };
}

/** `tokenizer_config.json`: what `transformers` (AutoTokenizer) and the JS port read. */
export function tokenizerConfigJson(specialTokens: readonly string[], json: TokenizerJson, modelMaxLength = 512): Record<string, unknown> {
  const bert = json.normalizer.type === 'Sequence' ? json.normalizer.normalizers[1] : json.normalizer;
  return {
    // The fast tokenizer runs tokenizer.json as is; a slow BertTokenizer would skip NFKC.
    tokenizer_class: 'PreTrainedTokenizerFast',
    do_lower_case: bert.lowercase,
    strip_accents: bert.strip_accents,
    model_max_length: modelMaxLength,
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    mask_token: '[MASK]',
    additional_special_tokens: specialTokens.filter((t) => !['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].includes(t)),
    clean_up_tokenization_spaces: true,
  };
}

/** tokenizer_meta.json: how a tokenizer was trained (kept beside, not inside, tokenizer.json). */
export interface TokenizerMeta {
  createdBy: string;
  /** ISO time of training. */
  created: string;
  trainer: Record<string, unknown>;
  /** Corpus splits whose text was counted, with per-split document and character counts. */
  sources: unknown[];
  /** SHA-256 (hex) of the training passages, in order, NUL-separated. */
  textSha256: string;
  texts: number;
  chars: number;
  words: number;
  uniqueWords: number;
  vocabSize: number;
  merges: number;
  alphabetSize: number;
  seconds: Record<string, number>;
}

export const TOKENIZER_FILE = 'tokenizer.json';
export const VOCAB_FILE = 'vocab.txt';
export const CONFIG_FILE = 'tokenizer_config.json';
export const META_FILE = 'tokenizer_meta.json';

/**
 * Write a tokenizer folder: tokenizer.json, vocab.txt, tokenizer_config.json and, when given,
 * tokenizer_meta.json. Creates `dir` when missing.
 */
export function writeTokenizerDirectory(dir: string, json: TokenizerJson, specialTokens: readonly string[], meta?: TokenizerMeta): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, TOKENIZER_FILE), serializeTokenizerJson(json));
  const byId = Object.entries(json.model.vocab).sort((a, b) => a[1] - b[1]);
  fs.writeFileSync(path.join(dir, VOCAB_FILE), byId.map(([t]) => t).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, CONFIG_FILE), JSON.stringify(tokenizerConfigJson(specialTokens, json), null, 2) + '\n');
  if (meta) fs.writeFileSync(path.join(dir, META_FILE), JSON.stringify(meta, null, 2) + '\n');
}

/** Read and validate `dir/tokenizer.json` (and tokenizer_config.json when present). */
export function readTokenizerDirectory(dir: string): { parsed: ParsedTokenizerJson; config: Record<string, unknown> } {
  const file = path.join(dir, TOKENIZER_FILE);
  const parsed = parseTokenizerJson(fs.readFileSync(file, 'utf8'), file);
  const configFile = path.join(dir, CONFIG_FILE);
  let config: Record<string, unknown> = {};
  if (fs.existsSync(configFile)) {
    try {
      config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new FormatError({ source: configFile }, `not JSON: ${(e as Error).message}`);
    }
  }
  return { parsed, config };
}
