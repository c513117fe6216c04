/**
 * Relation classifier: encoder + representation of the pair (two entity-start markers, or
 * [CLS] twice) + linear layer over the task's labels. Training backend for the trainer loop,
 * evaluation with the official scorer on the development documents, and export as a model folder
 * (`model.onnx` with inputs input_ids, attention_mask, head_index, tail_index and output logits).
 */
import { Autodiff } from '../../engine/autodiff';
import type { Value } from '../../engine/graph';
import { rng } from '../../engine/initialize';
import { encode, encoderParams, type EncoderConfig } from '../../engine/layers/transformerEncoder';
import { writeModelFolder } from '../../inference/modelFolders';
import type { Document } from '../../document/document';
import type { HostTensor, ModelSession } from '../../runtime/session';
import { candidateToRelation } from '../../tasks/candidates';
import { scoreTask } from '../../evaluation/scorers';
import type { TaskName } from '../../tasks/definitions';
import type { RelationExample } from './relationExamples';
import { TASK_TAG } from './relationExamples';
import type { TrainConfig } from '../trainConfig';
import type { TrainerBackend } from '../trainer';
import { lengthBucketedBatches } from '../batching';
import { createGraphTrainer } from '../graphTrainer';
import { taskLabels } from '../../tasks/definitions';

/** The classifier graph; `training` adds labels, weights and the loss. */
function buildGraph(ad: Autodiff, enc: EncoderConfig, classes: number): { logits: Value; loss?: Value } {
  const D = enc.dModel;
  const ids = ad.input('input_ids', 'int64', ['batch', 'seq']);
  const mask = ad.input('attention_mask', 'int64', ['batch', 'seq']);
  const head = ad.input('head_index', 'int64', ['batch']);
  const tail = ad.input('tail_index', 'int64', ['batch']);
  const h = encode(ad, enc, encoderParams(ad, enc), ids, mask);
  const flat = ad.reshape(h, [-1, D], ['rows', D]);
  // Row of token t of sequence b in the flattened states: b·seq + t, computed in the graph.
  const g = ad.g;
  const seq = g.op('Gather', [g.shapeOf(ids), g.constI64([1], [])], {}, [], 'int64');
  const batch = g.op('Gather', [g.shapeOf(ids), g.constI64([0], [])], {}, [], 'int64');
  const base = g.op('Mul', [g.op('Range', [g.constI64([0], []), batch, g.constI64([1], [])], {}, ['batch'], 'int64'), seq], {}, ['batch'], 'int64');
  const rows = (idx: Value): Value => g.op('Add', [base, idx], {}, ['batch'], 'int64');
  const pair = ad.concat([ad.gather(flat, rows(head)), ad.gather(flat, rows(tail))], 1);
  const logits = ad.linear(
    ad.dropout(pair, enc.dropout),
    ad.param('cls.w', [2 * D, classes], { kind: 'normal', std: enc.initStd }),
    ad.param('cls.b', [classes], { kind: 'zeros' }, true),
  );
  if (!ad.training) return { logits };
  const labels = ad.input('labels', 'int64', ['batch']);
  const weights = ad.input('weights', 'float32', ['batch']);
  return { logits, loss: ad.softmaxCrossEntropy(logits, labels, weights) };
}

/** Pad a batch of examples into feeds. */
export function relationFeeds(batch: readonly RelationExample[], pad: number, noneWeight = 1): Record<string, HostTensor> {
  const B = batch.length;
  const T = Math.max(...batch.map((e) => e.ids.length));
  const ids = new BigInt64Array(B * T).fill(BigInt(pad));
  const mask = new BigInt64Array(B * T);
  const head = new BigInt64Array(B);
  const tail = new BigInt64Array(B);
  const labels = new BigInt64Array(B);
  const weights = new Float32Array(B);
  batch.forEach((e, b) => {
    e.ids.forEach((id, t) => {
      ids[b * T + t] = BigInt(id);
      mask[b * T + t] = 1n;
    });
    head[b] = BigInt(e.headIndex);
    tail[b] = BigInt(e.tailIndex);
    labels[b] = BigInt(e.label);
    weights[b] = e.label === 0 ? noneWeight : 1;
  });
  return {
    input_ids: { data: ids, dims: [B, T] },
    attention_mask: { data: mask, dims: [B, T] },
    head_index: { data: head, dims: [B] },
    tail_index: { data: tail, dims: [B] },
    labels: { data: labels, dims: [B] },
    weights: { data: weights, dims: [B] },
  };
}

/** Softmax probabilities of a row. */
function softmaxRow(logits: Float32Array, offset: number, n: number): number[] {
  let max = -Infinity;
  for (let k = 0; k < n; k++) max = Math.max(max, logits[offset + k]!);
  const e = Array.from({ length: n }, (_, k) => Math.exp(logits[offset + k]! - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** Predictions of a forward session over examples: label index and probability per example. */
export async function predictRelations(session: ModelSession, examples: readonly RelationExample[], pad: number, extraFeeds: (f: Record<string, HostTensor>) => void = () => {}, batchSize = 32): Promise<{ label: number; prob: number; probs: number[] }[]> {
  const order = examples.map((_, i) => i).sort((a, b) => examples[a]!.ids.length - examples[b]!.ids.length);
  const out: { label: number; prob: number; probs: number[] }[] = new Array(examples.length);
  for (let s = 0; s < order.length; s += batchSize) {
    const idx = order.slice(s, s + batchSize);
    const f = relationFeeds(idx.map((i) => examples[i]!), pad);
    delete f['labels'];
    delete f['weights'];
    extraFeeds(f);
    const r = await session.run(f);
    const logits = r['logits']!.data as Float32Array;
    const C = r['logits']!.dims[1]!;
    idx.forEach((ex, b) => {
      const probs = softmaxRow(logits, b * C, C);
      let best = 0;
      for (let k = 1; k < C; k++) if (probs[k]! > probs[best]!) best = k;
      out[ex] = { label: best, prob: probs[best]!, probs };
    });
  }
  return out;
}

/** Score predictions with the task's official scorer: predicted relations attached to copies of the documents. */
export function scorePredictions(task: TaskName, docs: readonly Document[], examples: readonly RelationExample[], preds: readonly { label: number; prob: number }[]): ReturnType<typeof scoreTask> {
  const labels = taskLabels(task);
  const byDoc = new Map(docs.map((d) => [d.id, { ...d, relations: [] as Document['relations'] }]));
  examples.forEach((e, i) => {
    const p = preds[i]!;
    const rel = candidateToRelation(e.candidate, labels[p.label]!, { score: p.prob });
    if (rel) byDoc.get(e.candidate.documentId)!.relations.push(rel);
  });
  return scoreTask(task, docs, [...byDoc.values()]);
}

export interface RelationBackendOptions {
  config: TrainConfig;
  encoder: EncoderConfig;
  tokenizerDir: string;
  pad: number;
  train: RelationExample[];
  dev: RelationExample[];
  devDocs: Document[];
  initialWeights?: ReadonlyMap<string, Float32Array>;
}

/** Trainer backend for relation classification; evaluate() reports official dev P/R/F1. */
export async function createRelationBackend(o: RelationBackendOptions): Promise<TrainerBackend & { session: Pick<ModelSession, 'dispose'>; predict(examples: readonly RelationExample[]): Promise<{ label: number; prob: number; probs: number[] }[]> }> {
  const c = o.config;
  const labels = taskLabels(c.task);
  const trainer = await createGraphTrainer({ name: 'rel', config: c, build: (ad) => buildGraph(ad, o.encoder, labels.length), ...(o.initialWeights ? { initialWeights: o.initialWeights } : {}) });
  const { runner, evalSession, withWeights, evalWeights, evaluateAveraged } = trainer;
  const batches = lengthBucketedBatches(o.train, c.batchSize, rng(c.seed), (e) => e.ids.length);
  const predict = (examples: readonly RelationExample[]): ReturnType<typeof predictRelations> => predictRelations(evalSession, examples, o.pad, withWeights);
  return {
    session: { dispose: trainer.dispose },
    predict,
    async step(lr) {
      const batch = batches.next().value as RelationExample[];
      const f = relationFeeds(batch, o.pad, c.noneWeight);
      const r = await runner.run(f, lr);
      return { ...r, tokens: f['input_ids']!.dims[0]! * f['input_ids']!.dims[1]! };
    },
    evaluate: () =>
      evaluateAveraged(async () => {
        const preds = await predict(o.dev);
        const s = scorePredictions(c.task, o.devDocs, o.dev, preds);
        let nll = 0;
        preds.forEach((p, i) => (nll -= Math.log(Math.max(1e-12, p.probs[o.dev[i]!.label]!))));
        return { evalLoss: nll / Math.max(1, preds.length), precision: s.micro.precision, recall: s.micro.recall, f1: s.micro.f1 };
      }),
    state: () => runner.state(),
    restore: (s) => runner.restore(s),
    async exportModel(dir, meta) {
      const ex = new Autodiff('relation', { training: false, weights: evalWeights() });
      ex.g.output(buildGraph(ex, o.encoder, labels.length).logits, 'logits');
      writeModelFolder(
        dir,
        ex.g.toBytes(),
        {
          model_type: 'biore-relation',
          task: c.task,
          id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
          label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
          prompt_template: c.prompt ? `What is ${TASK_TAG[c.task]} between <e1> {head} </e1> and <e2> {tail} </e2> ?` : null,
          pooling: c.pooling,
          max_length: c.seqLen,
          inputs: ['input_ids', 'attention_mask', 'head_index', 'tail_index'],
          outputs: ['logits'],
          encoder: { ...o.encoder },
          ...meta,
        },
        o.tokenizerDir,
      );
    },
  };
}
