/**
 * `biore bench train-seq`: seconds per training step of a BiLSTM relation classifier (word and
 * two position embeddings, max-pool over time) or a BiLSTM-CRF tagger, on one fixed random
 * batch (so the loss must fall: it trains for real), with Adam. `--compare-torch` runs
 * scripts/bench_seq_torch.py (PyTorch's fused nn.LSTM, same shapes, same optimizer) in the same
 * run and adds its median and the ratio. `--infer` adds the inference time per abstract of the
 * exported graph (ONNX LSTM op, TypeScript Viterbi for the tagger) on one thread.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Command } from 'commander';
import { Autodiff } from '../../core/engine/autodiff';
import type { Dim, Value } from '../../core/engine/graph';
import { initialize, rng } from '../../core/engine/initialize';
import { CRF_OUTPUTS, crfNll, crfParams, crfScoreOutputs } from '../../core/engine/layers/crf';
import { biLstm, biLstmParams, type LstmImpl } from '../../core/engine/layers/lstm';
import { maskedMaxPool } from '../../core/engine/layers/pooling';
import { appendOptimizer } from '../../core/engine/optimizer';
import { StepRunner } from '../../core/engine/stepRunner';
import { bioConstraints, viterbiBatch } from '../../core/inference/sequence/viterbi';
import { createSession, type HostTensor } from '../../core/runtime/session';
import { UserError } from '../userError';

interface BenchTrainSeqOptions {
  model: string;
  vocab: string;
  emb: string;
  pos: string;
  hidden: string;
  seq: string;
  batch: string;
  classes: string;
  tags: string;
  steps: string;
  threads: string;
  lr: string;
  compareTorch?: boolean;
  python: string;
  infer?: boolean;
  lstm: string;
  spin?: boolean;
  alternatives?: boolean;
  inferVocab: string;
  abstractSentences: string;
  abstractTokens: string;
  abstractPairs: string;
  json?: boolean;
}

interface SeqShapes {
  model: 'classifier' | 'tagger';
  vocab: number;
  emb: number;
  pos: number;
  hidden: number;
  classes: number;
  tags: number;
}

/** The benchmark model's graph: a training graph with its loss, or an inference graph. */
function buildSeqModel(ad: Autodiff, s: SeqShapes, dims: [Dim, Dim], impl?: LstmImpl): { out: Value; loss?: Value } {
  const ids = ad.input('ids', 'int64', dims);
  const lens = ad.input('lens', 'int64', [dims[0]]);
  const mask = ad.input('mask', 'float32', dims);
  let x = ad.gather(ad.param('emb.word', [s.vocab, s.emb], { kind: 'normal', std: 1 }), ids);
  let D = s.emb;
  const T = dims[1];
  if (s.model === 'classifier') {
    const rows = typeof T === 'number' ? 2 * T + 1 : 257;
    const p1 = ad.gather(ad.param('emb.pos1', [rows, s.pos], { kind: 'normal', std: 1 }), ad.input('pos1', 'int64', dims));
    const p2 = ad.gather(ad.param('emb.pos2', [rows, s.pos], { kind: 'normal', std: 1 }), ad.input('pos2', 'int64', dims));
    x = ad.concat([x, p1, p2], -1);
    D += 2 * s.pos;
  }
  const h = biLstm(ad, x, lens, mask, biLstmParams(ad, 'lstm', D, s.hidden), impl);
  const K = s.model === 'classifier' ? s.classes : s.tags;
  const limit = Math.sqrt(6 / (2 * s.hidden + K));
  const w = ad.param('out.w', [2 * s.hidden, K], { kind: 'uniform', limit });
  const b = ad.param('out.b', [K], { kind: 'zeros' }, true);
  if (s.model === 'classifier') {
    const logits = ad.linear(maskedMaxPool(ad, h, mask), w, b);
    if (!ad.training) return { out: logits };
    return { out: logits, loss: ad.softmaxCrossEntropy(logits, ad.input('labels', 'int64', [dims[0]]), ad.input('weights', 'float32', [dims[0]])) };
  }
  const emissions = ad.linear(h, w, b);
  const crf = crfParams(ad, 'crf', s.tags);
  if (!ad.training) {
    crfScoreOutputs(ad, crf);
    return { out: emissions };
  }
  return { out: emissions, loss: crfNll(ad, emissions, ad.input('tags', 'int64', dims), mask, crf) };
}

/** A random padded batch (lengths in [T/2, T]) with the model's targets. */
function randomBatch(s: SeqShapes, B: number, T: number, seed: number): { feeds: Record<string, HostTensor>; lengths: number[] } {
  const next = rng(seed);
  const int = (n: number): number => Math.floor(next() * n);
  const lengths = Array.from({ length: B }, () => Math.floor(T / 2) + int(T - Math.floor(T / 2) + 1));
  const mask = new Float32Array(B * T);
  lengths.forEach((L, b) => mask.fill(1, b * T, b * T + L));
  const ids = BigInt64Array.from({ length: B * T }, (_, i) => (mask[i] ? BigInt(1 + int(s.vocab - 1)) : 0n));
  const feeds: Record<string, HostTensor> = { ids: { data: ids, dims: [B, T] }, lens: { data: BigInt64Array.from(lengths.map(BigInt)), dims: [B] }, mask: { data: mask, dims: [B, T] } };
  if (s.model === 'classifier') {
    for (const k of ['pos1', 'pos2']) feeds[k] = { data: BigInt64Array.from({ length: B * T }, () => BigInt(int(2 * T + 1))), dims: [B, T] };
    feeds['labels'] = { data: BigInt64Array.from({ length: B }, () => BigInt(int(s.classes))), dims: [B] };
    feeds['weights'] = { data: new Float32Array(B).fill(1), dims: [B] };
  } else {
    feeds['tags'] = { data: BigInt64Array.from({ length: B * T }, () => BigInt(int(s.tags))), dims: [B, T] };
  }
  return { feeds, lengths };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

export interface BenchTrainSeqResult {
  model: string;
  config: Record<string, unknown>;
  parameters: number;
  graphNodes: number;
  sessionSeconds: number;
  firstStepSeconds: number;
  medianStepSeconds: number;
  /** Fastest timed step: on a shared machine, the least disturbed figure. */
  minStepSeconds: number;
  firstLoss: number;
  lastLoss: number;
  losses: number[];
  torch?: { medianStepSeconds: number; minStepSeconds: number; paddedMedianStepSeconds: number; ratio: number; ratioOfMins: number; firstLoss: number; lastLoss: number; version: string } | { error: string };
  alternatives?: { genericAutodiffStepSeconds: number; genericAutodiffMinStepSeconds: number; onnxForwardMinStepSeconds: number; genericOverFused: number; onnxForwardStepSeconds: number; onnxForwardOverFused: number; graphNodesGeneric: number; unrolledForwardSeconds: number; onnxLstmForwardSeconds: number };
  inference?: { threads: 1; msPerAbstract: number; abstract: string; vocab: number; graphNodes: number };
}

/** Build the training graph with `impl`, run one warm-up step plus `steps` on `feeds`, time them. */
async function timeTraining(s: SeqShapes, B: number, T: number, threads: number, lr: number, steps: number, feeds: Record<string, HostTensor>, impl: LstmImpl, spinning = false) {
  const ad = new Autodiff('bench-seq', { training: true, seed: 1 });
  const { loss } = buildSeqModel(ad, s, [B, T], impl);
  const opt = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, clipNorm: 0 };
  appendOptimizer(ad, loss!, opt);
  let t0 = performance.now();
  const session = await createSession(ad.g.toBytes(), { threads, spinning });
  const sessionSeconds = (performance.now() - t0) / 1000;
  const runner = new StepRunner(session, ad.params, initialize(ad.params, 1), opt);
  t0 = performance.now();
  const first = await runner.run(feeds, lr);
  const firstStepSeconds = (performance.now() - t0) / 1000;
  const times: number[] = [];
  const losses = [first.loss];
  for (let i = 0; i < steps; i++) {
    t0 = performance.now();
    const r = await runner.run(feeds, lr);
    times.push((performance.now() - t0) / 1000);
    losses.push(r.loss);
  }
  await session.dispose();
  return { ad, times, losses, sessionSeconds, firstStepSeconds, weights: new Map(runner.weights()) };
}

/**
 * The measured alternatives: a training step with the recurrence unrolled through the generic
 * autodiff ops (per-op backward rules instead of the fused BPTT), and the forward pass alone
 * (training shapes, no backward) unrolled vs onnxruntime's fused LSTM op: the most an
 * "ONNX LSTM forward + hand-derived backward" design could save on the forward half.
 */
async function benchAlternatives(s: SeqShapes, B: number, T: number, threads: number, lr: number, steps: number, feeds: Record<string, HostTensor>, ours: number, spinning: boolean): Promise<NonNullable<BenchTrainSeqResult['alternatives']>> {
  const generic = await timeTraining(s, B, T, threads, lr, steps, feeds, 'autodiff', spinning);
  const genericStep = median(generic.times);
  const hybrid = await timeTraining(s, B, T, threads, lr, steps, feeds, 'onnx-forward', spinning);
  const hybridStep = median(hybrid.times);
  const forward = async (impl: LstmImpl): Promise<number> => {
    const ad = new Autodiff('fwd', { training: false, weights: generic.weights });
    const { out } = buildSeqModel(ad, s, [B, T], impl);
    ad.g.output(out, 'out');
    const session = await createSession(ad.g.toBytes(), { threads, spinning });
    const f = { ...feeds };
    for (const k of ['labels', 'weights', 'tags']) delete f[k];
    await session.run(f);
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      await session.run(f);
      times.push((performance.now() - t0) / 1000);
    }
    await session.dispose();
    return median(times);
  };
  const unrolledForward = await forward('unrolled');
  const onnxForward = await forward('onnx');
  return {
    genericAutodiffStepSeconds: +genericStep.toFixed(4),
    genericAutodiffMinStepSeconds: +Math.min(...generic.times).toFixed(4),
    onnxForwardMinStepSeconds: +Math.min(...hybrid.times).toFixed(4),
    genericOverFused: +(genericStep / ours).toFixed(3),
    onnxForwardStepSeconds: +hybridStep.toFixed(4),
    onnxForwardOverFused: +(hybridStep / ours).toFixed(3),
    graphNodesGeneric: generic.ad.g.nodes.length,
    unrolledForwardSeconds: +unrolledForward.toFixed(4),
    onnxLstmForwardSeconds: +onnxForward.toFixed(4),
  };
}

/** Build, train for one warm-up step plus `steps`, and time. */
export async function benchTrainSeq(o: BenchTrainSeqOptions): Promise<BenchTrainSeqResult> {
  if (o.model !== 'classifier' && o.model !== 'tagger') throw new UserError(`--model must be classifier or tagger, not ${o.model}`);
  const s: SeqShapes = { model: o.model, vocab: Number(o.vocab), emb: Number(o.emb), pos: Number(o.pos), hidden: Number(o.hidden), classes: Number(o.classes), tags: Number(o.tags) };
  const B = Number(o.batch);
  const T = Number(o.seq);
  const threads = Number(o.threads);
  const lr = Number(o.lr);
  const { feeds } = randomBatch(s, B, T, 7);
  const impl = o.lstm as LstmImpl;
  if (!['unrolled', 'onnx-forward', 'autodiff'].includes(impl)) throw new UserError('--lstm must be unrolled, onnx-forward or autodiff');
  const spinning = o.spin === true;
  const run = await timeTraining(s, B, T, threads, lr, Number(o.steps), feeds, impl, spinning);
  const { ad, times, losses } = run;
  const ours = median(times);
  const result: BenchTrainSeqResult = {
    model: s.model,
    config: { ...s, seq: T, batch: B, threads, steps: Number(o.steps), optimizer: 'adam', lr, lstm: impl, spinning },
    parameters: ad.params.reduce((n, p) => n + (p.shape as number[]).reduce((a, b) => a * b, 1), 0),
    graphNodes: ad.g.nodes.length,
    sessionSeconds: +run.sessionSeconds.toFixed(3),
    firstStepSeconds: +run.firstStepSeconds.toFixed(3),
    medianStepSeconds: +ours.toFixed(4),
    minStepSeconds: +Math.min(...run.times).toFixed(4),
    firstLoss: +losses[0]!.toFixed(4),
    lastLoss: +losses[losses.length - 1]!.toFixed(4),
    losses: losses.map((l) => +l.toFixed(4)),
  };
  if (o.alternatives) result.alternatives = await benchAlternatives(s, B, T, threads, lr, Number(o.steps), feeds, ours, spinning);
  if (o.infer) result.inference = await benchInference(s, run.weights, o);
  if (o.compareTorch) result.torch = runTorch(o, ours, result.minStepSeconds);
  return result;
}

/**
 * Inference per abstract on one thread with the exported graph (ONNX LSTM op): a tagger reads
 * `abstractSentences` sentences of `abstractTokens` tokens and decodes them with BIO-constrained
 * Viterbi; a classifier scores `abstractPairs` candidate pairs of `abstractTokens` tokens.
 */
async function benchInference(s: SeqShapes, trained: ReadonlyMap<string, Float32Array>, o: BenchTrainSeqOptions): Promise<NonNullable<BenchTrainSeqResult['inference']>> {
  const vocab = Number(o.inferVocab);
  const shapes: SeqShapes = { ...s, vocab };
  const weights = new Map(trained);
  // The shipped vocabulary size, with random rows (speed does not depend on the values).
  const probe = new Autodiff('probe', { training: false });
  buildSeqModel(probe, shapes, ['batch', 'seq']);
  const fresh = initialize(probe.params, 3);
  for (const p of probe.params) if (!weights.has(p.name) || weights.get(p.name)!.length !== fresh.get(p.name)!.length) weights.set(p.name, fresh.get(p.name)!);
  const ad = new Autodiff('infer', { training: false, weights });
  const { out } = buildSeqModel(ad, shapes, ['batch', 'seq']);
  ad.g.output(out, 'out');
  const session = await createSession(ad.g.toBytes(), { threads: 1 });
  const T = Number(o.abstractTokens);
  const B = s.model === 'tagger' ? Number(o.abstractSentences) : Number(o.abstractPairs);
  const { feeds, lengths } = randomBatch(shapes, B, T, 11);
  delete feeds['labels'];
  delete feeds['weights'];
  delete feeds['tags'];
  const labels = ['O', ...Array.from({ length: Math.floor((s.tags - 1) / 2) }, (_, k) => [`B-T${k}`, `I-T${k}`]).flat()];
  const constraints = labels.length === s.tags ? bioConstraints(labels) : undefined;
  const once = async (): Promise<void> => {
    const r = await session.run(feeds);
    if (s.model !== 'tagger') return;
    const score = (k: string): Float32Array => r[k]!.data as Float32Array;
    const crf = { tags: s.tags, transitions: score(CRF_OUTPUTS.transitions), start: score(CRF_OUTPUTS.start), end: score(CRF_OUTPUTS.end) };
    viterbiBatch(r['out']!.data as Float32Array, lengths, T, crf, constraints);
  };
  await once();
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    await once();
    times.push(performance.now() - t0);
  }
  await session.dispose();
  const abstract = s.model === 'tagger' ? `${B} sentences × ${T} tokens, BIO Viterbi in TS` : `${B} candidate pairs × ${T} tokens`;
  return { threads: 1, msPerAbstract: +median(times).toFixed(2), abstract, vocab, graphNodes: ad.g.nodes.length };
}

/** Run scripts/bench_seq_torch.py with the same shapes; the packed-sequence figure is the reference. */
function runTorch(o: BenchTrainSeqOptions, ours: number, oursMin: number): NonNullable<BenchTrainSeqResult['torch']> {
  const script = path.resolve(__dirname, '..', 'scripts', 'bench_seq_torch.py');
  const fallback = path.resolve('scripts', 'bench_seq_torch.py');
  const file = fs.existsSync(script) ? script : fallback;
  if (!fs.existsSync(file)) return { error: `${file} not found` };
  const args = [file, '--model', o.model, '--lr', o.lr, ...['vocab', 'emb', 'pos', 'hidden', 'seq', 'batch', 'classes', 'tags', 'steps', 'threads'].flatMap((k) => [`--${k}`, String(o[k as keyof BenchTrainSeqOptions])])];
  // A python3 earlier on PATH (pyenv, venv) may lack the Debian package's torch: try the system one too.
  const pythons = [...new Set([o.python, '/usr/bin/python3'])];
  const errors: string[] = [];
  for (const python of pythons) {
    try {
      const out = execFileSync(python, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const r = JSON.parse(out.trim().split('\n').pop()!) as { torch: string; packed: { medianStepSeconds: number; minStepSeconds: number; firstLoss: number; lastLoss: number }; padded: { medianStepSeconds: number } };
      return {
        medianStepSeconds: r.packed.medianStepSeconds,
        minStepSeconds: r.packed.minStepSeconds,
        paddedMedianStepSeconds: r.padded.medianStepSeconds,
        ratio: +(ours / r.packed.medianStepSeconds).toFixed(3),
        ratioOfMins: +(oursMin / r.packed.minStepSeconds).toFixed(3),
        firstLoss: r.packed.firstLoss,
        lastLoss: r.packed.lastLoss,
        version: r.torch,
      };
    } catch (e) {
      errors.push(`${python}: ${(e as Error).message.split('\n').filter((l) => l.trim()).pop() ?? 'failed'}`);
    }
  }
  return { error: errors.join('; ') };
}

export function registerBenchTrainSeq(bench: Command): void {
  bench
    .command('train-seq')
    .description('training step time of a BiLSTM classifier or BiLSTM-CRF tagger on a fixed random batch (optionally vs PyTorch)')
    .option('--model <m>', 'classifier (max-pool, softmax) or tagger (CRF loss)', 'classifier')
    .option('--vocab <n>', 'vocabulary size', '30000')
    .option('--emb <n>', 'word embedding size', '200')
    .option('--pos <n>', 'each of the two position embeddings (classifier)', '10')
    .option('--hidden <n>', 'LSTM units per direction', '200')
    .option('--seq <n>', 'padded sequence length', '64')
    .option('--batch <n>', 'batch size', '32')
    .option('--classes <n>', 'classes (classifier)', '5')
    .option('--tags <n>', 'tags (tagger)', '7')
    .option('--steps <n>', 'timed steps after one warm-up step', '12')
    .option('--threads <n>', 'onnxruntime intra-op threads (and torch threads)', '2')
    .option('--lr <x>', 'Adam learning rate', '0.001')
    .option('--compare-torch', 'also run scripts/bench_seq_torch.py (needs python3-torch) and print the ratio')
    .option('--python <path>', 'python with torch for --compare-torch', 'python3')
    .option('--lstm <impl>', 'training recurrence: unrolled (fused BPTT), onnx-forward (ONNX LSTM forward + fused BPTT), autodiff (generic unroll)', 'unrolled')
    .option('--spin', "let onnxruntime's idle threads spin-wait (its default; the bench yields instead, as the torch reference does)")
    .option('--alternatives', 'also time the other two --lstm choices, and the forward pass alone unrolled vs the ONNX LSTM op')
    .option('--infer', 'add inference ms per abstract (exported graph, one thread)')
    .option('--infer-vocab <n>', 'vocabulary size of the inference model (shipped: tagger 50482, relation 20000)', '30000')
    .option('--abstract-sentences <n>', 'tagger: sentences per abstract', '10')
    .option('--abstract-tokens <n>', 'tokens per sentence or candidate', '30')
    .option('--abstract-pairs <n>', 'classifier: candidate pairs per abstract', '20')
    .option('--json', 'print JSON')
    .action(async (o: BenchTrainSeqOptions) => {
      const r = await benchTrainSeq(o);
      process.stdout.write(o.json ? JSON.stringify(r) + '\n' : JSON.stringify(r, null, 1) + '\n');
    });
}
