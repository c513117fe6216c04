/**
 * Masked-language-model pre-training of the encoder: batches of packed token windows with
 * dynamic (whole-word) masking, the MLM head tied to the word embeddings, held-out loss and
 * accuracy, and export of the encoder as a model folder.
 */
import { Autodiff } from '../../engine/autodiff';
import type { Value } from '../../engine/graph';
import { attr } from '../../engine/graph';
import { initialize, rng } from '../../engine/initialize';
import { appendOptimizer } from '../../engine/optimizer';
import { StepRunner } from '../../engine/stepRunner';
import { DEFAULT_ENCODER, encode, encoderParams, type EncoderConfig } from '../../engine/layers/transformerEncoder';
import { writeModelFolder } from '../../inference/modelFolders';
import { createSession, type HostTensor, type ModelSession } from '../../runtime/session';
import type { TokenStream, SpecialIds } from './pretrainData';
import type { TrainConfig } from '../trainConfig';
import type { TrainerBackend } from '../trainer';

/** Encoder architecture from a training config. */
export function encoderConfigOf(c: TrainConfig, vocabSize: number): EncoderConfig {
  return {
    vocabSize,
    dModel: c.dModel,
    layers: c.layers,
    heads: c.heads,
    ffn: c.ffn,
    maxPositions: c.maxPositions,
    dropout: c.dropout,
    layerNormEps: 1e-12,
    initStd: 0.02,
    activation: c.activation,
  };
}

/** Masked positions per sequence (fixed, so every batch has the same tensor sizes). */
export function maskedPerSequence(c: Pick<TrainConfig, 'seqLen' | 'maskProb'>): number {
  return Math.max(1, Math.round(c.maskProb * (c.seqLen - 2))) + 4;
}

/** One MLM batch: inputs plus the positions, labels and weights of the masked tokens. */
export interface MlmBatch {
  inputIds: BigInt64Array;
  positions: BigInt64Array;
  labels: BigInt64Array;
  weights: Float32Array;
  tokens: number;
}

/**
 * Sample `batch` windows of `seqLen` tokens ([CLS] window [SEP]) from a stream and mask them.
 * Whole-word masking picks words (a word start and its `##` continuations) until the budget
 * `maskProb·(seqLen−2)` is reached; 80 % become [MASK], 10 % a random token, 10 % unchanged.
 */
export function sampleMlmBatch(stream: TokenStream, c: Pick<TrainConfig, 'seqLen' | 'batchSize' | 'maskProb' | 'wholeWordMask'>, special: SpecialIds, vocabSize: number, next: () => number): MlmBatch {
  const T = c.seqLen;
  const B = c.batchSize;
  const inner = T - 2;
  const K = maskedPerSequence(c);
  const budget = Math.max(1, Math.round(c.maskProb * inner));
  const inputIds = new BigInt64Array(B * T);
  const positions = new BigInt64Array(B * K);
  const labels = new BigInt64Array(B * K);
  const weights = new Float32Array(B * K);
  const n = stream.ids.length;
  if (n < inner + 1) throw new Error(`token stream too short (${n} tokens) for windows of ${inner}`);
  const firstReplaceable = 5; // ids below are special tokens ([PAD] [UNK] [CLS] [SEP] [MASK])
  for (let b = 0; b < B; b++) {
    const start = Math.floor(next() * (n - inner));
    const row = b * T;
    inputIds[row] = BigInt(special.cls);
    for (let t = 0; t < inner; t++) inputIds[row + 1 + t] = BigInt(stream.ids[start + t]!);
    inputIds[row + T - 1] = BigInt(special.sep);
    // Words: runs of tokens starting at a word start (a window may begin mid-word).
    const words: [number, number][] = [];
    for (let t = 0; t < inner; t++) {
      const id = stream.ids[start + t]!;
      if (id === special.sep) continue;
      const startsWord = !c.wholeWordMask || stream.wordStart[start + t] === 1 || words.length === 0;
      if (startsWord) words.push([t, t + 1]);
      else words[words.length - 1]![1] = t + 1;
    }
    // Fisher-Yates with the seeded generator, then take words until the budget is met.
    for (let i = words.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [words[i], words[j]] = [words[j]!, words[i]!];
    }
    let k = 0;
    for (const [s, e] of words) {
      if (k >= budget) break;
      for (let t = s; t < e && k < K; t++) {
        const pos = row + 1 + t;
        positions[b * K + k] = BigInt(pos);
        labels[b * K + k] = inputIds[pos]!;
        weights[b * K + k] = 1;
        const r = next();
        if (r < 0.8) inputIds[pos] = BigInt(special.mask);
        else if (r < 0.9) inputIds[pos] = BigInt(firstReplaceable + Math.floor(next() * (vocabSize - firstReplaceable)));
        k++;
      }
    }
    // Unused slots point at [CLS] with weight 0.
    for (; k < K; k++) positions[b * K + k] = BigInt(row);
  }
  return { inputIds, positions, labels, weights, tokens: B * T };
}

/** The MLM graph: encoder, transform head, decoder tied to the word embeddings. */
function buildMlmGraph(ad: Autodiff, enc: EncoderConfig): { loss: Value; logits: Value } {
  const D = enc.dModel;
  const ids = ad.input('input_ids', 'int64', ['batch', 'seq']);
  const positions = ad.input('mlm_positions', 'int64', ['masked']);
  const labels = ad.input('mlm_labels', 'int64', ['masked']);
  const weights = ad.input('mlm_weights', 'float32', ['masked']);
  const emb = encoderParams(ad, enc);
  const h = encode(ad, enc, emb, ids, undefined);
  const flat = ad.reshape(h, [-1, D], ['rows', D]);
  const sel = ad.gather(flat, positions);
  const n = { kind: 'normal' as const, std: enc.initStd };
  const t = ad.layerNorm(
    ad.gelu(ad.linear(sel, ad.param('mlm.dense.w', [D, D], n), ad.param('mlm.dense.b', [D], { kind: 'zeros' }, true))),
    ad.param('mlm.ln.gamma', [D], { kind: 'ones' }, true),
    ad.param('mlm.ln.beta', [D], { kind: 'zeros' }, true),
    enc.layerNormEps,
  );
  const logits = ad.add(ad.matmul(t, ad.transpose(emb.wordEmbeddings, [1, 0])), ad.param('mlm.bias', [enc.vocabSize], { kind: 'zeros' }, true));
  return { loss: ad.softmaxCrossEntropy(logits, labels, weights), logits };
}

function feeds(b: MlmBatch, c: Pick<TrainConfig, 'batchSize' | 'seqLen'>): Record<string, HostTensor> {
  return {
    input_ids: { data: b.inputIds, dims: [c.batchSize, c.seqLen] },
    mlm_positions: { data: b.positions, dims: [b.positions.length] },
    mlm_labels: { data: b.labels, dims: [b.labels.length] },
    mlm_weights: { data: b.weights, dims: [b.weights.length] },
  };
}

/** The architecture part of an exported encoder's config.json (HF-like keys). */
export function encoderFolderConfig(enc: EncoderConfig, objective: string): Record<string, unknown> {
  return {
    model_type: 'biore-encoder',
    architectures: ['BioReEncoder'],
    objective,
    vocab_size: enc.vocabSize,
    hidden_size: enc.dModel,
    num_hidden_layers: enc.layers,
    num_attention_heads: enc.heads,
    intermediate_size: enc.ffn,
    max_position_embeddings: enc.maxPositions,
    hidden_act: enc.activation,
    layer_norm_eps: enc.layerNormEps,
    inputs: ['input_ids', 'attention_mask'],
    outputs: ['last_hidden_state'],
  };
}

/** Inverse of encoderFolderConfig: the encoder architecture recorded in a config.json. */
export function encoderConfigFromFolder(m: Record<string, unknown>): EncoderConfig {
  return {
    ...DEFAULT_ENCODER,
    vocabSize: m['vocab_size'] as number,
    dModel: m['hidden_size'] as number,
    layers: m['num_hidden_layers'] as number,
    heads: m['num_attention_heads'] as number,
    ffn: m['intermediate_size'] as number,
    maxPositions: m['max_position_embeddings'] as number,
    activation: m['hidden_act'] as EncoderConfig['activation'],
    layerNormEps: (m['layer_norm_eps'] as number | undefined) ?? DEFAULT_ENCODER.layerNormEps,
  };
}

/** Build the encoder-only inference graph (weights as initializers) for export. */
export function encoderExportBytes(enc: EncoderConfig, weights: ReadonlyMap<string, Float32Array>, metadata: Record<string, string>, half = false): Uint8Array {
  const ad = new Autodiff('encoder', { training: false, weights, halfWeights: half });
  const ids = ad.input('input_ids', 'int64', ['batch', 'seq']);
  const mask = ad.input('attention_mask', 'int64', ['batch', 'seq']);
  const h = encode(ad, enc, encoderParams(ad, enc), ids, mask);
  ad.g.output(h, 'last_hidden_state');
  return ad.g.toBytes(metadata);
}

export interface MlmBackendOptions {
  config: TrainConfig;
  vocabSize: number;
  special: SpecialIds;
  train: TokenStream;
  heldOut: TokenStream;
  tokenizerDir: string;
  /** Initial weights (e.g. a previous encoder); missing names are initialized from the seed. */
  initialWeights?: ReadonlyMap<string, Float32Array>;
}

/** Create the MLM trainer backend (builds and loads the training and evaluation graphs). */
export async function createMlmBackend(o: MlmBackendOptions): Promise<TrainerBackend & { session: ModelSession }> {
  const c = o.config;
  const enc = encoderConfigOf(c, o.vocabSize);
  const ad = new Autodiff('mlm-train', { training: true, seed: c.seed });
  const { loss } = buildMlmGraph(ad, enc);
  const opt = { beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, weightDecay: c.weightDecay, clipNorm: c.clipNorm };
  appendOptimizer(ad, loss, opt);
  const session = await createSession(ad.g.toBytes(), { threads: c.threads });
  const init = initialize(ad.params, c.seed);
  for (const [k, v] of o.initialWeights ?? []) if (init.has(k) && init.get(k)!.length === v.length) init.set(k, v);
  const runner = new StepRunner(session, ad.params, init, opt);

  const ev = new Autodiff('mlm-eval', { training: false });
  const evGraph = buildMlmGraph(ev, enc);
  ev.g.output(evGraph.loss, 'loss');
  ev.g.output(ev.g.op('ArgMax', [evGraph.logits], { axis: attr.i(-1), keepdims: attr.i(0) }, ['masked'], 'int64'), 'pred');
  const evalSession = await createSession(ev.g.toBytes(), { threads: c.threads });

  const trainRng = rng(c.seed);
  return {
    session,
    async step(lr) {
      const b = sampleMlmBatch(o.train, c, o.special, o.vocabSize, trainRng);
      const r = await runner.run(feeds(b, c), lr);
      return { ...r, tokens: b.tokens };
    },
    async evaluate() {
      // Fixed windows and masks (same seed every time) so evaluations are comparable.
      const evalRng = rng(c.seed + 1);
      const weights = runner.weights();
      let lossSum = 0;
      let correct = 0;
      let total = 0;
      for (let i = 0; i < c.evalBatches; i++) {
        const b = sampleMlmBatch(o.heldOut, c, o.special, o.vocabSize, evalRng);
        const f = feeds(b, c);
        for (const p of ev.params) f[p.name] = { data: weights.get(p.name)!, dims: p.shape as number[] };
        const r = await evalSession.run(f);
        lossSum += (r['loss']!.data as Float32Array)[0]!;
        const pred = r['pred']!.data as BigInt64Array;
        for (let k = 0; k < pred.length; k++) {
          if (b.weights[k]! > 0) {
            total++;
            if (pred[k] === b.labels[k]) correct++;
          }
        }
      }
      const evalLoss = lossSum / c.evalBatches;
      return { evalLoss, evalPerplexity: Math.exp(evalLoss), evalAccuracy: (100 * correct) / Math.max(1, total) };
    },
    state: () => runner.state(),
    restore: (s) => runner.restore(s),
    async exportModel(dir, meta) {
      const weights = runner.weights();
      const bytes = encoderExportBytes(enc, weights, { producer: 'biore pretrain' });
      writeModelFolder(
        dir,
        bytes,
        {
          ...encoderFolderConfig(enc, c.objective),
          ...meta,
        },
        o.tokenizerDir,
      );
    },
  };
}
