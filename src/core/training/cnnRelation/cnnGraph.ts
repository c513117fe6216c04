/**
 * The CNN relation model family: static skip-gram word vectors feeding a CNN
 * relation classifier (Zeng et al. 2014; the DDI CNNs of Liu et al. 2016). This file builds its
 * training and export graphs; encoding and prediction are in
 * src/core/inference/relations/cnnRelationModel.ts.
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
import type { Autodiff } from '../../engine/autodiff';
import type { Value } from '../../engine/graph';
import { attr } from '../../engine/graph';
import { convolve } from '../../engine/layers/convolution';
import { relationLoss } from './relationLoss';
import { PAD_PENALTY, maskedMaxPool } from '../../engine/layers/pooling';
import type { CnnExample } from '../../inference/relations/cnnRelationModel';
import type { WordVectors } from '../../wordvec/wordVectors';
import { PAD_ID, SPECIAL_WORDS } from '../../wordvec/wordVocab';

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
  /** Training loss: focal with this γ (absent or 0: cross-entropy). */
  focalGamma?: number;
  /** Training loss: plus this weight times the detection loss (relationLoss.ts; absent or 0: none). */
  detectionWeight?: number;
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
export function taskClassMask(taskClasses: readonly number[]): Float32Array {
  const C = taskClasses.reduce((a, b) => a + b, 0);
  const m = new Float32Array(taskClasses.length * C).fill(-PAD_PENALTY);
  taskOffsets(taskClasses).forEach((off, t) => m.fill(0, t * C + off, t * C + off + taskClasses[t]!));
  return m;
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
  return { logits, loss: relationLoss(ad, logits, labels, weights, a) };
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
