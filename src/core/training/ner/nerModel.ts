/**
 * The mention tagger: a word-level encoder over skip-gram vectors plus hashed spelling features,
 * trained with the project's autodiff, loop and model-folder export (the same recipe as the CNN
 * relation model in training/cnnRelation/, sharing engine/layers/ and graphTrainer.ts).
 *
 *   input per token = [word vector (frozen skip-gram table + trainable offset rows) ;
 *                      Σ of FEATURE_SLOTS hashed feature embeddings ;
 *                      char CNN features (optional, engine/layers/charEncoder.ts)]
 *   → dropout → encoder → dropout → linear → per-token logits over NER_LABELS
 *
 * Two encoder families: `cnn`, same-padded convolutions (widths `layers`, ReLU; residual when
 * widths > first), the shipped tagger; and `bilstm`, a bidirectional LSTM as in Lample et al.
 * 2016 / Ma & Hovy 2016 (engine/layers/lstm.ts: unrolled over a static length for training,
 * onnxruntime's LSTM op over any length in the export). Labels: O, B-/I- Chemical, Gene, Disease.
 *
 * Loss: partial-label cross-entropy (see nerExamples.ts for why). Dev selection: strict
 * token-mention F1 on held-out documents of every source, each decoded for its corpus's types.
 *
 * The exported vocabulary is the vector vocabulary without its hyphenated compounds (the tagger's
 * tokens are always compound parts, so those rows could never be looked up), which also keeps
 * the fp16 model folder under 30 MB.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { Autodiff } from '../../engine/autodiff';
import type { Value } from '../../engine/graph';
import { rng } from '../../engine/initialize';
import { MODEL_FILE, readModelConfig, readModelWeights, writeModelFolder } from '../../inference/modelFolders';
import type { HostTensor, ModelSession } from '../../runtime/session';
import { createGraphTrainer } from '../graphTrainer';
import { lengthBucketedBatches } from '../batching';
import type { TrainConfig } from '../trainConfig';
import { prf, type Counts, type Prf } from '../../evaluation/prf';
import type { TrainerBackend } from '../trainer';
import { VOCAB_FILE, type WordVectors } from '../../wordvec/wordVectors';
import { PAD_ID, SPECIAL_WORDS, WORD_TOKENIZER, WordVocab, isCompound } from '../../wordvec/wordVocab';
import { DICTIONARY_FEATURE_SCHEME, FEATURE_SCHEME, FEATURE_SLOTS } from '../../inference/mentions/features';
import { fileSha256 } from '../../inference/mentions/gazetteer';
import { VOCABULARY_FILE } from '../../inference/normalization/vocabularyLexicon';
import type { NerExample } from '../../inference/mentions/nerExamples';
import { NER_LABELS, NER_TYPES, type TokenMention } from '../../inference/mentions/tags';
import { decodeMentions, nerInputFeeds, nerLogits, type NerFeedOptions } from '../../inference/mentions/taggerModel';
import { cnnWordTable, foldTunedRows } from '../cnnRelation/cnnGraph';
import { convolve, shiftTime, type ConvParams } from '../../engine/layers/convolution';
import { biLstm, biLstmParams } from '../../engine/layers/lstm';
import { charCnn, charCnnParams } from '../../engine/layers/charEncoder';
import { CRF_OUTPUTS, crfParams, crfPartialNll, crfScoreOutputs, type CrfParams } from '../../engine/layers/crf';
import { attr, type Dim } from '../../engine/graph';
import { TAGGER_MODEL_TYPE, BILSTM_TAGGER_MODEL_TYPE } from '../../inference/modelFolders';
import { CHAR_ALPHABET, charScheme, type CharScheme } from '../../inference/mentions/features';

// ---------------------------------------------------------------------------------- config

/** Tagger settings (the loop settings stay in TrainConfig). */
export const NerConfigSchema = z.object({
  /** Word-vector folder written by `biore wordvec train`. */
  vectors: z.string().default('runs/wordvec-sg200'),
  /** Training sources `corpus:split`, comma-separated; each supervises its corpus's types. */
  sources: z.string().default('bc5cdr:train,bc5cdr:dev,ncbi-disease:train,bc2gm:train,drugprot:train'),
  /** Share of each source's documents held out for model selection (by a hash of the id). */
  devShare: z.number().min(0).max(0.5).default(0.1),
  /** Encoder family: 'cnn' (the shipped word CNN; `layers`, `dilations`, `filters`) or 'bilstm' (`hidden`). */
  encoder: z.enum(['cnn', 'bilstm']).default('cnn'),
  /** BiLSTM units per direction (encoder=bilstm). */
  hidden: z.number().int().positive().default(200),
  /** Char CNN features per word; 0 = no char encoder; -1 = the encoder's default (50 with bilstm, 0 with cnn, as shipped). */
  charFilters: z.number().int().min(-1).default(-1),
  /** Character embedding size of the char encoder. */
  charDim: z.number().int().positive().default(25),
  /** Char CNN window (odd). */
  charWidth: z.number().int().positive().refine((w) => w % 2 === 1, 'charWidth must be odd').default(3),
  /** Characters per word the char encoder reads (longer words keep head and tail; features.ts). */
  maxChars: z.number().int().min(4).max(64).default(20),
  /**
   * A linear-chain CRF over the logits, trained with partial labels (engine/layers/crf.ts
   * crfPartialNll) and decoded with its transitions; its training graphs are unrolled per static
   * length, as the BiLSTM's.
   */
  crf: z.boolean().default(false),
  /** Convolution widths, one layer each, comma-separated. */
  layers: z.string().regex(/^[1-9]\d*(,[1-9]\d*)*$/).default('5,3,3'),
  /** Dilation per layer (1 = contiguous), comma-separated; missing entries are 1, extra ones unused. */
  dilations: z.string().regex(/^[1-9]\d*(,[1-9]\d*)*$/).default('1,1,1'),
  /** Filters per layer. */
  filters: z.number().int().positive().default(200),
  /** Hashed feature table rows (bucket 0 reserved). */
  buckets: z.number().int().min(16).default(1 << 14),
  /** Feature embedding size. */
  featDim: z.number().int().positive().default(32),
  /** Dropout on the input features (the loop's `dropout` applies between layers). */
  inputDropout: z.number().min(0).max(0.9).default(0.25),
  /** Tokens per example at most (longer sentences are cut into chunks). */
  maxTokens: z.number().int().min(8).default(120),
  /** Fine-tune the word vectors through a trainable offset table. */
  tuneEmbeddings: z.boolean().default(true),
  /** Tuned word rows at most (the most frequent training words). */
  tuneWords: z.number().int().positive().default(5000),
  centerVectors: z.boolean().default(true),
  /**
   * A tagger folder whose word table and vocabulary this run reads, as they are, instead of
   * `vectors` ('' = off; needs tuneEmbeddings=false and centerVectors=false). A tagger trained
   * this way shares its table with that folder's, so `biore ner ensemble` can put both in one
   * graph with the table stored once (two tables would not fit the 30 MB folder).
   */
  wordTable: z.string().default(''),
  /**
   * A vocabulary file (`biore ner lexicon`'s `vocabulary.tsv.br`) whose chemical and disease names
   * become a dictionary feature per token (inference/mentions/gazetteer.ts); '' = none. The file
   * is copied into the model folder and its sha256 recorded, so the runtime matches the same names.
   */
  dictionary: z.string().default(''),
  /** With `dictionary`: also tag each document's defined short forms of dictionary names (gazetteer.ts). */
  dictionaryAbbreviations: z.boolean().default(false),
});

export type NerConfig = z.infer<typeof NerConfigSchema>;

/** Char CNN features per word after resolving charFilters=-1 (the encoder's default). */
export function nerCharFilters(ner: Pick<NerConfig, 'encoder' | 'charFilters'>): number {
  return ner.charFilters >= 0 ? ner.charFilters : ner.encoder === 'bilstm' ? 50 : 0;
}

/** The char scheme examples must be encoded with, or undefined when the tagger reads no characters. */
export function nerCharScheme(ner: Pick<NerConfig, 'encoder' | 'charFilters' | 'maxChars'>): CharScheme | undefined {
  return nerCharFilters(ner) > 0 ? charScheme(ner.maxChars) : undefined;
}

/** Loop settings the tagger starts from, before key=value overrides. */
export const NER_TRAIN_DEFAULTS: Partial<TrainConfig> = {
  objective: 'classify',
  outDir: 'runs/ner',
  batchSize: 64,
  learningRate: 1e-3,
  warmupSteps: 200,
  maxSteps: 12000,
  decay: 'linear',
  minLrRatio: 0.05,
  dropout: 0.3,
  weightDecay: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  clipNorm: 5,
  evalEvery: 1000,
  checkpointEvery: 1000,
  logEvery: 100,
};

// ---------------------------------------------------------------------------------- vocabulary

/**
 * The tagger's vocabulary and (centered) vector table: the vector vocabulary without hyphenated
 * compounds, in the same frequency order.
 */
export function nerVocabulary(wv: Pick<WordVectors, 'vocab' | 'vectors' | 'dim'>, center: boolean): { vocab: WordVocab; table: Float32Array } {
  const base = cnnWordTable(wv, center);
  const keep: number[] = [];
  wv.vocab.words.forEach((w, i) => {
    if (i < SPECIAL_WORDS.length || !isCompound(w)) keep.push(i);
  });
  const D = wv.dim;
  const table = new Float32Array(keep.length * D);
  keep.forEach((src, dst) => table.set(base.subarray(src * D, (src + 1) * D), dst * D));
  const vocab = new WordVocab(
    keep.map((i) => wv.vocab.words[i]!),
    keep.map((i) => wv.vocab.counts[i]!),
  );
  return { vocab, table };
}

// ---------------------------------------------------------------------------------- graph

/** Architecture of one tagger graph. */
export interface NerArch {
  vocabSize: number;
  wordDim: number;
  buckets: number;
  featDim: number;
  slots: number;
  layers: readonly number[];
  /** Dilation of each layer (absent in folders from before dilations: all 1). */
  dilations?: readonly number[];
  filters: number;
  dropout: number;
  inputDropout: number;
  classes: number;
  /** Rows of the trainable word offset table (row 0 = untuned words); 0 = none. */
  tuneRows: number;
  /** Encoder family (absent in folders from before the BiLSTM: the CNN). */
  encoder?: 'cnn' | 'bilstm';
  /** BiLSTM units per direction (encoder 'bilstm'). */
  hidden?: number;
  /** A CRF on top (absent: per-token softmax). */
  crf?: boolean;
  /** The char encoder (absent: none): alphabet size with the pad and unknown ids, sizes, characters per word. */
  chars?: { alphabet: number; dim: number; filters: number; width: number; maxChars: number };
}

/** A tagger graph's inputs and its word rows (the part ensemble members share). */
export interface NerInputs {
  word: Value;
  feats: Value;
  mask: Value;
  /** The mask as [batch, seq, 1], for broadcasting over features. */
  mask3: Value;
  chars?: Value;
}

/**
 * The tagger's inputs and the gathered word rows. The exported word table is float16, or int8
 * rows with a scale each (only the gathered rows are dequantized); a training graph adds the
 * trainable offset rows to the frozen table.
 */
export function nerInputGraph(ad: Autodiff, a: NerArch, table: { kind: 'frozen' | 'folded'; data: Float32Array; storage?: 'fp16' | 'int8' }, seq: Dim = 'seq'): NerInputs {
  const g = ad.g;
  const ids = ad.input('word_ids', 'int64', ['batch', seq]);
  const feats = ad.input('feat_ids', 'int64', ['batch', seq, a.slots]);
  const mask = ad.input('mask', 'float32', ['batch', seq]);
  let word: Value;
  if (table.kind === 'folded' && table.storage === 'int8') word = g.gatherInt8Rows('emb.word', table.data, [a.vocabSize, a.wordDim], ids);
  else word = ad.gather(table.kind === 'folded' ? g.initializerHalf('emb.word', table.data, [a.vocabSize, a.wordDim]) : g.initializer('emb.frozen', table.data, [a.vocabSize, a.wordDim]), ids);
  if (table.kind === 'frozen' && a.tuneRows > 0) {
    const tune = ad.input('tune_ids', 'int64', ['batch', seq]);
    word = ad.add(word, ad.gather(ad.param('emb.delta', [a.tuneRows, a.wordDim], { kind: 'zeros' }), tune));
  }
  const mask3 = g.op('Unsqueeze', [mask, g.constI64([2])], {}, ['batch', seq, 1]);
  const chars = a.chars ? ad.input('char_ids', 'int64', ['batch', seq, a.chars.maxChars]) : undefined;
  return { word, feats, mask, mask3, ...(chars ? { chars } : {}) };
}

/**
 * Everything of the tagger past the word rows: feature embeddings, char encoder, encoder,
 * per-token logits and the CRF's parameters. All its parameters are created here, so
 * `ad.scoped()` can hold several of these in one graph.
 */
export function nerEncoderGraph(ad: Autodiff, a: NerArch, x: NerInputs, seq: Dim = 'seq'): { logits: Value; crf?: CrfParams } {
  const g = ad.g;
  const fe = ad.reduceSum(ad.gather(ad.param('feat.emb', [a.buckets, a.featDim], { kind: 'normal', std: 0.1 }), x.feats), [2], false);
  const parts = [x.word, fe];
  let D = a.wordDim + a.featDim;
  if (a.chars) {
    const c = a.chars;
    if (!x.chars) throw new Error('tagger graph: the architecture reads characters but the inputs have no char_ids');
    // Char id 0 is padding: the mask is derived in the graph, so the runtime feeds one tensor.
    const charMask = g.op('Cast', [g.op('Greater', [x.chars, g.constI64([0], [])], {}, ['batch', seq, c.maxChars], 'bool')], { to: attr.i(1) }, ['batch', seq, c.maxChars]);
    parts.push(charCnn(ad, x.chars, charMask, charCnnParams(ad, 'char', c.alphabet, c.dim, c.filters, c.width)));
    D += c.filters;
  }
  const h0 = ad.dropout(ad.mul(ad.concat(parts, -1), x.mask3), a.inputDropout);
  const { h, width } = a.encoder === 'bilstm' ? bilstmEncoder(ad, a, h0, D, x.mask) : cnnEncoder(ad, a, h0, D, x.mask3);
  const logits = ad.linear(
    ad.dropout(h, a.dropout),
    ad.param('cls.w', [width, a.classes], { kind: 'uniform', limit: Math.sqrt(6 / (width + a.classes)) }),
    ad.param('cls.b', [a.classes], { kind: 'zeros' }, true),
  );
  const crf = a.crf ? crfParams(ad, 'crf', a.classes) : undefined;
  return { logits, ...(crf ? { crf } : {}) };
}

/**
 * The tagger graph: logits [batch, seq, classes]; a training graph adds the partial-label loss.
 * `seq` is the padded length: symbolic for exports and eval graphs, a number for BiLSTM training
 * graphs (the unrolled recurrence needs it static).
 */
export function buildNerGraph(ad: Autodiff, a: NerArch, table: { kind: 'frozen' | 'folded'; data: Float32Array; storage?: 'fp16' | 'int8' }, seq: Dim = 'seq'): { logits: Value; loss?: Value; crf?: CrfParams } {
  const g = ad.g;
  const x = nerInputGraph(ad, a, table, seq);
  const { logits, crf } = nerEncoderGraph(ad, a, x, seq);
  if (!ad.training) return { logits, ...(crf ? { crf } : {}) };
  const allowed = ad.input('allowed', 'float32', ['tokens', a.classes]);
  const weights = ad.input('weights', 'float32', ['tokens']);
  if (crf) {
    // Per sentence: the same allowed sets, now constraining whole paths (weights stay unused).
    const allowed3 = g.op('Reshape', [allowed, g.shapeOf(logits)], {}, logits.shape);
    return { logits, crf, loss: crfPartialNll(ad, logits, allowed3, x.mask, crf) };
  }
  const flat = ad.reshape(logits, [-1, a.classes], ['tokens', a.classes]);
  return { logits, loss: ad.partialSoftmaxCrossEntropy(flat, allowed, weights) };
}

/** The CNN family: same-padded (dilated) convolutions with ReLU, residual from the second layer. */
function cnnEncoder(ad: Autodiff, a: NerArch, x: Value, inputDim: number, mask3: Value): { h: Value; width: number } {
  let h = x;
  let D = inputDim;
  a.layers.forEach((k, i) => {
    const limit = Math.sqrt(6 / (k * D + a.filters));
    const p = { w: ad.param(`conv${i}.w`, [k * D, a.filters], { kind: 'uniform', limit }), b: ad.param(`conv${i}.b`, [a.filters], { kind: 'zeros' }, true) };
    // Padded positions are zeroed after every layer, so predictions never depend on the batch.
    const d = a.dilations?.[i] ?? 1;
    const input = i === 0 ? h : ad.dropout(h, a.dropout);
    const y = ad.mul(d === 1 ? convolve(ad, input, k, p) : dilatedConvolve(ad, input, k, d, p), mask3);
    h = i > 0 && D === a.filters ? ad.add(h, y) : y;
    D = a.filters;
  });
  return { h, width: a.filters };
}

/** The BiLSTM family: forward and backward states concatenated, zero at padding. */
function bilstmEncoder(ad: Autodiff, a: NerArch, x: Value, inputDim: number, mask: Value): { h: Value; width: number } {
  const g = ad.g;
  const hidden = a.hidden ?? 200;
  const lengths = g.op('Cast', [g.op('ReduceSum', [mask, g.constI64([1])], { keepdims: attr.i(0) }, ['batch'])], { to: attr.i(7) }, ['batch'], 'int64');
  return { h: biLstm(ad, x, lengths, mask, biLstmParams(ad, 'lstm', inputDim, hidden)), width: 2 * hidden };
}

/**
 * Same-padded convolution of width `k` whose taps are `dilation` tokens apart (offsets
 * −⌊(k−1)/2⌋·d … ), with ReLU: a wider context for the same cost.
 */
export function dilatedConvolve(ad: Autodiff, x: Value, k: number, dilation: number, p: ConvParams): Value {
  const left = Math.floor((k - 1) / 2);
  const cols = Array.from({ length: k }, (_, j) => shiftTime(ad, x, (j - left) * dilation));
  return ad.relu(ad.linear(cols.length === 1 ? cols[0]! : ad.concat(cols, -1), p.w, p.b));
}

// ---------------------------------------------------------------------------------- feeds

/** Training feeds: the tagger's inputs (nerInputFeeds) plus, with `targets`, each token's allowed labels and weight. */
export function nerFeeds(batch: readonly Pick<NerExample, 'words' | 'feats' | 'chars' | 'allowed'>[], options: NerFeedOptions & { targets?: boolean } = {}): Record<string, HostTensor> {
  const f = nerInputFeeds(batch, { tuneIndex: options.tuneIndex, padTo: options.padTo, maxChars: options.maxChars });
  if (!options.targets) return f;
  const [B, T] = f['word_ids']!.dims as [number, number];
  const C = NER_LABELS.length;
  const allowed = new Float32Array(B * T * C);
  const weights = new Float32Array(B * T);
  batch.forEach((e, b) => {
    for (let t = 0; t < e.words.length; t++) {
      const at = b * T + t;
      if (!e.allowed) continue;
      const bits = e.allowed[t]!;
      for (let c = 0; c < C; c++) allowed[at * C + c] = (bits >> c) & 1;
      weights[at] = 1;
    }
    // Padding rows allow everything (weight 0 anyway), so their loss term is exactly 0.
    for (let t = e.words.length; t < T; t++) allowed.fill(1, (b * T + t) * C, (b * T + t + 1) * C);
  });
  f['allowed'] = { data: allowed, dims: [B * T, C] };
  f['weights'] = { data: weights, dims: [B * T] };
  return f;
}

/** Strict token-mention counts of decoded vs gold mentions, per type. */
export function countMentions(gold: readonly TokenMention[], pred: readonly TokenMention[], counts: Map<string, { tp: number; fp: number; fn: number }>): void {
  const key = (m: TokenMention): string => `${m.type}:${m.first}:${m.last}`;
  const g = new Set(gold.map(key));
  const p = new Set(pred.map(key));
  const bump = (type: string, field: 'tp' | 'fp' | 'fn'): void => {
    const c = counts.get(type) ?? { tp: 0, fp: 0, fn: 0 };
    c[field]++;
    counts.set(type, c);
  };
  for (const m of pred) bump(m.type, g.has(key(m)) ? 'tp' : 'fp');
  for (const m of gold) if (!p.has(key(m))) bump(m.type, 'fn');
}

/** Micro P/R/F1 (0–100, evaluation/prf.ts) of per-type counts: their sum's. */
export function microPrf(counts: Iterable<Counts>): Prf {
  const sum: Counts = { tp: 0, fp: 0, fn: 0 };
  for (const c of counts) {
    sum.tp += c.tp;
    sum.fp += c.fp;
    sum.fn += c.fn;
  }
  return prf(sum);
}

// ---------------------------------------------------------------------------------- backend

/**
 * Offset-table rows for the `maxRows` − 1 most frequent words of the training examples (row 0 =
 * every other word: shared, so the training words beyond the cap do update it). Capped because
 * the optimizer is dense: every row costs an Adam update per step, and rare words gain little
 * from tuning.
 */
export function nerTuneIndex(vocabSize: number, examples: readonly NerExample[], maxRows = Infinity): { index: Int32Array; rows: number } {
  const freq = new Int32Array(vocabSize);
  for (const e of examples) for (const w of e.words) freq[w]!++;
  freq[PAD_ID] = 0;
  const words = [...freq.keys()].filter((w) => freq[w]! > 0).sort((a, b) => freq[b]! - freq[a]! || a - b);
  const index = new Int32Array(vocabSize);
  const kept = words.slice(0, Math.max(0, maxRows - 1)).sort((a, b) => a - b);
  kept.forEach((w, i) => (index[w] = i + 1));
  return { index, rows: kept.length + 1 };
}

/**
 * The exported word table: the frozen vectors plus each word's offset row, row 0 included. Unlike
 * the relation model's index (every training word has its own row, so row 0 never gets a
 * gradient), the tagger's is capped, and the training words past the cap share and train row 0:
 * leaving it out would make the export disagree with the graph that was trained and selected.
 */
export function nerFoldedTable(base: Float32Array, delta: Float32Array | undefined, tuneIndex: Int32Array, dim: number): Float32Array {
  const folded = foldTunedRows(base, delta, tuneIndex, dim);
  if (!delta) return folded;
  for (let w = 0; w < tuneIndex.length; w++) if (tuneIndex[w] === 0) for (let k = 0; k < dim; k++) folded[w * dim + k] = folded[w * dim + k]! + delta[k]!;
  return folded;
}

export interface NerBackendOptions {
  config: TrainConfig;
  ner: NerConfig;
  vocab: WordVocab;
  table: Float32Array;
  wordDim: number;
  train: NerExample[];
  dev: NerExample[];
}

/**
 * Static lengths the BiLSTM training graphs are unrolled over: each batch is padded to the
 * shortest one that fits it, and each length has its own graph (graphTrainer's staticLengths).
 * Why not one graph at maxTokens: a step costs about linearly in the unrolled length, and the
 * length-bucketed batches are mostly far shorter than 120 tokens (PubMed sentences average about
 * 25): `biore bench train-seq --model tagger --batch 64 --hidden 200` measured 0.09–0.16 s per
 * step at 32 steps, 0.22–0.24 s at 64 and 0.35–0.38 s at 120. Six graphs cost a few seconds of
 * session creation, once.
 */
export function nerTrainLengths(maxTokens: number): number[] {
  return [...new Set([16, 32, 48, 64, 96].filter((n) => n < maxTokens).concat(maxTokens))];
}

/** The architecture of a tagger config (tuneRows from the training words). */
export function nerArch(ner: NerConfig, c: Pick<TrainConfig, 'dropout'>, wordDim: number, vocabSize: number, tuneRows: number): NerArch {
  const charFilters = nerCharFilters(ner);
  return {
    vocabSize,
    wordDim,
    buckets: ner.buckets,
    featDim: ner.featDim,
    slots: FEATURE_SLOTS + (ner.dictionary ? 1 : 0),
    layers: ner.layers.split(',').map(Number),
    dilations: ner.dilations.split(',').map(Number),
    filters: ner.filters,
    dropout: c.dropout,
    inputDropout: ner.inputDropout,
    classes: NER_LABELS.length,
    tuneRows: ner.tuneEmbeddings ? tuneRows : 0,
    // Folders of the CNN family stay as they were (no encoder or chars fields).
    ...(ner.encoder === 'bilstm' ? { encoder: 'bilstm' as const, hidden: ner.hidden } : {}),
    ...(ner.crf ? { crf: true } : {}),
    ...(charFilters > 0 ? { chars: { alphabet: 2 + CHAR_ALPHABET.length, dim: ner.charDim, filters: charFilters, width: ner.charWidth, maxChars: ner.maxChars } } : {}),
  };
}

/** The model's config.json fields that a runtime needs (besides the training record). */
export function nerRuntimeConfig(arch: NerArch, ner: NerConfig): Record<string, unknown> {
  const bilstm = arch.encoder === 'bilstm';
  return {
    model_type: bilstm ? BILSTM_TAGGER_MODEL_TYPE : TAGGER_MODEL_TYPE,
    task: 'ner',
    id2label: Object.fromEntries(NER_LABELS.map((l, i) => [String(i), l])),
    label2id: Object.fromEntries(NER_LABELS.map((l, i) => [l, i])),
    entity_types: [...NER_TYPES],
    tag_scheme: arch.crf ? 'BIO, linear-chain CRF, constrained Viterbi decoding' : 'BIO, constrained Viterbi decoding',
    inputs: ['word_ids', 'feat_ids', 'mask', ...(arch.chars ? ['char_ids'] : [])],
    outputs: ['logits', ...(arch.crf ? [CRF_OUTPUTS.transitions, CRF_OUTPUTS.start, CRF_OUTPUTS.end] : [])],
    architecture: { ...arch, tuneRows: 0 },
    tokenizer: { ...WORD_TOKENIZER, hyphens: 'parts', vocab: VOCAB_FILE },
    features: ner.dictionary ? { ...DICTIONARY_FEATURE_SCHEME, buckets: arch.buckets, dictionary: { file: VOCABULARY_FILE, sha256: fileSha256(ner.dictionary), ...(ner.dictionaryAbbreviations ? { abbreviations: true } : {}) } } : { ...FEATURE_SCHEME, buckets: arch.buckets },
    // The runtime feeds char_ids exactly when this is present (inference/mentions/nerTagger.ts).
    ...(arch.chars ? { chars: charScheme(arch.chars.maxChars) } : {}),
    max_tokens: ner.maxTokens,
    ner,
  };
}

/** Trainer backend for the tagger; evaluate() reports held-out strict F1 (select on `f1`). */
export async function createNerBackend(o: NerBackendOptions): Promise<TrainerBackend & { session: Pick<ModelSession, 'dispose'>; arch: NerArch; predict(examples: readonly NerExample[]): Promise<Float32Array[]> }> {
  const c = o.config;
  const tune = nerTuneIndex(o.vocab.size, o.train, o.ner.tuneWords);
  const arch = nerArch(o.ner, c, o.wordDim, o.vocab.size, tune.rows);
  const frozen = { kind: 'frozen' as const, data: o.table };
  const bilstm = arch.encoder === 'bilstm';
  // The recurrences (the LSTM, the CRF's forward algorithm) unroll over a static length.
  const trainer = await createGraphTrainer({
    name: 'ner',
    config: c,
    build: (ad, seq) => buildNerGraph(ad, arch, frozen, seq ?? 'seq'),
    ...(bilstm || arch.crf ? { staticLengths: nerTrainLengths(o.ner.maxTokens) } : {}),
  });
  const { evalSession, runner, withWeights, evalWeights, evaluateAveraged } = trainer;
  const tuneIndex = arch.tuneRows > 0 ? tune.index : undefined;
  const maxChars = arch.chars?.maxChars;

  const batches = lengthBucketedBatches(o.train, c.batchSize, rng(c.seed), (e) => e.words.length);
  const predict = (examples: readonly NerExample[]): Promise<Float32Array[]> => nerLogits(evalSession, examples, { tuneIndex, maxChars, extraFeeds: withWeights });
  const evaluateWeights = async (): Promise<Record<string, number>> => {
    const logits = await predict(o.dev);
    const w = evalWeights();
    const crf = arch.crf ? { tags: arch.classes, transitions: w.get('crf.transitions')!, start: w.get('crf.start')!, end: w.get('crf.end')! } : undefined;
    const all = new Map<string, { tp: number; fp: number; fn: number }>();
    const bySource = new Map<string, Map<string, { tp: number; fp: number; fn: number }>>();
    o.dev.forEach((e, i) => {
      const pred = decodeMentions(logits[i]!, e.words.length, e.types, crf);
      countMentions(e.gold ?? [], pred, all);
      const m = bySource.get(e.source) ?? new Map<string, { tp: number; fp: number; fn: number }>();
      bySource.set(e.source, m);
      countMentions(e.gold ?? [], pred, m);
    });
    const { precision, recall, f1 } = microPrf(all.values());
    const out: Record<string, number> = { precision, recall, f1 };
    for (const [s, m] of bySource) out[`f1.${s}`] = microPrf(m.values()).f1;
    for (const [t, cnt] of all) out[`f1.${t}`] = microPrf([cnt]).f1;
    return out;
  };
  return {
    session: { dispose: trainer.dispose },
    arch,
    predict,
    async step(lr) {
      const batch = batches.next().value as NerExample[];
      const longest = Math.max(...batch.map((e) => e.words.length));
      const { session, length } = trainer.sessionFor(longest);
      const f = nerFeeds(batch, { tuneIndex, maxChars, padTo: length, targets: true });
      const r = await runner.run(f, lr, session);
      return { ...r, tokens: f['word_ids']!.dims[0]! * f['word_ids']!.dims[1]! };
    },
    evaluate: () => evaluateAveraged(evaluateWeights),
    state: () => runner.state(),
    restore: (s) => runner.restore(s),
    async exportModel(dir, meta) {
      const weights = evalWeights();
      const folded = nerFoldedTable(o.table, weights.get('emb.delta'), tune.index, arch.wordDim);
      const ex = new Autodiff(bilstm ? 'bilstm-ner' : 'cnn-ner', { training: false, weights, halfWeights: true });
      const graph = buildNerGraph(ex, { ...arch, tuneRows: 0 }, { kind: 'folded', data: folded });
      ex.g.output(graph.logits, 'logits');
      if (graph.crf) crfScoreOutputs(ex, graph.crf);
      writeModelFolder(dir, ex.g.toBytes(), { ...nerRuntimeConfig(arch, o.ner), ...meta });
      fs.writeFileSync(path.join(dir, VOCAB_FILE), o.vocab.toText());
      if (o.ner.dictionary) fs.copyFileSync(o.ner.dictionary, path.join(dir, VOCABULARY_FILE));
    },
  };
}

/**
 * Re-export a tagger folder with its word table stored as int8 rows (a quarter of float32, half
 * of float16; the other weights stay float16): same graph, same vocabulary and lexicon.
 */
export function repackNerFolder(from: string, to: string): { bytes: number } {
  const cfg = readModelConfig(from);
  const arch = cfg['architecture'] as NerArch & { members?: unknown };
  if (arch.members !== undefined) throw new Error(`${from}: is a tagger ensemble, written with its table as int8 rows already (ner ensemble)`);
  const weights = readModelWeights(from);
  const table = weights.get('emb.word');
  if (!table) throw new Error(`${from}: no word table (emb.word) in model.onnx`);
  const ex = new Autodiff(arch.encoder === 'bilstm' ? 'bilstm-ner' : 'cnn-ner', { training: false, weights, halfWeights: true });
  const graph = buildNerGraph(ex, arch, { kind: 'folded', data: table, storage: 'int8' });
  ex.g.output(graph.logits, 'logits');
  if (graph.crf) crfScoreOutputs(ex, graph.crf);
  const bytes = ex.g.toBytes();
  const extra = fs.readdirSync(from).filter((f) => f !== MODEL_FILE && f !== 'config.json');
  const copies = new Map(extra.map((f) => [f, fs.readFileSync(path.join(from, f))]));
  writeModelFolder(to, bytes, { ...cfg, word_table: 'int8 rows + float32 scale per row', repacked_from: cfg['command'] ?? from });
  for (const [f, data] of copies) fs.writeFileSync(path.join(to, f), data);
  return { bytes: bytes.length };
}
