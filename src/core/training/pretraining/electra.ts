/**
 * ELECTRA pre-training (replaced-token detection): a small generator (same depth, width ×
 * generatorScale) is trained with MLM on the masked input; its samples replace the masked
 * tokens; the discriminator (the encoder we keep) learns, for EVERY token, whether it was
 * replaced. Learning from all tokens instead of the 15 % masked ones is what makes ELECTRA more
 * sample-efficient at small compute. One ONNX graph holds both networks, the sampling
 * (Multinomial, no gradient through it, as in the paper) and the joint loss
 * L = L_mlm(generator) + λ·L_rtd(discriminator), λ = 50.
 */
import { Autodiff } from '../../engine/autodiff';
import type { Value } from '../../engine/graph';
import { attr } from '../../engine/graph';
import { initialize, rng } from '../../engine/initialize';
import { appendOptimizer } from '../../engine/optimizer';
import { StepRunner } from '../../engine/stepRunner';
import { encode, encoderParams, type EncoderConfig } from '../../engine/layers/transformerEncoder';
import { writeModelFolder } from '../../inference/modelFolders';
import { createSession, type HostTensor, type ModelSession } from '../../runtime/session';
import { encoderConfigOf, encoderExportBytes, encoderFolderConfig, sampleMlmBatch, type MlmBackendOptions, type MlmBatch } from './mlm';
import type { TrainConfig } from '../trainConfig';
import type { TrainerBackend } from '../trainer';

/** Weight of the discriminator loss (the ELECTRA paper's λ). */
export const RTD_WEIGHT = 50;

/** Generator architecture: same depth, narrower (at least one 64-wide head). */
export function generatorConfigOf(c: TrainConfig, vocabSize: number): EncoderConfig {
  const disc = encoderConfigOf(c, vocabSize);
  const heads = Math.max(1, Math.round(disc.heads * c.generatorScale));
  const dModel = Math.max(heads * 16, Math.round((disc.dModel * c.generatorScale) / heads) * heads);
  return { ...disc, dModel, heads, ffn: Math.round(disc.ffn * c.generatorScale), namePrefix: 'gen.' };
}

interface ElectraGraph {
  loss: Value;
  mlmLoss: Value;
  rtdLoss: Value;
  /** 1 where the discriminator says "replaced". */
  rtdPred: Value;
  /** 1 where the token was actually replaced. */
  replaced: Value;
}

function buildElectraGraph(ad: Autodiff, disc: EncoderConfig, gen: EncoderConfig, seed: number): ElectraGraph {
  const g = ad.g;
  const masked = ad.input('input_ids', 'int64', ['batch', 'seq']);
  const original = ad.input('original_ids', 'int64', ['batch', 'seq']);
  const positions = ad.input('mlm_positions', 'int64', ['masked']);
  const labels = ad.input('mlm_labels', 'int64', ['masked']);
  const weights = ad.input('mlm_weights', 'float32', ['masked']);
  const n = { kind: 'normal' as const, std: disc.initStd };

  // 1. Generator MLM on the masked input.
  const genEmb = encoderParams(ad, gen);
  const gh = encode(ad, gen, genEmb, masked, undefined);
  const gsel = ad.gather(ad.reshape(gh, [-1, gen.dModel], ['rows', gen.dModel]), positions);
  const gt = ad.layerNorm(
    ad.gelu(ad.linear(gsel, ad.param('gen.mlm.dense.w', [gen.dModel, gen.dModel], n), ad.param('gen.mlm.dense.b', [gen.dModel], { kind: 'zeros' }, true))),
    ad.param('gen.mlm.ln.gamma', [gen.dModel], { kind: 'ones' }, true),
    ad.param('gen.mlm.ln.beta', [gen.dModel], { kind: 'zeros' }, true),
    gen.layerNormEps,
  );
  const glogits = ad.add(ad.matmul(gt, ad.transpose(genEmb.wordEmbeddings, [1, 0])), ad.param('gen.mlm.bias', [gen.vocabSize], { kind: 'zeros' }, true));
  const mlmLoss = ad.softmaxCrossEntropy(glogits, labels, weights);

  // 2. Sample replacements (no gradient: built on the graph directly, not the tape).
  const sampled = g.op('Squeeze', [g.op('Multinomial', [glogits], { sample_size: attr.i(1), dtype: attr.i(7), seed: attr.f(seed + 0.5) }, ['masked', 1], 'int64'), g.constI64([1])], {}, ['masked'], 'int64');
  const flatOrig = g.op('Reshape', [original, g.constI64([-1])], {}, ['rows'], 'int64');
  const atPos = g.op('Gather', [flatOrig, positions], { axis: attr.i(0) }, ['masked'], 'int64');
  // Unused mask slots (weight 0) point at [CLS]: write the original back there.
  const use = g.op('Greater', [weights, g.constF(0)], {}, ['masked'], 'bool');
  const updates = g.op('Where', [use, sampled, atPos], {}, ['masked'], 'int64');
  const corruptedFlat = g.op('ScatterElements', [flatOrig, positions, updates], { axis: attr.i(0) }, ['rows'], 'int64');
  const corrupted = g.op('Reshape', [corruptedFlat, g.shapeOf(original)], {}, ['batch', 'seq'], 'int64');
  const replaced = g.op('Cast', [g.op('Not', [g.op('Equal', [corrupted, original], {}, ['batch', 'seq'], 'bool')], {}, ['batch', 'seq'], 'bool')], { to: attr.i(1) }, ['batch', 'seq']);

  // 3. Discriminator: is each token replaced?
  const dh = encode(ad, disc, encoderParams(ad, disc), corrupted, undefined);
  const D = disc.dModel;
  const hidden = ad.gelu(ad.linear(dh, ad.param('rtd.dense.w', [D, D], n), ad.param('rtd.dense.b', [D], { kind: 'zeros' }, true)));
  const logit = ad.reshape(ad.linear(hidden, ad.param('rtd.out.w', [D, 1], n), ad.param('rtd.out.b', [1], { kind: 'zeros' }, true)), [0, 0], ['batch', 'seq']);
  const ones = g.op('ConstantOfShape', [g.shapeOf(original)], { value: attr.tensor({ dataType: 1, dims: [1], raw: new Uint8Array(Float32Array.of(1).buffer) }) }, ['batch', 'seq']);
  const rtdLoss = ad.binaryCrossEntropy(logit, replaced, ones);
  const loss = ad.add(mlmLoss, ad.scale(rtdLoss, RTD_WEIGHT));
  const rtdPred = g.op('Cast', [g.op('Greater', [logit, g.constF(0)], {}, ['batch', 'seq'], 'bool')], { to: attr.i(1) }, ['batch', 'seq']);
  return { loss, mlmLoss, rtdLoss, rtdPred, replaced };
}

function feeds(b: MlmBatch, original: BigInt64Array, c: Pick<TrainConfig, 'batchSize' | 'seqLen'>): Record<string, HostTensor> {
  return {
    input_ids: { data: b.inputIds, dims: [c.batchSize, c.seqLen] },
    original_ids: { data: original, dims: [c.batchSize, c.seqLen] },
    mlm_positions: { data: b.positions, dims: [b.positions.length] },
    mlm_labels: { data: b.labels, dims: [b.labels.length] },
    mlm_weights: { data: b.weights, dims: [b.weights.length] },
  };
}

/** The unmasked ids of a batch: masked positions get their labels back. */
function originalIds(b: MlmBatch): BigInt64Array {
  const out = BigInt64Array.from(b.inputIds);
  for (let k = 0; k < b.positions.length; k++) if (b.weights[k]! > 0) out[Number(b.positions[k])] = b.labels[k]!;
  return out;
}

/** ELECTRA trainer backend; exports the discriminator as the encoder. */
export async function createElectraBackend(o: MlmBackendOptions): Promise<TrainerBackend & { session: ModelSession }> {
  const c = o.config;
  const disc = encoderConfigOf(c, o.vocabSize);
  const gen = generatorConfigOf(c, o.vocabSize);
  const ad = new Autodiff('electra-train', { training: true, seed: c.seed });
  const graph = buildElectraGraph(ad, disc, gen, c.seed);
  const opt = { beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, weightDecay: c.weightDecay, clipNorm: c.clipNorm };
  appendOptimizer(ad, graph.loss, opt);
  const session = await createSession(ad.g.toBytes(), { threads: c.threads });
  const init = initialize(ad.params, c.seed);
  for (const [k, v] of o.initialWeights ?? []) if (init.has(k) && init.get(k)!.length === v.length) init.set(k, v);
  const runner = new StepRunner(session, ad.params, init, opt);

  const ev = new Autodiff('electra-eval', { training: false });
  const eg = buildElectraGraph(ev, disc, gen, c.seed + 1);
  ev.g.output(eg.mlmLoss, 'mlm_loss');
  ev.g.output(eg.rtdLoss, 'rtd_loss');
  ev.g.output(eg.rtdPred, 'rtd_pred');
  ev.g.output(eg.replaced, 'replaced');
  const evalSession = await createSession(ev.g.toBytes(), { threads: c.threads });
  const trainRng = rng(c.seed);
  return {
    session,
    async step(lr) {
      const b = sampleMlmBatch(o.train, c, o.special, o.vocabSize, trainRng);
      const r = await runner.run(feeds(b, originalIds(b), c), lr);
      return { ...r, tokens: b.tokens };
    },
    async evaluate() {
      const evalRng = rng(c.seed + 1);
      const weights = runner.weights();
      let mlm = 0;
      let rtd = 0;
      let tp = 0;
      let fp = 0;
      let fn = 0;
      let correct = 0;
      let total = 0;
      for (let i = 0; i < c.evalBatches; i++) {
        const b = sampleMlmBatch(o.heldOut, c, o.special, o.vocabSize, evalRng);
        const f = feeds(b, originalIds(b), c);
        for (const p of ev.params) f[p.name] = { data: weights.get(p.name)!, dims: p.shape as number[] };
        const r = await evalSession.run(f);
        mlm += (r['mlm_loss']!.data as Float32Array)[0]!;
        rtd += (r['rtd_loss']!.data as Float32Array)[0]!;
        const pred = r['rtd_pred']!.data as Float32Array;
        const gold = r['replaced']!.data as Float32Array;
        for (let k = 0; k < pred.length; k++) {
          total++;
          if (pred[k] === gold[k]) correct++;
          if (pred[k] === 1 && gold[k] === 1) tp++;
          else if (pred[k] === 1) fp++;
          else if (gold[k] === 1) fn++;
        }
      }
      const n = c.evalBatches;
      const f1 = tp === 0 ? 0 : (200 * tp) / (2 * tp + fp + fn);
      return { evalLoss: mlm / n + (RTD_WEIGHT * rtd) / n, evalMlmLoss: mlm / n, evalRtdLoss: rtd / n, evalRtdAccuracy: (100 * correct) / Math.max(1, total), evalRtdF1: f1 };
    },
    state: () => runner.state(),
    restore: (s) => runner.restore(s),
    async exportModel(dir, meta) {
      const bytes = encoderExportBytes(disc, runner.weights(), { producer: 'biore pretrain (electra)' });
      writeModelFolder(
        dir,
        bytes,
        {
          ...encoderFolderConfig(disc, 'electra'),
          generator: { hidden_size: gen.dModel, num_attention_heads: gen.heads, intermediate_size: gen.ffn },
          ...meta,
        },
        o.tokenizerDir,
      );
    },
  };
}
