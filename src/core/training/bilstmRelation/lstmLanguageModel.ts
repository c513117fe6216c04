/**
 * A bidirectional LSTM language model over raw text (Corbett & Boyle 2018; Dai & Le 2015): the
 * forward LSTM predicts each next word, the backward LSTM each previous word, from the same
 * frozen word vectors the relation models read. Its LSTM weights then initialize the BiLSTM
 * relation model (`wordvec finetune family=bilstm initFrom=<this model's folder>`), which learns
 * from a few thousand labelled pairs what the language model learnt from millions of words.
 *
 * The LSTM is declared exactly as the relation model declares it (bilstmGraph.ts): parameters
 * `lstm.w/r/b` over inputs of word vector + two position embeddings. Raw text has no pair, so the
 * position part of the input is zero here: those rows of `lstm.w` keep their initial values and
 * the relation model learns them. Names and shapes match, so initFrom loads the LSTM and nothing
 * else (the output layer `lm.*` has no counterpart in the relation model).
 *
 * The output is a softmax over the `outputWords` most frequent words (the vocabulary is sorted by
 * count; the rest are predicted as unknown), scored as (W·h + b)·e_w + c_w with e_w the frozen
 * vector of word w: the vectors already place words with similar contexts together, so the output
 * layer learns one projection into their space instead of a vector per word.
 */
import type { Autodiff } from '../../engine/autodiff';
import type { Dim, Value } from '../../engine/graph';
import { attr } from '../../engine/graph';
import { biLstm, biLstmParams } from '../../engine/layers/lstm';
import { PAD_ID, SPECIAL_WORDS, UNK_ID } from '../../wordvec/wordVocab';
import { readModelConfig, readModelWeights } from '../../inference/modelFolders';
import { LM_FEATURE_PREFIX, type LmFeatureArch } from './bilstmGraph';

/** The language model's shape. */
export interface LstmLmArch {
  vocabSize: number;
  wordDim: number;
  /** Width of each position embedding of the relation model it initializes (zero input here). */
  posDim: number;
  hidden: number;
  /** Output classes: word ids below this; the rest count as UNK. */
  outputWords: number;
  dropout: number;
}

/**
 * The graph: inputs `word_ids` [batch, seq] and `mask`; in training also `lm_labels` and
 * `lm_weights` [2·batch·seq] (forward-direction rows first, see `lmTargets`). Returns the logits
 * [2·batch·seq, outputWords] and, in training, the mean cross-entropy.
 */
export function buildLstmLmGraph(ad: Autodiff, a: LstmLmArch, table: Float32Array, seq: Dim): { logits: Value; loss?: Value } {
  const g = ad.g;
  const D = a.wordDim;
  const H = a.hidden;
  const V = a.outputWords;
  const ids = ad.input('word_ids', 'int64', ['batch', seq]);
  const mask = ad.input('mask', 'float32', ['batch', seq]);
  const we = ad.gather(g.initializer('emb.frozen', table, [a.vocabSize, D]), ids);
  const mask3 = g.op('Unsqueeze', [mask, g.constI64([2])], {}, ['batch', seq, 1]);
  const x = ad.dropout(ad.mul(ad.pad(we, -1, 0, 2 * a.posDim), mask3), a.dropout);
  const lengths = g.op('Cast', [g.op('ReduceSum', [mask, g.constI64([1])], { keepdims: attr.i(0) }, ['batch'])], { to: attr.i(7) }, ['batch'], 'int64');
  const h = biLstm(ad, x, lengths, mask, biLstmParams(ad, 'lstm', D + 2 * a.posDim, H));
  // [2, batch·seq, H]: direction 0 (forward states) then direction 1 (backward states).
  const [hf, hb] = ad.split(h, -1, [H, H]) as [Value, Value];
  const rows = (v: Value): Value => ad.reshape(v, [1, -1, H], [1, 'rows', H]);
  const states = ad.dropout(ad.concat([rows(hf), rows(hb)], 0), a.dropout);
  const limit = Math.sqrt(6 / (H + D));
  const projected = ad.add(ad.bmm(states, ad.param('lm.proj.w', [2, H, D], { kind: 'uniform', limit })), ad.param('lm.proj.b', [2, 1, D], { kind: 'zeros' }, true));
  const outputTable = new Float32Array(D * V);
  for (let w = 0; w < V; w++) for (let k = 0; k < D; k++) outputTable[k * V + w] = table[w * D + k]!;
  const logits = ad.add(ad.matmul(ad.reshape(projected, [-1, D], ['rows2', D]), g.initializer('lm.out.table', outputTable, [D, V])), ad.param('lm.out.b', [V], { kind: 'zeros' }, true));
  if (!ad.training) return { logits };
  const labels = ad.input('lm_labels', 'int64', ['rows2']);
  const weights = ad.input('lm_weights', 'float32', ['rows2']);
  return { logits, loss: ad.softmaxCrossEntropy(logits, labels, weights) };
}

/**
 * Targets of a padded batch `ids` [B, T] with true `lengths`: forward row (b, t) predicts the word
 * at t + 1, backward row (b, t) the word at t − 1; rows without one (and padding) weigh 0. Words
 * at or above `outputWords` are predicted as UNK; special words (blinding, padding) never occur in
 * raw text but weigh 0 if they do.
 */
export function lmTargets(ids: Int32Array, lengths: readonly number[], T: number, outputWords: number): { labels: BigInt64Array; weights: Float32Array } {
  const B = lengths.length;
  const labels = new BigInt64Array(2 * B * T);
  const weights = new Float32Array(2 * B * T);
  const put = (row: number, word: number): void => {
    if (word < SPECIAL_WORDS.length && word !== UNK_ID) return;
    labels[row] = BigInt(word < outputWords ? word : UNK_ID);
    weights[row] = 1;
  };
  for (let b = 0; b < B; b++) {
    const n = lengths[b]!;
    for (let t = 0; t < n; t++) {
      if (t + 1 < n) put(b * T + t, ids[b * T + t + 1]!);
      if (t >= 1) put(B * T + b * T + t, ids[b * T + t - 1]!);
    }
  }
  return { labels, weights };
}

/** Pads sequences of word ids to [B, T] (PAD_ID) with their mask. */
export function lmBatch(sequences: readonly Int32Array[], T: number): { ids: Int32Array; feeds: { word_ids: BigInt64Array; mask: Float32Array }; lengths: number[] } {
  const B = sequences.length;
  const ids = new Int32Array(B * T).fill(PAD_ID);
  const mask = new Float32Array(B * T);
  sequences.forEach((s, b) => {
    for (let t = 0; t < Math.min(T, s.length); t++) {
      ids[b * T + t] = s[t]!;
      mask[b * T + t] = 1;
    }
  });
  return { ids, feeds: { word_ids: BigInt64Array.from(ids, (v) => BigInt(v)), mask }, lengths: sequences.map((s) => Math.min(T, s.length)) };
}

/** `model_type` of a language-model folder. */
export const LSTM_LM_MODEL_TYPE = 'bilstm-language-model';

/**
 * The LSTM of a language-model folder as a relation model's language-model features: the arch
 * entry and the weights renamed `lstm.*` → `lmfeat.*`. Refuses another folder type and a model
 * trained on other word vectors (its input would be different words).
 */
export function readLanguageModelFeatures(dir: string, vectorsSha256: unknown): { lmFeatures: LmFeatureArch; weights: Map<string, Float32Array> } {
  const cfg = readModelConfig(dir);
  if (cfg['model_type'] !== LSTM_LM_MODEL_TYPE) throw new Error(`lmFeatures: ${dir} is not a language-model folder (model_type ${String(cfg['model_type'])}; train one with \`biore wordvec lm\`)`);
  const wv = cfg['word_vectors'] as { vectorsSha256?: unknown } | undefined;
  if (wv?.vectorsSha256 !== vectorsSha256) throw new Error(`lmFeatures: ${dir} was trained on other word vectors (${String(wv?.vectorsSha256)}) than these (${String(vectorsSha256)})`);
  const arch = cfg['architecture'] as LstmLmArch;
  const all = readModelWeights(dir);
  const weights = new Map<string, Float32Array>();
  for (const k of ['w', 'r', 'b']) {
    const v = all.get(`lstm.${k}`);
    if (!v) throw new Error(`lmFeatures: ${dir} has no lstm.${k}`);
    weights.set(`${LM_FEATURE_PREFIX}.${k}`, v);
  }
  return { lmFeatures: { hidden: arch.hidden, inputPad: 2 * arch.posDim }, weights };
}
