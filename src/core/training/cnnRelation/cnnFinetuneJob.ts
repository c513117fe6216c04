/**
 * The classical baseline against the transformer: static skip-gram word vectors feeding a CNN
 * relation classifier (Zeng et al. 2014; the DDI CNNs of Liu et al. 2016), trained with the same
 * loop, candidates, splits and official scorer as the transformer (relationModel.ts,
 * finetuneJob.ts), so their DDI dev and test numbers compare directly.
 *
 * Per candidate, the evidence sentence becomes words (wordVocab.ts) with, optionally, entity
 * blinding: the head mention → DRUG1, the tail → DRUG2, every other entity mention → DRUG0. Each
 * word gets its vector and two relative-position embeddings (clipped distance to the head and to
 * the tail). Convolutions of widths `windows` with ReLU, max-pooled over time with padding masked
 * out, then dropout and a linear layer over the task labels; weighted softmax cross-entropy.
 *
 * Word embeddings: the skip-gram table stays frozen inside the graph (a constant) and a trainable
 * offset table covers the words of the task's training examples, initialized at zero. That is
 * fine-tuning of exactly the rows that receive gradients, without dragging the whole vocabulary
 * (tens of thousands of rows) through Adam each step, and without weight decay shrinking the
 * vectors of words the training set never shows (dev/test words keep their skip-gram vectors).
 * The export folds the two into one table, so the deployed model takes plain word ids.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { Autodiff } from '../../engine/autodiff';
import type { Dim, Value } from '../../engine/graph';
import { attr } from '../../engine/graph';
import { initialize, rng } from '../../engine/initialize';
import { appendOptimizer } from '../../engine/optimizer';
import { StepRunner } from '../../engine/stepRunner';
import type { Document, Span } from '../../document/document';
import { annotationExtent, documentText } from '../../document/document';
import { MODEL_FILE, readModelConfig, readModelWeights, writeModelFolder } from '../../inference/modelFolders';
import { expectedCalibrationError, fitTemperature } from '../../evaluation/calibration';
import { createSession, type HostTensor, type ModelSession } from '../../runtime/session';
import type { Candidate } from '../../tasks/candidatePairs';
import { generateAllCandidates } from '../../tasks/candidates';
import { cdrTitleFallback } from '../../tasks/cdr';
import type { TaskName } from '../../tasks/definitions';
import { VOCAB_FILE, loadWordVectors, vectorsHash, type WordVectors } from '../../wordvec/wordVectors';
import { BLIND_HEAD_ID, BLIND_OTHER_ID, BLIND_TAIL_ID, PAD_ID, UNK_ID, SPECIAL_WORDS, WORD_TOKENIZER, WordVocab, tokenizeWords, type EncodedWord } from '../../wordvec/wordVocab';
import { taskDocuments } from '../transformer/finetuneJob';
import type { RelationExample } from '../transformer/relationExamples';
import { evidenceWindow, taskLabels } from '../transformer/relationExamples';
import { lengthBucketedBatches } from '../batching';
import { scorePredictions } from '../transformer/relationModel';
import { TrainConfigSchema, parseOverrides, resolveConfig, splitModelOverrides, type TrainConfig } from '../trainConfig';
import { BEST_DIR, train, type TrainProgress, type TrainSummary, type TrainerBackend } from '../trainer';

// ---------------------------------------------------------------------------------- config

/** CNN settings (the shared loop settings stay in TrainConfig). */
export const CnnConfigSchema = z.object({
  /** Word-vector folder written by `biore wordvec train`. */
  vectors: z.string().default('runs/wordvec'),
  /** Convolution widths, comma-separated. */
  windows: z.string().regex(/^[1-9]\d*(,[1-9]\d*)*$/, 'comma-separated positive widths').default('3,4,5'),
  /** Filters per width. */
  filters: z.number().int().positive().default(100),
  /** Size of each relative-position embedding. */
  posDim: z.number().int().positive().default(10),
  /** Relative distances are clipped to ±maxDistance. */
  maxDistance: z.number().int().positive().default(50),
  /** Words per example at most (a window around the two arguments is kept). */
  maxWords: z.number().int().min(8).default(150),
  /** Replace the pair's mentions by DRUG1/DRUG2 and other mentions by DRUG0. */
  blinding: z.boolean().default(true),
  /** Fine-tune the word vectors (as a trainable offset); false keeps them frozen. */
  tuneEmbeddings: z.boolean().default(true),
  /**
   * Subtract the mean of the trained word vectors first. Skip-gram vectors share one large common
   * direction (Mimno & Thompson 2017; it dominates on a corpus this small), which carries no
   * information about a word and makes every input look alike to the convolutions.
   */
  centerVectors: z.boolean().default(true),
  /**
   * Tasks trained together, comma-separated (e.g. `ddi,cdr,drugprot,biored`: BioREx-style merged
   * training, each task with its own label slice and its own `none`); empty = the loop's `task`
   * alone. The exported model takes a `task_id` input when several tasks share it.
   */
  tasks: z.string().regex(/^$|^(ddi|cdr|drugprot|biored)(,(ddi|cdr|drugprot|biored))*$/, 'comma-separated task names').default(''),
  /**
   * The prompt, CNN style: a learned per-task bias on every convolution filter, so the whole
   * input is read in the light of the task asked about, as the prompt sentence does for a
   * transformer. false = tasks share every weight except their label slices (the ablation).
   */
  taskPrompt: z.boolean().default(true),
  /**
   * Train only this task's examples although `initFrom`'s model knows several (stage 2 of deep
   * transfer: merged model → target corpus). Empty = every task in `tasks`.
   */
  target: z.string().regex(/^$|^(ddi|cdr|drugprot|biored)$/).default(''),
  /**
   * Tasks the model has heads for but stage 1 does not train on (comma-separated): a merged model
   * that never saw the target corpus, for the low-resource transfer curve.
   */
  exclude: z.string().regex(/^$|^(ddi|cdr|drugprot|biored)(,(ddi|cdr|drugprot|biored))*$/).default(''),
  /**
   * Replace the skip-gram vectors by random ones (same vocabulary; N(0, 0.1²)): the "without
   * pre-training" ablation.
   */
  randomVectors: z.boolean().default(false),
  /**
   * Max over the whole sentence, or piecewise (Zeng et al. 2015): one max over the words up to
   * the first argument, one between the arguments, one after the second, so the words between the
   * pair (where most relations are said) are not drowned by the rest of a long sentence.
   */
  pooling: z.enum(['max', 'piecewise']).default('max'),
  /** How the exported model stores its word table: int8 rows with a scale each (¼ of float32), or float16. */
  wordTable: z.enum(['int8', 'fp16']).default('int8'),
});

/** Resolved CNN settings. */
export type CnnConfig = z.infer<typeof CnnConfigSchema>;

/**
 * Loop settings the CNN starts from, before key=value overrides: the classic recipe (Adam 1e-3,
 * batch 50, dropout 0.5), 10 passes over DDI's ~25k training candidates, dev every pass.
 */
export const CNN_TRAIN_DEFAULTS: Partial<TrainConfig> = {
  objective: 'classify',
  task: 'ddi',
  outDir: 'runs/cnn-ddi',
  batchSize: 50,
  learningRate: 1e-3,
  warmupSteps: 100,
  maxSteps: 5000,
  decay: 'linear',
  minLrRatio: 0.1,
  dropout: 0.5,
  weightDecay: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  clipNorm: 5,
  evalEvery: 500,
  checkpointEvery: 500,
  logEvery: 50,
};

/** Parse `key=value` overrides into the loop config (CNN_TRAIN_DEFAULTS < overrides) and the CNN config. */
export function resolveCnnConfig(pairs: readonly string[]): { train: TrainConfig; cnn: CnnConfig } {
  // `--max-words=…` spells `maxWords` too.
  const camel = (k: string): string => k.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const { model, rest } = splitModelOverrides(CnnConfigSchema, pairs, 'CNN', camel);
  const trainConfig = resolveConfig(undefined, { ...CNN_TRAIN_DEFAULTS, ...parseOverrides(rest), objective: 'classify' });
  return { train: trainConfig, cnn: model };
}

/** Keys `resolveCnnConfig` understands (for help texts). */
export function cnnConfigKeys(): string[] {
  return [...Object.keys(CnnConfigSchema.shape), ...Object.keys(TrainConfigSchema.shape)];
}

/** Convolution widths of a config. */
export function parseWindows(s: string): number[] {
  return s.split(',').map(Number);
}

// ---------------------------------------------------------------------------------- examples

/** One candidate as CNN input. */
export interface CnnExample {
  candidate: Candidate;
  /** Word ids in the vector vocabulary. */
  words: Int32Array;
  /** Relative distance to the nearest head / tail token, clipped to ±maxDistance, plus maxDistance. */
  pos1: Int32Array;
  pos2: Int32Array;
  /** Index into taskLabels (0 = none); in a multi-task model, into the task's own slice. */
  label: number;
  /** Multi-task models: which task (index into the model's task list). */
  taskId?: number;
  /** Token indexes of the closest head and tail tokens, in order (the piecewise pooling's cuts). */
  cuts: [number, number];
}

/** How candidates become words: blinding on or off, length cap, position clipping. */
export interface CnnEncodeOptions {
  blinding: boolean;
  maxWords: number;
  maxDistance: number;
}

const overlaps = (a: Span, b: Span): boolean => a.start < b.end && b.start < a.end;

/** Extents of an argument's mentions inside `win`. */
function mentionExtents(c: Candidate, side: 'head' | 'tail', win: Span): Span[] {
  return c[side].mentions.map((m) => ({ start: m.spans[0]!.start, end: m.spans[m.spans.length - 1]!.end })).filter((s) => s.start >= win.start && s.end <= win.end);
}

/** Signed distance from token `i` to the nearest anchor (sorted token indexes); 0 with no anchor. */
function distance(i: number, anchors: readonly number[]): number {
  let best = 0;
  let bestAbs = Infinity;
  for (const a of anchors) {
    const d = i - a;
    if (Math.abs(d) < bestAbs) {
      best = d;
      bestAbs = Math.abs(d);
    }
  }
  return best;
}

/**
 * The vector table the CNN starts from: the skip-gram rows, with the mean of the trained rows
 * (count > 0) subtracted from them when `center`; reserved and unknown rows stay as they are.
 */
export function cnnWordTable(wv: Pick<WordVectors, 'vocab' | 'vectors' | 'dim'>, center: boolean): Float32Array {
  const out = Float32Array.from(wv.vectors);
  if (!center) return out;
  const D = wv.dim;
  const mean = new Float64Array(D);
  let n = 0;
  for (let w = SPECIAL_WORDS.length; w < wv.vocab.size; w++) {
    if (!(wv.vocab.counts[w]! > 0)) continue;
    for (let k = 0; k < D; k++) mean[k] = mean[k]! + wv.vectors[w * D + k]!;
    n++;
  }
  if (n === 0) return out;
  for (let w = SPECIAL_WORDS.length; w < wv.vocab.size; w++) {
    if (!(wv.vocab.counts[w]! > 0)) continue;
    for (let k = 0; k < D; k++) out[w * D + k] = out[w * D + k]! - mean[k]! / n;
  }
  return out;
}

/** Encode one candidate of a document whose text is `text`. */
export function encodeCnnCandidate(vocab: WordVocab, doc: Document, text: string, c: Candidate, label: number, o: CnnEncodeOptions): CnnExample {
  const win = evidenceWindow(c);
  const heads = mentionExtents(c, 'head', win);
  const tails = mentionExtents(c, 'tail', win);
  const words = (from: number, to: number): EncodedWord[] => vocab.encode(tokenizeWords(text.slice(from, to), from));
  let tokens: EncodedWord[];
  const headIdx: number[] = [];
  const tailIdx: number[] = [];
  if (o.blinding) {
    const argIds = new Set([...c.head.mentions, ...c.tail.mentions].map((m) => m.id));
    const others: Span[] = [];
    for (const p of doc.passages) {
      if (p.offset > win.end || p.offset + p.text.length < win.start) continue;
      for (const a of p.annotations) {
        if (argIds.has(a.id)) continue;
        const e = annotationExtent(a);
        if (e.start >= win.start && e.end <= win.end) others.push(e);
      }
    }
    // Greedy by priority (head, tail, others; then by position): overlapping mentions collapse
    // into the first accepted one; a head or tail mention that loses points at the winner.
    const wanted = [...heads.map((s) => ({ ...s, id: BLIND_HEAD_ID })), ...tails.map((s) => ({ ...s, id: BLIND_TAIL_ID })), ...others.sort((a, b) => a.start - b.start).map((s) => ({ ...s, id: BLIND_OTHER_ID }))];
    const accepted: (Span & { id: number; alias: number[] })[] = [];
    for (const w of wanted) {
      const hit = accepted.find((a) => overlaps(a, w));
      if (hit) hit.alias.push(w.id);
      else accepted.push({ ...w, alias: [w.id] });
    }
    accepted.sort((a, b) => a.start - b.start);
    tokens = [];
    let cursor = win.start;
    for (const a of accepted) {
      tokens.push(...words(cursor, a.start));
      if (a.alias.includes(BLIND_HEAD_ID)) headIdx.push(tokens.length);
      if (a.alias.includes(BLIND_TAIL_ID)) tailIdx.push(tokens.length);
      tokens.push({ id: a.id, start: a.start, end: a.end });
      cursor = a.end;
    }
    tokens.push(...words(cursor, win.end));
  } else {
    tokens = words(win.start, win.end);
    tokens.forEach((t, i) => {
      if (heads.some((s) => overlaps(s, t))) headIdx.push(i);
      if (tails.some((s) => overlaps(s, t))) tailIdx.push(i);
    });
  }
  if (tokens.length === 0) tokens = [{ id: UNK_ID, start: win.start, end: win.start }];
  // Keep a window around both arguments when the sentence is too long.
  const n = tokens.length;
  let from = 0;
  if (n > o.maxWords) {
    const anchors = [...headIdx, ...tailIdx];
    const lo = anchors.length ? Math.min(...anchors) : 0;
    const hi = anchors.length ? Math.max(...anchors) : 0;
    from = hi - lo + 1 >= o.maxWords ? lo : Math.min(n - o.maxWords, Math.max(0, lo - Math.floor((o.maxWords - (hi - lo + 1)) / 2)));
  }
  const len = Math.min(n, o.maxWords);
  const M = o.maxDistance;
  const clip = (d: number): number => Math.max(-M, Math.min(M, d)) + M;
  const ex: CnnExample = { candidate: c, words: new Int32Array(len), pos1: new Int32Array(len), pos2: new Int32Array(len), label, cuts: closestPair(headIdx, tailIdx, from, len) };
  for (let k = 0; k < len; k++) {
    const i = from + k;
    ex.words[k] = tokens[i]!.id;
    ex.pos1[k] = clip(distance(i, headIdx));
    ex.pos2[k] = clip(distance(i, tailIdx));
  }
  return ex;
}

/**
 * The closest (head, tail) token pair, as window-relative indexes in order, clipped to the window;
 * [0, 0] without anchors. With several mentions per argument (document-level pairs) the closest
 * pair is the one a sentence most likely relates.
 */
function closestPair(heads: readonly number[], tails: readonly number[], from: number, len: number): [number, number] {
  let best: [number, number] = [0, 0];
  let gap = Infinity;
  for (const h of heads) {
    for (const t of tails) {
      if (Math.abs(h - t) < gap) {
        gap = Math.abs(h - t);
        best = [Math.min(h, t), Math.max(h, t)];
      }
    }
  }
  if (gap === Infinity) {
    const one = heads[0] ?? tails[0];
    if (one !== undefined) best = [one, one];
  }
  const clip = (i: number): number => Math.max(0, Math.min(len - 1, i - from));
  return [clip(best[0]), clip(best[1])];
}

/** Encode candidates of documents; each label is its gold label (or none). */
export function encodeCnnCandidates(vocab: WordVocab, docs: readonly Document[], candidates: readonly Candidate[], task: TaskName, o: CnnEncodeOptions): CnnExample[] {
  const labels = taskLabels(task);
  const byId = new Map(docs.map((d) => [d.id, { doc: d, text: documentText(d) }]));
  return candidates.map((c) => {
    const d = byId.get(c.documentId);
    if (!d) throw new Error(`candidate ${c.id}: document not found`);
    const li = labels.indexOf(c.label);
    if (li < 0) throw new Error(`candidate ${c.id}: label ${c.label} not in ${task} labels`);
    return encodeCnnCandidate(vocab, d.doc, d.text, c, li, o);
  });
}

// ---------------------------------------------------------------------------------- graph

/** Architecture of one CNN graph. */
export interface CnnArch {
  vocabSize: number;
  wordDim: number;
  posDim: number;
  maxDistance: number;
  windows: readonly number[];
  filters: number;
  dropout: number;
  classes: number;
  /** Rows of the trainable word-vector offset table (row 0 = untuned words); 0 = none. */
  tuneRows: number;
  /**
   * Multi-task models: the label count of each task, in task-id order (logits are the slices
   * concatenated; `classes` is their sum). Empty = one task, no task input.
   */
  taskClasses: readonly number[];
  /** Multi-task models: learned per-task filter biases (the CNN's prompt). */
  taskPrompt: boolean;
  /** Piecewise max pooling (input `segments`) instead of one max over the sentence. */
  piecewise?: boolean;
}

/** First logit of each task in a multi-task model. */
export function taskOffsets(taskClasses: readonly number[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const n of taskClasses) {
    out.push(at);
    at += n;
  }
  return out;
}

/** [tasks, classes] additive mask: 0 on a task's own slice, −PAD_PENALTY elsewhere. */
function taskClassMask(taskClasses: readonly number[]): Float32Array {
  const C = taskClasses.reduce((a, b) => a + b, 0);
  const m = new Float32Array(taskClasses.length * C).fill(-PAD_PENALTY);
  taskOffsets(taskClasses).forEach((off, t) => m.fill(0, t * C + off, t * C + off + taskClasses[t]!));
  return m;
}

/** Scalar int64 of a dimension of `v` at run time. */
function dimOf(ad: Autodiff, v: Value, axis: number): Value {
  const g = ad.g;
  return g.op('Gather', [g.shapeOf(v), g.constI64([axis], [])], {}, [], 'int64');
}

/**
 * `x[b, t + offset]` for x [batch, seq, D], zero where t + offset falls outside the sequence.
 * Built from a row gather on the flattened states (indices computed in the graph from the run-time
 * shape), so it works for any sequence length: a static-bounds Slice could not, since the batch's
 * length is a graph input. The gather's backward scatters the gradient back to the source rows.
 */
export function shiftTime(ad: Autodiff, x: Value, offset: number): Value {
  if (offset === 0) return x;
  const g = ad.g;
  const [B, T, D] = x.shape as [Dim, Dim, number];
  const batch = dimOf(ad, x, 0);
  const seq = dimOf(ad, x, 1);
  const one = g.constI64([1], []);
  const zero = g.constI64([0], []);
  const t = g.op('Range', [zero, seq, one], {}, [T], 'int64');
  const p = g.op('Add', [t, g.constI64([offset], [])], {}, [T], 'int64');
  const inside = g.op('And', [g.op('GreaterOrEqual', [p, zero], {}, [T], 'bool'), g.op('Less', [p, seq], {}, [T], 'bool')], {}, [T], 'bool');
  const valid = g.op('Unsqueeze', [g.op('Cast', [inside], { to: attr.i(1) }, [T]), g.constI64([1])], {}, [T, 1]);
  const clamped = g.op('Max', [g.op('Min', [p, g.op('Sub', [seq, one], {}, [], 'int64')], {}, [T], 'int64'), zero], {}, [T], 'int64');
  const base = g.op('Unsqueeze', [g.op('Mul', [g.op('Range', [zero, batch, one], {}, [B], 'int64'), seq], {}, [B], 'int64'), g.constI64([1])], {}, [B, 1], 'int64');
  const rows = g.op('Add', [base, g.op('Unsqueeze', [clamped, g.constI64([0])], {}, [1, T], 'int64')], {}, [B, T], 'int64');
  const flat = ad.reshape(x, [-1, D], ['rows', D]);
  return ad.mul(ad.gather(flat, rows), valid);
}

/** Parameters of one convolution width. */
export interface ConvParams {
  w: Value;
  b: Value;
}

/**
 * Same-padded convolution of width `k` with ReLU, as a matmul: the k shifted copies of x
 * (offsets −⌊(k−1)/2⌋ … ) are concatenated on the feature axis ([B, T, k·D], im2col) and
 * multiplied by w [k·D, F]. `shifted` caches copies across widths.
 */
export function convolve(ad: Autodiff, x: Value, k: number, p: ConvParams, shifted: Map<number, Value> = new Map(), extraBias?: Value): Value {
  const left = Math.floor((k - 1) / 2);
  const cols: Value[] = [];
  for (let j = 0; j < k; j++) {
    const o = j - left;
    let s = shifted.get(o);
    if (!s) {
      s = shiftTime(ad, x, o);
      shifted.set(o, s);
    }
    cols.push(s);
  }
  const im2col = cols.length === 1 ? cols[0]! : ad.concat(cols, -1);
  const pre = ad.linear(im2col, p.w, p.b);
  return ad.relu(extraBias ? ad.add(pre, extraBias) : pre);
}

/** Large negative added to padded positions before the max: ReLU outputs are ≥ 0, so they never win. */
export const PAD_PENALTY = 1e4;

/** Max over time of h [B, T, F], padded positions (mask 0) excluded. */
export function maskedMaxPool(ad: Autodiff, h: Value, mask: Value): Value {
  const g = ad.g;
  const [B, T] = h.shape;
  const penalty = g.op('Unsqueeze', [g.op('Mul', [g.op('Sub', [mask, g.constF(1)], {}, [B!, T!]), g.constF(PAD_PENALTY)], {}, [B!, T!]), g.constI64([2])], {}, [B!, T!, 1]);
  return ad.reduceMax(ad.add(h, penalty), 1, false);
}

/**
 * The deployed word table: the frozen base rows plus each tuned word's trained offset row
 * (`tuneIndex[w]` > 0 names it), so the exported model takes plain word ids.
 */
export function foldTunedRows(base: Float32Array, delta: Float32Array | undefined, tuneIndex: Int32Array, dim: number): Float32Array {
  const folded = Float32Array.from(base);
  if (!delta) return folded;
  for (let w = 0; w < tuneIndex.length; w++) {
    const r = tuneIndex[w]!;
    if (r > 0) for (let k = 0; k < dim; k++) folded[w * dim + k] = folded[w * dim + k]! + delta[r * dim + k]!;
  }
  return folded;
}

/** The word table of a graph: the frozen skip-gram vectors (training), or the folded table (export). */
export type WordTable = { kind: 'frozen'; data: Float32Array } | { kind: 'folded'; data: Float32Array; storage: 'fp16' | 'int8' };

/** The CNN classifier graph; a training graph adds labels, weights and the loss. */
export function buildCnnGraph(ad: Autodiff, a: CnnArch, table: WordTable): { logits: Value; loss?: Value } {
  const g = ad.g;
  const Dw = a.wordDim;
  const P = 2 * a.maxDistance + 1;
  const ids = ad.input('word_ids', 'int64', ['batch', 'seq']);
  const pos1 = ad.input('pos1', 'int64', ['batch', 'seq']);
  const pos2 = ad.input('pos2', 'int64', ['batch', 'seq']);
  const mask = ad.input('mask', 'float32', ['batch', 'seq']);
  // The exported table is stored small (tens of MB in float32): float16, or int8 codes with a
  // scale per row (gathered rows are dequantized); training keeps float32.
  let we: Value;
  if (table.kind === 'folded' && table.storage === 'int8') we = g.gatherInt8Rows('emb.word', table.data, [a.vocabSize, Dw], ids);
  else we = ad.gather(table.kind === 'folded' ? g.initializerHalf('emb.word', table.data, [a.vocabSize, Dw]) : g.initializer('emb.frozen', table.data, [a.vocabSize, Dw]), ids);
  if (table.kind === 'frozen' && a.tuneRows > 0) {
    const tune = ad.input('tune_ids', 'int64', ['batch', 'seq']);
    we = ad.add(we, ad.gather(ad.param('emb.delta', [a.tuneRows, Dw], { kind: 'zeros' }), tune));
  }
  const pe1 = ad.gather(ad.param('pos1.emb', [P, a.posDim], { kind: 'normal', std: 0.1 }), pos1);
  const pe2 = ad.gather(ad.param('pos2.emb', [P, a.posDim], { kind: 'normal', std: 0.1 }), pos2);
  const D = Dw + 2 * a.posDim;
  // Padded positions are zeroed, so a sentence's windows see zeros past its end whatever the
  // batch's length: predictions do not depend on what else is in the batch.
  const mask3 = g.op('Unsqueeze', [mask, g.constI64([2])], {}, ['batch', 'seq', 1]);
  const x = ad.mul(ad.concat([we, pe1, pe2], -1), mask3);
  const shifted = new Map<number, Value>();
  const multiTask = a.taskClasses.length > 0;
  const taskId = multiTask ? ad.input('task_id', 'int64', ['batch']) : undefined;
  // [batch, 3, seq]: 1 where a token belongs to the left / middle / right piece (the argument
  // tokens belong to both pieces they close, so no piece is ever empty).
  const segments = a.piecewise ? ad.input('segments', 'float32', ['batch', 3, 'seq']) : undefined;
  const pooled = a.windows.map((k) => {
    const limit = Math.sqrt(6 / (k * D + a.filters));
    const p = { w: ad.param(`conv${k}.w`, [k * D, a.filters], { kind: 'uniform', limit }), b: ad.param(`conv${k}.b`, [a.filters], { kind: 'zeros' }, true) };
    // The task's filter biases, [batch, 1, filters], broadcast over time.
    const prompt = taskId && a.taskPrompt ? ad.reshape(ad.gather(ad.param(`conv${k}.task`, [a.taskClasses.length, a.filters], { kind: 'zeros' }, true), taskId), [-1, 1, a.filters], ['batch', 1, a.filters]) : undefined;
    const h = convolve(ad, x, k, p, shifted, prompt);
    if (!segments) return maskedMaxPool(ad, h, mask);
    return ad.concat([0, 1, 2].map((s) => maskedMaxPool(ad, h, g.op('Gather', [segments, g.constI64([s], [])], { axis: attr.i(1) }, ['batch', 'seq']))), -1);
  });
  const features = pooled.length === 1 ? pooled[0]! : ad.concat(pooled, -1);
  const F = a.filters * a.windows.length * (segments ? 3 : 1);
  let logits = ad.linear(
    ad.dropout(features, a.dropout),
    ad.param('cls.w', [F, a.classes], { kind: 'uniform', limit: Math.sqrt(6 / (F + a.classes)) }),
    ad.param('cls.b', [a.classes], { kind: 'zeros' }, true),
  );
  // Each example competes only among its own task's labels (its own `none` included).
  if (taskId) logits = ad.add(logits, ad.gather(g.initializer('task.class_mask', taskClassMask(a.taskClasses), [a.taskClasses.length, a.classes]), taskId));
  if (!ad.training) return { logits };
  const labels = ad.input('labels', 'int64', ['batch']);
  const weights = ad.input('weights', 'float32', ['batch']);
  return { logits, loss: ad.softmaxCrossEntropy(logits, labels, weights) };
}

// ---------------------------------------------------------------------------------- feeds and prediction

/**
 * Pad a batch into feeds. `tuneIndex` maps word ids to offset-table rows (training and eval
 * graphs); without it no tune_ids feed is made (exported model).
 */
export function cnnFeeds(batch: readonly CnnExample[], tuneIndex?: Int32Array, noneWeight = 1, labelOffsets?: readonly number[], piecewise = false): Record<string, HostTensor> {
  const B = batch.length;
  const T = Math.max(1, ...batch.map((e) => e.words.length));
  const ids = new BigInt64Array(B * T).fill(BigInt(PAD_ID));
  const p1 = new BigInt64Array(B * T);
  const p2 = new BigInt64Array(B * T);
  const tune = new BigInt64Array(B * T);
  const mask = new Float32Array(B * T);
  const labels = new BigInt64Array(B);
  const weights = new Float32Array(B);
  batch.forEach((e, b) => {
    for (let t = 0; t < e.words.length; t++) {
      const w = e.words[t]!;
      ids[b * T + t] = BigInt(w);
      p1[b * T + t] = BigInt(e.pos1[t]!);
      p2[b * T + t] = BigInt(e.pos2[t]!);
      if (tuneIndex) tune[b * T + t] = BigInt(tuneIndex[w] ?? 0);
      mask[b * T + t] = 1;
    }
    labels[b] = BigInt(e.label + (e.taskId === undefined ? 0 : (labelOffsets?.[e.taskId] ?? 0)));
    weights[b] = e.label === 0 ? noneWeight : 1;
  });
  const f: Record<string, HostTensor> = {
    word_ids: { data: ids, dims: [B, T] },
    pos1: { data: p1, dims: [B, T] },
    pos2: { data: p2, dims: [B, T] },
    mask: { data: mask, dims: [B, T] },
    labels: { data: labels, dims: [B] },
    weights: { data: weights, dims: [B] },
  };
  if (tuneIndex) f['tune_ids'] = { data: tune, dims: [B, T] };
  if (piecewise) f['segments'] = { data: pieceMasks(batch, T), dims: [B, 3, T] };
  if (batch.some((e) => e.taskId !== undefined)) f['task_id'] = { data: BigInt64Array.from(batch, (e) => BigInt(e.taskId ?? 0)), dims: [B] };
  return f;
}

/** [B, 3, T] piece masks: left = up to the first cut, middle = between the cuts, right = from the second cut; inclusive. */
export function pieceMasks(batch: readonly CnnExample[], T: number): Float32Array {
  const m = new Float32Array(batch.length * 3 * T);
  batch.forEach((e, b) => {
    const [lo, hi] = e.cuts;
    for (let t = 0; t < e.words.length; t++) {
      if (t <= lo) m[(b * 3) * T + t] = 1;
      if (t >= lo && t <= hi) m[(b * 3 + 1) * T + t] = 1;
      if (t >= hi) m[(b * 3 + 2) * T + t] = 1;
    }
  });
  return m;
}

/** One prediction: label index, its probability, all probabilities, the raw logits. */
export interface CnnPrediction {
  label: number;
  prob: number;
  probs: number[];
  logits: number[];
  /** Set when a task's document rule, not the argmax, chose the label (e.g. `title-chemical`). */
  rule?: string;
}

/** Tasks with document-level decision rules (`applyDocumentRules`). */
export const DOCUMENT_RULE_TASKS: ReadonlySet<TaskName> = new Set(['cdr']);

/**
 * The task's document-level decision rules on top of the argmax (BC5CDR: `cdrTitleFallback`).
 * Returns new predictions; a ruled one keeps the model's probabilities, so its confidence says
 * how unsure the model itself was.
 */
export function applyDocumentRules(task: TaskName, docs: readonly Document[], candidates: readonly Candidate[], labels: readonly string[], preds: readonly CnnPrediction[]): CnnPrediction[] {
  if (!DOCUMENT_RULE_TASKS.has(task)) return [...preds];
  const cid = labels.indexOf('CID');
  const out = [...preds];
  for (const { index: i, rule } of cdrTitleFallback(docs, candidates, (k) => preds[k]!.label !== 0)) out[i] = { ...preds[i]!, label: cid, prob: preds[i]!.probs[cid]!, rule };
  return out;
}

/** How predictCnn turns logits into probabilities. */
export interface CnnPredictOptions {
  tuneIndex?: Int32Array;
  extraFeeds?: (f: Record<string, HostTensor>, batch: readonly CnnExample[]) => void;
  batchSize?: number;
  /** Softmax temperature (calibration; default 1). */
  temperature?: number;
  /** Only logits [from, to) take part (a multi-task model's slice for one task); labels are relative to `from`. */
  classRange?: readonly [number, number];
}

/** Softmax of `logits / temperature`, with the argmax. */
export function softmaxPrediction(logits: readonly number[], temperature = 1): CnnPrediction {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v / temperature);
  const e = logits.map((v) => Math.exp(v / temperature - max));
  const sum = e.reduce((x, y) => x + y, 0);
  const probs = e.map((x) => x / sum);
  let best = 0;
  for (let k = 1; k < probs.length; k++) if (probs[k]! > probs[best]!) best = k;
  return { label: best, prob: probs[best]!, probs, logits: [...logits] };
}

/** Predictions of a forward session (batches sorted by length to cut padding). */
export async function predictCnn(session: ModelSession, examples: readonly CnnExample[], options: CnnPredictOptions = {}): Promise<CnnPrediction[]> {
  const bs = options.batchSize ?? 64;
  const order = examples.map((_, i) => i).sort((a, b) => examples[a]!.words.length - examples[b]!.words.length);
  const out: CnnPrediction[] = new Array<CnnPrediction>(examples.length);
  for (let s = 0; s < order.length; s += bs) {
    const idx = order.slice(s, s + bs);
    const batch = idx.map((i) => examples[i]!);
    const f = cnnFeeds(batch, options.tuneIndex, 1, undefined, session.inputNames.includes('segments'));
    delete f['labels'];
    delete f['weights'];
    options.extraFeeds?.(f, batch);
    const r = await session.run(f);
    const logits = r['logits']!.data as Float32Array;
    const C = r['logits']!.dims[1]!;
    const [from, to] = options.classRange ?? [0, C];
    idx.forEach((ex, b) => {
      out[ex] = softmaxPrediction(Array.from(logits.subarray(b * C + from, b * C + to)), options.temperature);
    });
  }
  return out;
}

/** Official-scorer P/R/F1 of candidate-indexed predictions over `docs`. */
export function scoreCnn(task: TaskName, docs: readonly Document[], examples: readonly CnnExample[], preds: readonly CnnPrediction[]): ReturnType<typeof scorePredictions> {
  // scorePredictions reads only each example's candidate (and the prediction at its index).
  const shims: RelationExample[] = examples.map((e) => ({ candidate: e.candidate, ids: [], headIndex: 0, tailIndex: 0, label: e.label }));
  return scorePredictions(task, docs, shims, preds);
}

/**
 * Offset-table rows for the words of `examples` (plus the reserved words): row 0 is for every
 * other word (it never gets a gradient, so it stays zero).
 */
export function tuneIndexFor(vocabSize: number, examples: readonly CnnExample[]): { index: Int32Array; rows: number } {
  const seen = new Uint8Array(vocabSize);
  for (let i = 0; i < SPECIAL_WORDS.length; i++) seen[i] = 1;
  seen[PAD_ID] = 0;
  for (const e of examples) for (const w of e.words) seen[w] = 1;
  const index = new Int32Array(vocabSize);
  let rows = 1;
  for (let w = 0; w < vocabSize; w++) if (seen[w]) index[w] = rows++;
  return { index, rows };
}

// ---------------------------------------------------------------------------------- backend

/** What the CNN backend trains on: configs, vectors, encoded examples, dev documents for the scorer. */
export interface CnnBackendOptions {
  config: TrainConfig;
  cnn: CnnConfig;
  vectors: WordVectors;
  /** The model's tasks in task-id order (one task: no task input). */
  tasks: readonly TaskName[];
  train: CnnExample[];
  dev: CnnExample[];
  /** Development documents per task, for the official scorers. */
  devDocs: ReadonlyMap<TaskName, Document[]>;
  /** Weights to start from (an exported model's; `emb.word` is its folded word table). */
  initialWeights?: ReadonlyMap<string, Float32Array>;
  /** Tasks whose heads the export lists (default: all). */
  exportTasks?: readonly TaskName[];
}

/** The architecture a config, task list and vector set give. */
export function cnnArch(c: TrainConfig, cnn: CnnConfig, wv: Pick<WordVectors, 'vocab' | 'dim'>, tuneRows: number, tasks: readonly TaskName[] = [c.task]): CnnArch {
  const taskClasses = tasks.length > 1 ? tasks.map((t) => taskLabels(t).length) : [];
  return {
    vocabSize: wv.vocab.size,
    wordDim: wv.dim,
    posDim: cnn.posDim,
    maxDistance: cnn.maxDistance,
    windows: parseWindows(cnn.windows),
    filters: cnn.filters,
    dropout: c.dropout,
    classes: tasks.length > 1 ? taskClasses.reduce((a, b) => a + b, 0) : taskLabels(tasks[0]!).length,
    tuneRows: cnn.tuneEmbeddings ? tuneRows : 0,
    taskClasses,
    taskPrompt: cnn.taskPrompt,
    piecewise: cnn.pooling === 'piecewise',
  };
}

/** Official-scorer results per task of one prediction pass over tagged examples. */
async function scoreByTask(
  tasks: readonly TaskName[],
  examples: readonly CnnExample[],
  docs: ReadonlyMap<TaskName, Document[]>,
  predict: (ex: readonly CnnExample[], t: number) => Promise<CnnPrediction[]>,
): Promise<Map<TaskName, { score: ReturnType<typeof scoreCnn>; examples: CnnExample[]; preds: CnnPrediction[] }>> {
  const out = new Map<TaskName, { score: ReturnType<typeof scoreCnn>; examples: CnnExample[]; preds: CnnPrediction[] }>();
  for (let t = 0; t < tasks.length; t++) {
    const task = tasks[t]!;
    const ex = examples.filter((e) => (e.taskId ?? 0) === t);
    if (ex.length === 0) continue;
    const preds = await predict(ex, t);
    out.set(task, { score: scoreCnn(task, docs.get(task) ?? [], ex, preds), examples: ex, preds });
  }
  return out;
}

/**
 * Trainer backend for the CNN; evaluate() reports official dev P/R/F1 (select on `f1`; with
 * several tasks, `f1` is their mean and `f1.<task>` each one).
 */
export async function createCnnBackend(o: CnnBackendOptions): Promise<TrainerBackend & { session: ModelSession; arch: CnnArch }> {
  const c = o.config;
  const tasks = o.tasks;
  const tune = tuneIndexFor(o.vectors.vocab.size, o.train);
  const arch = cnnArch(c, o.cnn, o.vectors, tune.rows, tasks);
  const offsets = arch.taskClasses.length ? taskOffsets(arch.taskClasses) : [0];
  const start = o.initialWeights?.get('emb.word');
  if (start && start.length !== o.vectors.vocab.size * o.vectors.dim) throw new Error('initFrom: its word table does not match the word vectors (use the vectors it was trained with)');
  const base = start ? Float32Array.from(start) : cnnWordTable(o.vectors, o.cnn.centerVectors);
  const frozen: WordTable = { kind: 'frozen', data: base };
  const ad = new Autodiff('cnn-train', { training: true, seed: c.seed });
  const { loss } = buildCnnGraph(ad, arch, frozen);
  const opt = { beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, weightDecay: c.weightDecay, clipNorm: c.clipNorm };
  appendOptimizer(ad, loss!, opt);
  const session = await createSession(ad.g.toBytes(), { threads: c.threads });
  const init = initialize(ad.params, c.seed);
  if (o.initialWeights) {
    let loaded = 0;
    for (const [k, v] of o.initialWeights) {
      if (init.has(k) && init.get(k)!.length === v.length) {
        init.set(k, v);
        loaded++;
      }
    }
    if (loaded === 0) throw new Error('initFrom: no weight matched the CNN (architecture mismatch?)');
  }
  const runner = new StepRunner(session, ad.params, init, opt);
  const ev = new Autodiff('cnn-eval', { training: false });
  ev.g.output(buildCnnGraph(ev, arch, frozen).logits, 'logits');
  const evalSession = await createSession(ev.g.toBytes(), { threads: c.threads });
  const tuneIndex = arch.tuneRows > 0 ? tune.index : undefined;
  const withWeights = (f: Record<string, HostTensor>): void => {
    const w = runner.weights();
    for (const p of ev.params) f[p.name] = { data: w.get(p.name)!, dims: p.shape as number[] };
  };
  const batches = lengthBucketedBatches(o.train, c.batchSize, rng(c.seed), (e) => e.words.length);
  const predict = (examples: readonly CnnExample[], t: number): Promise<CnnPrediction[]> =>
    predictCnn(evalSession, examples, { ...(tuneIndex ? { tuneIndex } : {}), extraFeeds: withWeights, classRange: [offsets[t]!, offsets[t]! + taskLabels(tasks[t]!).length] });
  const exportTasks = o.exportTasks ?? tasks;
  return {
    session,
    arch,
    async step(lr) {
      const batch = batches.next().value as CnnExample[];
      const f = cnnFeeds(batch, tuneIndex, c.noneWeight, offsets, arch.piecewise);
      const r = await runner.run(f, lr);
      return { ...r, tokens: f['word_ids']!.dims[0]! * f['word_ids']!.dims[1]! };
    },
    async evaluate() {
      const byTask = await scoreByTask(tasks, o.dev, o.devDocs, predict);
      const out: Record<string, number> = {};
      let nll = 0;
      let n = 0;
      let f1 = 0;
      for (const [task, r] of byTask) {
        r.preds.forEach((p, i) => (nll -= Math.log(Math.max(1e-12, p.probs[r.examples[i]!.label]!))));
        n += r.preds.length;
        f1 += r.score.micro.f1;
        if (byTask.size > 1) out[`f1.${task}`] = r.score.micro.f1;
        else Object.assign(out, { precision: r.score.micro.precision, recall: r.score.micro.recall });
      }
      return { ...out, evalLoss: nll / Math.max(1, n), f1: f1 / Math.max(1, byTask.size) };
    },
    state: () => runner.state(),
    restore: (s) => runner.restore(s),
    async exportModel(dir, meta) {
      const weights = runner.weights();
      const folded = foldTunedRows(base, weights.get('emb.delta'), tune.index, arch.wordDim);
      const ex = new Autodiff('cnn-relation', { training: false, weights });
      ex.g.output(buildCnnGraph(ex, { ...arch, tuneRows: 0 }, { kind: 'folded', data: folded, storage: o.cnn.wordTable }).logits, 'logits');
      const single = tasks.length === 1;
      const labels = taskLabels(tasks[0]!);
      writeModelFolder(dir, ex.g.toBytes(), {
        model_type: 'biore-cnn-relation',
        ...(single
          ? { task: tasks[0], id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])), label2id: Object.fromEntries(labels.map((l, i) => [l, i])) }
          : { tasks: Object.fromEntries(exportTasks.map((t) => { const i = tasks.indexOf(t); return [t, { task_id: i, offset: offsets[i], labels: taskLabels(t) }]; })), model_tasks: tasks }),
        inputs: ['word_ids', 'pos1', 'pos2', 'mask', ...(single ? [] : ['task_id']), ...(arch.piecewise ? ['segments'] : [])],
        outputs: ['logits'],
        architecture: { ...arch, tuneRows: 0 },
        tokenizer: { ...WORD_TOKENIZER, vocab: VOCAB_FILE },
        blinding: o.cnn.blinding ? { head: SPECIAL_WORDS[BLIND_HEAD_ID], tail: SPECIAL_WORDS[BLIND_TAIL_ID], other: SPECIAL_WORDS[BLIND_OTHER_ID] } : null,
        max_words: o.cnn.maxWords,
        max_distance: o.cnn.maxDistance,
        position_encoding: 'clip(token index − nearest argument token index, ±max_distance) + max_distance',
        cnn: o.cnn,
        word_vectors: { dim: o.vectors.dim, vocabSize: o.vectors.vocab.size, vectorsSha256: o.vectors.meta['vectorsSha256'] ?? vectorsHash(o.vectors.vectors), data: o.vectors.meta['data'] ?? null, params: o.vectors.meta['params'] ?? null },
        ...meta,
      });
      fs.writeFileSync(path.join(dir, VOCAB_FILE), o.vectors.vocab.toText());
    },
  };
}

/**
 * Re-export a relation folder keeping only the `keepWords` most frequent words of its vocabulary
 * (ids are in frequency order, the reserved words first): every other word reads as unknown. The
 * word table is most of a folder's size, and blinding already hides the argument names, so the
 * rare rows buy little (measured per task in docs/results.md before a pruned folder ships).
 */
export function pruneCnnRelationFolder(from: string, to: string, keepWords: number, command = `biore wordvec prune --from ${from} --to ${to} --keep-words ${keepWords}`): { bytes: number; words: number } {
  const cfg = readModelConfig(from);
  if (cfg['model_type'] !== 'biore-cnn-relation') throw new Error(`${from}: not a CNN relation folder (model_type ${String(cfg['model_type'])})`);
  const arch = cfg['architecture'] as CnnArch;
  const vocab = WordVocab.load(path.join(from, VOCAB_FILE));
  if (!Number.isInteger(keepWords) || keepWords <= SPECIAL_WORDS.length) throw new Error(`keep at least ${SPECIAL_WORDS.length + 1} words`);
  const n = Math.min(keepWords, vocab.size);
  const weights = readModelWeights(from);
  const table = weights.get('emb.word');
  if (!table || table.length !== vocab.size * arch.wordDim) throw new Error(`${from}: the word table does not match vocab.tsv`);
  const kept = new Map(weights);
  kept.set('emb.word', table.slice(0, n * arch.wordDim));
  const storage = ((cfg['cnn'] as Partial<CnnConfig> | undefined)?.wordTable ?? 'int8') as 'int8' | 'fp16';
  const ex = new Autodiff('cnn-relation', { training: false, weights: kept });
  const pruned = { ...arch, vocabSize: n };
  ex.g.output(buildCnnGraph(ex, pruned, { kind: 'folded', data: kept.get('emb.word')!, storage }).logits, 'logits');
  const bytes = ex.g.toBytes();
  const small = new WordVocab(vocab.words.slice(0, n), vocab.counts.slice(0, n));
  writeModelFolder(to, bytes, { ...cfg, architecture: pruned, pruned: { keepWords: n, of: vocab.size, command } });
  fs.writeFileSync(path.join(to, VOCAB_FILE), small.toText());
  return { bytes: bytes.length, words: n };
}

// ---------------------------------------------------------------------------------- job

/** One `biore wordvec finetune` run. */
export interface CnnFinetuneJob {
  /** key=value overrides: CNN keys (vectors, windows, filters, ...) and TrainConfig keys. */
  overrides: readonly string[];
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  onLog?: (line: string) => void;
  resume?: boolean;
  command?: string;
}

/** Test numbers of one task. */
export interface CnnTaskResult {
  precision: number;
  recall: number;
  f1: number;
  byType: Record<string, { precision: number; recall: number; f1: number }>;
  /** Expected calibration error (%) on test, after the temperature fitted on dev. */
  ece: number;
  temperature: number;
  /** Dev F1 of the exported (quantized) model; compare with the training graph's best dev F1. */
  devF1Exported: number;
  /** BC5CDR: the same predictions after the task's document rules (what the runtime serves). */
  withDocumentRules?: { precision: number; recall: number; f1: number };
}

/** What a run reports: the dev numbers that selected the model and the test numbers of that model. */
export interface CnnFinetuneResult {
  summary: TrainSummary;
  /** Best dev metrics (official scorer), the model-selection numbers. */
  dev: Record<string, number> | undefined;
  /** Test (DrugProt: dev) numbers per trained task. */
  test: Partial<Record<TaskName, CnnTaskResult>>;
  examples: { train: number; dev: number; test: number };
  bestModel: string;
  config: { train: TrainConfig; cnn: CnnConfig };
}

const round2 = (x: number): number => +x.toFixed(2);

/** N(0, 0.1²) values (Box–Muller on the seeded generator). */
function randomTable(n: number, seed: number): Float32Array {
  const r = rng(seed ^ 0x5eed);
  return Float32Array.from({ length: n }, () => 0.1 * Math.sqrt(-2 * Math.log(Math.max(1e-12, r()))) * Math.cos(2 * Math.PI * r()));
}

/** The task list of a model folder (multi-task: by task id), or undefined when it has one. */
function folderTasks(dir: string): TaskName[] | undefined {
  const cfg = readModelConfig(dir);
  const t = cfg['model_tasks'];
  return Array.isArray(t) ? (t as TaskName[]) : undefined;
}

/**
 * Train the CNN on one task or several (same documents, dev split and candidates as
 * `biore finetune`), keep the best dev-F1 step, fit a softmax temperature per task on dev, then
 * score that exported model once on each task's test set.
 */
export async function runCnnFinetune(job: CnnFinetuneJob): Promise<CnnFinetuneResult> {
  const { train: config, cnn } = resolveCnnConfig(job.overrides);
  const log = job.onLog ?? (() => {});
  const loaded = loadWordVectors(cnn.vectors);
  const wv = cnn.randomVectors ? { ...loaded, vectors: randomTable(loaded.vectors.length, config.seed), meta: { ...loaded.meta, vectorsSha256: 'random', data: null, params: null } } : loaded;
  // The model's task list: initFrom's (stage 2 of transfer), else `tasks`, else `task`.
  const modelTasks: TaskName[] = (config.initFrom ? folderTasks(config.initFrom) : undefined) ?? (cnn.tasks ? (cnn.tasks.split(',') as TaskName[]) : [config.task]);
  const excluded = new Set(cnn.exclude ? cnn.exclude.split(',') : []);
  const trainTasks: TaskName[] = cnn.target ? [cnn.target as TaskName] : config.initFrom && modelTasks.length > 1 ? [config.task] : modelTasks.filter((t) => !excluded.has(t));
  for (const t of trainTasks) if (!modelTasks.includes(t)) throw new Error(`task ${t} is not among the model's tasks (${modelTasks.join(', ')})`);
  const enc = { blinding: cnn.blinding, maxWords: cnn.maxWords, maxDistance: cnn.maxDistance };
  const t0 = Date.now();
  const trainEx: CnnExample[] = [];
  const dev: CnnExample[] = [];
  const test: CnnExample[] = [];
  const devDocs = new Map<TaskName, Document[]>();
  const testDocs = new Map<TaskName, Document[]>();
  const multi = modelTasks.length > 1;
  for (const task of trainTasks) {
    const docs = await taskDocuments(task, config);
    const tag = (ex: CnnExample[]): CnnExample[] => (multi ? ex.map((e) => ({ ...e, taskId: modelTasks.indexOf(task) })) : ex);
    const examples = (ds: Document[]): CnnExample[] => tag(encodeCnnCandidates(wv.vocab, ds, generateAllCandidates(task, ds), task, enc));
    const tr = examples(docs.train);
    trainEx.push(...tr);
    dev.push(...examples(docs.dev));
    test.push(...examples(docs.test));
    devDocs.set(task, docs.dev);
    testDocs.set(task, docs.test);
    log(`${task}: train ${tr.length} examples (${docs.train.length} docs), dev ${docs.dev.length} docs, test ${docs.test.length} docs`);
  }
  const unk = trainEx.reduce((n, e) => n + e.words.filter((w) => w === UNK_ID).length, 0);
  const words = trainEx.reduce((n, e) => n + e.words.length, 0);
  log(`examples: train ${trainEx.length}, dev ${dev.length}, test ${test.length}; ${(words / Math.max(1, trainEx.length)).toFixed(1)} words per train example, ${((100 * unk) / Math.max(1, words)).toFixed(2)}% unknown; encoded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const initialWeights = config.initFrom ? readModelWeights(config.initFrom) : undefined;
  const backend = await createCnnBackend({ config, cnn, vectors: wv, tasks: modelTasks, train: trainEx, dev, devDocs, exportTasks: trainTasks, ...(initialWeights ? { initialWeights } : {}) });
  log(`cnn: ${backend.arch.windows.join(',')} × ${backend.arch.filters} filters, words ${backend.arch.wordDim}d + 2 × ${backend.arch.posDim}d positions, ${backend.arch.tuneRows} tuned word rows of ${backend.arch.vocabSize}; tasks ${modelTasks.join(',')}${multi ? (cnn.taskPrompt ? ' with task prompt' : ' without task prompt') : ''}; training on ${trainTasks.join(',')}`);
  fs.mkdirSync(config.outDir, { recursive: true });
  fs.writeFileSync(path.join(config.outDir, 'config.json'), JSON.stringify({ train: config, cnn }, null, 1) + '\n');
  const meta = {
    seed: config.seed,
    command: job.command ?? `biore wordvec finetune ${job.overrides.join(' ')}`.trim(),
    data: { tasks: trainTasks, trainExamples: trainEx.length, devExamples: dev.length, initFrom: config.initFrom || null },
  };
  let summary: TrainSummary;
  try {
    summary = await train(backend, {
      config,
      meta,
      select: { metric: 'f1', mode: 'max' },
      ...(job.signal ? { signal: job.signal } : {}),
      ...(job.onProgress ? { onProgress: job.onProgress } : {}),
      ...(job.resume === undefined ? {} : { resume: job.resume }),
    });
  } finally {
    await backend.session.dispose();
  }
  // Calibrate on dev, then test once, with the best model as exported (the file a runtime loads).
  const bestDir = path.join(config.outDir, BEST_DIR);
  const session = await createSession(path.join(bestDir, MODEL_FILE), { threads: config.threads });
  const offsets = multi ? taskOffsets(backend.arch.taskClasses) : [0];
  const forTask = (t: number, temperature = 1) => (ex: readonly CnnExample[]): Promise<CnnPrediction[]> => predictCnn(session, ex, { temperature, classRange: [offsets[t]!, offsets[t]! + taskLabels(modelTasks[t]!).length] });
  const cfgFile = path.join(bestDir, 'config.json');
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
  const results: Partial<Record<TaskName, CnnTaskResult>> = {};
  try {
    for (const task of trainTasks) {
      const t = modelTasks.indexOf(task);
      const mine = (ex: CnnExample[]): CnnExample[] => (multi ? ex.filter((e) => e.taskId === t) : ex);
      const devPreds = await forTask(t)(mine(dev));
      // The shipped file (quantized word table) against the training graph, on the selecting metric.
      const devExport = scoreCnn(task, devDocs.get(task)!, mine(dev), devPreds).micro.f1;
      const devTrain = summary.best?.[multi ? `f1.${task}` : 'f1'];
      log(`${task}: dev F1 exported model ${devExport.toFixed(2)} vs training graph ${devTrain?.toFixed(2) ?? '?'} (word table ${cnn.wordTable})`);
      const temperature = fitTemperature(devPreds.map((p) => p.logits), mine(dev).map((e) => e.label));
      const testEx = mine(test);
      const preds = await forTask(t, temperature)(testEx);
      const s = scoreCnn(task, testDocs.get(task)!, testEx, preds);
      const withRules = DOCUMENT_RULE_TASKS.has(task) ? scoreCnn(task, testDocs.get(task)!, testEx, applyDocumentRules(task, testDocs.get(task)!, testEx.map((e) => e.candidate), taskLabels(task), preds)).micro : undefined;
      const cal = expectedCalibrationError(preds.map((p) => p.prob), preds.map((p, i) => p.label === testEx[i]!.label));
      results[task] = {
        precision: round2(s.micro.precision),
        recall: round2(s.micro.recall),
        f1: round2(s.micro.f1),
        byType: Object.fromEntries(Object.entries(s.byType).map(([k, v]) => [k, { precision: round2(v.precision), recall: round2(v.recall), f1: round2(v.f1) }])),
        ece: round2(cal.ece),
        temperature: +temperature.toFixed(4),
        devF1Exported: round2(devExport),
        ...(withRules ? { withDocumentRules: { precision: round2(withRules.precision), recall: round2(withRules.recall), f1: round2(withRules.f1) } } : {}),
      };
      const calibration = { temperature: +temperature.toFixed(4), fittedOn: 'dev', testEce: round2(cal.ece) };
      if (multi) ((cfg['tasks'] as Record<string, Record<string, unknown>>)[task]!)['calibration'] = calibration;
      else cfg['calibration'] = calibration;
    }
  } finally {
    await session.dispose();
  }
  cfg['test_metrics'] = results;
  fs.writeFileSync(cfgFile, JSON.stringify(cfg, null, 1) + '\n');
  return { summary, dev: summary.best, test: results, examples: { train: trainEx.length, dev: dev.length, test: test.length }, bestModel: bestDir, config: { train: config, cnn } };
}
