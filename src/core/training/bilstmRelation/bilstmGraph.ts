/**
 * The BiLSTM relation model family (Zhou, Miao & He 2018; Sahu & Anand 2018): the CNN family's
 * inputs (words with entity blinding, two relative-position embeddings; see
 * inference/relations/cnnRelationModel.ts) read by a bidirectional LSTM, pooled by max over time,
 * additive attention and the mean over the head's and the tail's tokens (combined: attention
 * alone lost to max pooling in published comparisons), then dropout and a linear layer over the
 * task labels. The exported graph takes the same inputs as the CNN, so the same runtime serves it.
 *
 * Training graphs unroll the recurrence over a static length (`seq`); exports use onnxruntime's
 * LSTM op over any length (engine/layers/lstm.ts).
 */
import type { Autodiff } from '../../engine/autodiff';
import type { Dim, Value } from '../../engine/graph';
import { attr } from '../../engine/graph';
import { biLstm, biLstmParams } from '../../engine/layers/lstm';
import { attentionParams, pool, pooledWidth, type PoolingChoice } from '../../engine/layers/pooling';
import { taskClassMask, type CnnArch, type WordTable } from '../cnnRelation/cnnGraph';
import { relationLoss } from '../cnnRelation/relationLoss';

/** The BiLSTM's own settings on top of the shared relation architecture. */
export interface BiLstmArchExtra {
  hidden: number;
  attnDim: number;
  entityPooling: boolean;
  /**
   * Position-aware attention (Zhou, Miao & He 2018): the attention head scores each state with the
   * token's two relative-position embeddings beside it, so where a word stands relative to the
   * pair decides how much it counts; the pooled values are the states alone. Absent = off.
   */
  positionAttention?: boolean;
  /**
   * Language-model features (ELMo style; Peters et al. 2018): a BiLSTM language model's LSTM
   * (lstmLanguageModel.ts; parameters `lmfeat.*`, kept frozen by the trainer) reads the words, fed
   * as it was trained (word vector, then `inputPad` zeros), and its states join the relation
   * LSTM's input. Absent = none.
   */
  lmFeatures?: LmFeatureArch;
}

/** The language-model features' shape: its LSTM's hidden units, and the zeros after each word vector it was trained with. */
export interface LmFeatureArch {
  hidden: number;
  inputPad: number;
}

/** Parameters of the language-model features: taken from the language model, never trained. */
export const LM_FEATURE_PREFIX = 'lmfeat';

/** The BiLSTM classifier graph; `seq` is the static training length or a symbolic name (export). */
export function buildBiLstmGraph(ad: Autodiff, a: CnnArch & BiLstmArchExtra, table: WordTable, seq: Dim): { logits: Value; loss?: Value } {
  const g = ad.g;
  const Dw = a.wordDim;
  const P = 2 * a.maxDistance + 1;
  const ids = ad.input('word_ids', 'int64', ['batch', seq]);
  const pos1 = ad.input('pos1', 'int64', ['batch', seq]);
  const pos2 = ad.input('pos2', 'int64', ['batch', seq]);
  const mask = ad.input('mask', 'float32', ['batch', seq]);
  let we: Value;
  if (table.kind === 'folded' && table.storage === 'int8') we = g.gatherInt8Rows('emb.word', table.data, [a.vocabSize, Dw], ids);
  else we = ad.gather(table.kind === 'folded' ? g.initializerHalf('emb.word', table.data, [a.vocabSize, Dw]) : g.initializer('emb.frozen', table.data, [a.vocabSize, Dw]), ids);
  if (table.kind === 'frozen' && a.tuneRows > 0) {
    const tune = ad.input('tune_ids', 'int64', ['batch', seq]);
    we = ad.add(we, ad.gather(ad.param('emb.delta', [a.tuneRows, Dw], { kind: 'zeros' }), tune));
  }
  const pe1 = ad.gather(ad.param('pos1.emb', [P, a.posDim], { kind: 'normal', std: 0.1 }), pos1);
  const pe2 = ad.gather(ad.param('pos2.emb', [P, a.posDim], { kind: 'normal', std: 0.1 }), pos2);
  const mask3 = g.op('Unsqueeze', [mask, g.constI64([2])], {}, ['batch', seq, 1]);
  const lengths = g.op('Cast', [g.op('ReduceSum', [mask, g.constI64([1])], { keepdims: attr.i(0) }, ['batch'])], { to: attr.i(7) }, ['batch'], 'int64');
  const inputs = [we, pe1, pe2];
  if (a.lmFeatures) {
    const lm = a.lmFeatures;
    inputs.push(biLstm(ad, ad.mul(ad.pad(we, -1, 0, lm.inputPad), mask3), lengths, mask, biLstmParams(ad, LM_FEATURE_PREFIX, Dw + lm.inputPad, lm.hidden)));
  }
  const D = Dw + 2 * a.posDim + (a.lmFeatures ? 2 * a.lmFeatures.hidden : 0);
  const x = ad.dropout(ad.mul(ad.concat(inputs, -1), mask3), a.dropout);
  const h = biLstm(ad, x, lengths, mask, biLstmParams(ad, 'lstm', D, a.hidden));
  // The argument tokens are where the relative position is 0 (stored as maxDistance).
  const at = (pos: Value): Value => ad.mul(g.op('Cast', [g.op('Equal', [pos, g.constI64([a.maxDistance], [])], {}, ['batch', seq], 'bool')], { to: attr.i(1) }, ['batch', seq]), mask);
  const choice: PoolingChoice = {
    max: true,
    ...(a.attnDim > 0 ? { attention: attentionParams(ad, 'attn', 2 * a.hidden + (a.positionAttention ? 2 * a.posDim : 0), a.attnDim) } : {}),
    ...(a.attnDim > 0 && a.positionAttention ? { attentionKeys: ad.concat([h, pe1, pe2], -1) } : {}),
    ...(a.entityPooling ? { spans: [at(pos1), at(pos2)] } : {}),
  };
  const features = pool(ad, h, mask, choice);
  const F = pooledWidth(2 * a.hidden, choice);
  let logits = ad.linear(
    ad.dropout(features, a.dropout),
    ad.param('cls.w', [F, a.classes], { kind: 'uniform', limit: Math.sqrt(6 / (F + a.classes)) }),
    ad.param('cls.b', [a.classes], { kind: 'zeros' }, true),
  );
  if (a.taskClasses.length > 0) {
    const taskId = ad.input('task_id', 'int64', ['batch']);
    logits = ad.add(logits, ad.gather(g.initializer('task.class_mask', taskClassMask(a.taskClasses), [a.taskClasses.length, a.classes]), taskId));
  }
  if (!ad.training) return { logits };
  const labels = ad.input('labels', 'int64', ['batch']);
  const weights = ad.input('weights', 'float32', ['batch']);
  return { logits, loss: relationLoss(ad, logits, labels, weights, a) };
}
