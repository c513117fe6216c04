/**
 * `biore wordvec lm`: pre-train the BiLSTM relation model's LSTM as a language model
 * (lstmLanguageModel.ts) on the raw training text the word vectors were trained on (every
 * training split and pubmed-text, leak guard on, no test split, de-duplicated; wordCorpus.ts),
 * read through the vectors' own vocabulary. Settings: one config with documented defaults and
 * key=value overrides, saved beside the model with the seed.
 */
import { z } from 'zod';
import { Autodiff } from '../../engine/autodiff';
import { rng } from '../../engine/initialize';
import { writeModelFolder } from '../../inference/modelFolders';
import type { HostTensor, ModelSession } from '../../runtime/session';
import { loadWordVectors, type WordVectors } from '../../wordvec/wordVectors';
import { cnnWordTable } from '../cnnRelation/cnnGraph';
import { createGraphTrainer } from '../graphTrainer';
import { resolveFamilyConfig, type TrainConfig } from '../trainConfig';
import type { TrainerBackend, TrainSummary } from '../trainer';
import { runTrainingJob, type JobControls } from '../trainingJob';
import { DOC_BREAK, WordCorpusBuilder, loadTrainingText } from '../wordvec/wordCorpus';
import { LSTM_LM_MODEL_TYPE, buildLstmLmGraph, lmBatch, lmTargets, type LstmLmArch } from './lstmLanguageModel';

/** The language model's own settings (the loop's stay in TrainConfig). */
export const LstmLmConfigSchema = z.object({
  /** Word-vector folder: its vocabulary reads the text, its (centered) vectors are the frozen input. */
  vectors: z.string().default('runs/wordvec'),
  /** Hidden units per direction: the relation model it initializes must use the same. */
  hidden: z.number().int().positive().default(200),
  /** Position-embedding width of that relation model (its LSTM input is word + 2 positions). */
  posDim: z.number().int().positive().default(10),
  /** Softmax over the N most frequent words; rarer words are predicted as unknown. */
  outputWords: z.number().int().min(8).default(10000),
  /** Subtract the vectors' mean, as the relation models do (cnnConfig `centerVectors`). */
  centerVectors: z.boolean().default(true),
  /** Read only the first N running tokens of the text (0 = all): smoke runs and tests. */
  maxTokens: z.number().int().min(0).default(0),
  /** Corpus or corpus:split names, comma-separated; empty = every training split, as the vectors. */
  corpora: z.string().default(''),
});
export type LstmLmConfig = z.infer<typeof LstmLmConfigSchema>;

/**
 * Loop defaults: 64-word sequences (the relation models' window), batch 32, Adam 1e-3 with the
 * relation models' clipping, light dropout (a language model on tens of millions of words
 * underfits before it overfits), a held-out 1 % of documents for selection by loss.
 */
export const LSTM_LM_TRAIN_DEFAULTS: Partial<TrainConfig> = {
  objective: 'lm',
  outDir: 'runs/lstm-lm',
  seqLen: 64,
  batchSize: 32,
  learningRate: 1e-3,
  warmupSteps: 200,
  maxSteps: 4000,
  decay: 'linear',
  minLrRatio: 0.1,
  dropout: 0.1,
  weightDecay: 0,
  beta2: 0.999,
  epsilon: 1e-8,
  clipNorm: 5,
  evalEvery: 500,
  evalBatches: 8,
  checkpointEvery: 500,
  logEvery: 50,
  heldOutShare: 0.01,
};

/** Parse `key=value` overrides into the loop config (LSTM_LM_TRAIN_DEFAULTS < overrides) and the language model's. */
export function resolveLstmLmConfig(pairs: readonly string[]): { train: TrainConfig; lm: LstmLmConfig } {
  const { train, model } = resolveFamilyConfig(LstmLmConfigSchema, LSTM_LM_TRAIN_DEFAULTS, pairs, 'language model', 'lm');
  return { train, lm: model };
}

/** Documents of a word stream as [start, end) ranges (DOC_BREAK-separated). */
export function documentRanges(stream: Int32Array): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = 0;
  for (let i = 0; i <= stream.length; i++) {
    if (i === stream.length || stream[i] === DOC_BREAK) {
      if (i > start) out.push([start, i]);
      start = i + 1;
    }
  }
  return out;
}

/**
 * Every k-th document (k = round(1 / share)) is held out for selection; the others are trained on.
 * Training sequences start at a uniformly drawn token of the training documents and run to the
 * sequence length or the document's end (a start too near the end moves back, so sequences hold
 * at least `minWords` words where the document has them).
 */
export function lmSampler(stream: Int32Array, share: number, T: number, seed: number, minWords = 8): { next: () => Int32Array; heldOut: (count: number) => Int32Array[]; trainDocuments: number; heldOutDocuments: number; trainTokens: number } {
  const docs = documentRanges(stream);
  const k = share > 0 ? Math.max(2, Math.round(1 / share)) : Infinity;
  const train = docs.filter((_, i) => i % k !== 0 || k === Infinity);
  const held = docs.filter((_, i) => k !== Infinity && i % k === 0);
  const cum = new Float64Array(train.length + 1);
  train.forEach(([s, e], i) => (cum[i + 1] = cum[i]! + (e - s)));
  const random = rng(seed);
  const next = (): Int32Array => {
    const r = random() * cum[train.length]!;
    let lo = 0;
    let hi = train.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (cum[mid]! <= r) lo = mid;
      else hi = mid - 1;
    }
    const [s, e] = train[lo]!;
    let start = s + Math.min(e - s - 1, Math.floor(r - cum[lo]!));
    if (e - start < minWords) start = Math.max(s, e - Math.max(minWords, T));
    return stream.subarray(start, Math.min(e, start + T));
  };
  const heldOut = (count: number): Int32Array[] => {
    const out: Int32Array[] = [];
    for (const [s, e] of held) {
      for (let p = s; p < e && out.length < count; p += T) out.push(stream.subarray(p, Math.min(e, p + T)));
      if (out.length >= count) break;
    }
    return out;
  };
  return { next, heldOut, trainDocuments: train.length, heldOutDocuments: held.length, trainTokens: cum[train.length]! };
}

/** Mean negative log-likelihood (nats) of the weighted rows of `logits` [rows, V]. */
export function meanNll(logits: Float32Array, V: number, labels: BigInt64Array, weights: Float32Array): { nll: number; rows: number } {
  let nll = 0;
  let rows = 0;
  for (let r = 0; r < weights.length; r++) {
    if (weights[r] === 0) continue;
    const o = r * V;
    let max = -Infinity;
    for (let j = 0; j < V; j++) max = Math.max(max, logits[o + j]!);
    let sum = 0;
    for (let j = 0; j < V; j++) sum += Math.exp(logits[o + j]! - max);
    nll += max + Math.log(sum) - logits[o + Number(labels[r])]!;
    rows++;
  }
  return { nll, rows };
}

/** The trainer backend: batches drawn by `lmSampler`, held-out loss and perplexity, export. */
export async function createLstmLmBackend(o: { config: TrainConfig; lm: LstmLmConfig; vectors: WordVectors; stream: Int32Array }): Promise<TrainerBackend & { session: Pick<ModelSession, 'dispose'>; arch: LstmLmArch; data: ReturnType<typeof lmSampler> }> {
  const c = o.config;
  const T = c.seqLen;
  const arch: LstmLmArch = { vocabSize: o.vectors.vocab.size, wordDim: o.vectors.dim, posDim: o.lm.posDim, hidden: o.lm.hidden, outputWords: Math.min(o.lm.outputWords, o.vectors.vocab.size), dropout: c.dropout };
  const table = cnnWordTable(o.vectors, o.lm.centerVectors);
  const data = lmSampler(o.stream, c.heldOutShare, T, c.seed);
  if (data.trainDocuments === 0) throw new Error('language model: no training text');
  const trainer = await createGraphTrainer({ name: 'lstm-lm', config: c, build: (ad) => buildLstmLmGraph(ad, arch, table, ad.training ? T : 'seq') });
  const heldOut = data.heldOut(c.evalBatches * c.batchSize);
  // One padded batch of `len` words: the graph inputs, the targets of both directions, real words.
  const encode = (seqs: readonly Int32Array[], len: number): { inputs: Record<string, HostTensor>; labels: BigInt64Array; weights: Float32Array; tokens: number } => {
    const b = lmBatch(seqs, len);
    const t = lmTargets(b.ids, b.lengths, len, arch.outputWords);
    const inputs = { word_ids: { data: b.feeds.word_ids, dims: [seqs.length, len] }, mask: { data: b.feeds.mask, dims: [seqs.length, len] } };
    return { inputs, ...t, tokens: b.lengths.reduce((a, n) => a + n, 0) };
  };
  return {
    session: { dispose: trainer.dispose },
    arch,
    data,
    async step(lr) {
      const e = encode(Array.from({ length: c.batchSize }, () => data.next()), T);
      const r = await trainer.runner.run({ ...e.inputs, lm_labels: { data: e.labels, dims: [e.labels.length] }, lm_weights: { data: e.weights, dims: [e.weights.length] } }, lr);
      return { ...r, tokens: e.tokens };
    },
    async evaluate() {
      let nll = 0;
      let rows = 0;
      for (let i = 0; i < heldOut.length; i += c.batchSize) {
        const seqs = heldOut.slice(i, i + c.batchSize);
        const e = encode(seqs, Math.max(...seqs.map((s) => s.length)));
        trainer.withWeights(e.inputs);
        const out = await trainer.evalSession.run(e.inputs);
        const m = meanNll(out['logits']!.data as Float32Array, arch.outputWords, e.labels, e.weights);
        nll += m.nll;
        rows += m.rows;
      }
      const evalLoss = nll / Math.max(1, rows);
      return { evalLoss, perplexity: Math.exp(evalLoss) };
    },
    state: () => trainer.runner.state(),
    restore: (s) => trainer.runner.restore(s),
    async exportModel(dir, meta) {
      const ex = new Autodiff('lstm-lm', { training: false, weights: trainer.evalWeights() });
      ex.g.output(buildLstmLmGraph(ex, arch, table, 'seq').logits, 'logits');
      writeModelFolder(dir, ex.g.toBytes(), {
        model_type: LSTM_LM_MODEL_TYPE,
        purpose: 'initializes the LSTM of a BiLSTM relation model: `biore wordvec finetune family=bilstm initFrom=<this folder>` (same vectors, hidden and posDim)',
        inputs: ['word_ids', 'mask'],
        outputs: ['logits'],
        architecture: arch,
        lm: o.lm,
        word_vectors: { dim: o.vectors.dim, vocabSize: o.vectors.vocab.size, vectorsSha256: o.vectors.meta['vectorsSha256'] ?? null },
        ...meta,
      });
    },
  };
}

export interface LstmLmJob extends JobControls {
  overrides: readonly string[];
  command?: string;
  onLog?: (line: string) => void;
}

/** Read the text, train, export `<outDir>/best` (lowest held-out loss); see the module comment. */
export async function runLstmLmPretrain(job: LstmLmJob): Promise<{ summary: TrainSummary; bestModel: string; text: Record<string, number> }> {
  const { train: config, lm } = resolveLstmLmConfig(job.overrides);
  const log = job.onLog ?? (() => {});
  const vectors = loadWordVectors(lm.vectors);
  const builder = new WordCorpusBuilder();
  const t0 = performance.now();
  await loadTrainingText(builder, lm.corpora ? lm.corpora.split(',').filter(Boolean) : [], (done, total, label) => log(`read ${done}/${total} ${label}`), lm.maxTokens > 0 ? lm.maxTokens : Infinity);
  const stream = builder.streamFor(vectors.vocab);
  const backend = await createLstmLmBackend({ config, lm, vectors, stream });
  const text = { documents: builder.documents, runningTokens: builder.tokens, trainDocuments: backend.data.trainDocuments, heldOutDocuments: backend.data.heldOutDocuments, trainTokens: backend.data.trainTokens, readSeconds: Math.round((performance.now() - t0) / 1000) };
  log(`text: ${text.documents} documents, ${text.runningTokens} tokens (${text.heldOutDocuments} documents held out) read in ${text.readSeconds} s; softmax over ${backend.arch.outputWords} words; ${backend.arch.hidden} per direction`);
  const meta = { seed: config.seed, command: job.command ?? `biore wordvec lm ${job.overrides.join(' ')}`.trim(), data: text };
  const summary = await runTrainingJob(backend, { config, resolved: { train: config, lm }, meta, select: { metric: 'evalLoss', mode: 'min' }, controls: job });
  return { summary, bestModel: `${config.outDir}/best`, text };
}
