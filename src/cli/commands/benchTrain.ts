/**
 * `biore bench train`: seconds per training step of a transformer encoder classifier on random
 * tokens (the ort-training recipe's benchmark), printed as JSON. Optionally runs the recipe's
 * untyped sketch side by side (`--compare-sketch DIR`) so the ratio is measured in one run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Command } from 'commander';
import { Autodiff } from '../../core/engine/autodiff';
import type { Dim } from '../../core/engine/graph';
import { initialize } from '../../core/engine/initialize';
import { appendOptimizer } from '../../core/engine/optimizer';
import { StepRunner } from '../../core/engine/stepRunner';
import { DEFAULT_ENCODER, encode, encoderParams, type EncoderConfig } from '../../core/engine/layers/transformerEncoder';
import { createSession } from '../../core/runtime/session';

interface BenchTrainOptions {
  layers: string;
  dModel: string;
  heads: string;
  ffn: string;
  vocab: string;
  seq: string;
  batch: string;
  steps: string;
  threads: string;
  classes: string;
  dropout: string;
  adamw?: boolean;
  clip: string;
  activation: string;
  symbolic?: boolean;
  compareSketch?: string;
  json?: boolean;
}

export interface BenchTrainResult {
  config: Record<string, unknown>;
  parameters: number;
  graphNodes: number;
  sessionSeconds: number;
  firstStepSeconds: number;
  medianStepSeconds: number;
  meanStepSeconds: number;
  tokensPerSecond: number;
  losses: number[];
  sketch?: { medianStepSeconds: number; ratio: number } | { error: string };
}

/** Build and time the benchmark classifier. */
export async function benchTrain(o: BenchTrainOptions): Promise<BenchTrainResult> {
  const B = Number(o.batch);
  const T = Number(o.seq);
  const C = Number(o.classes);
  const cfg: EncoderConfig = {
    ...DEFAULT_ENCODER,
    vocabSize: Number(o.vocab),
    dModel: Number(o.dModel),
    layers: Number(o.layers),
    heads: Number(o.heads),
    ffn: Number(o.ffn),
    maxPositions: T,
    dropout: Number(o.dropout),
    layerNormEps: 1e-5,
    activation: o.activation === 'gelu' ? 'gelu' : 'gelu-sigmoid',
  };
  const ad = new Autodiff('bench', { training: true, seed: 1 });
  const dims: [Dim, Dim] = o.symbolic ? ['batch', 'seq'] : [B, T];
  const ids = ad.input('input_ids', 'int64', dims);
  const labels = ad.input('labels', 'int64', [dims[0]]);
  const weights = ad.input('weights', 'float32', [dims[0]]);
  const hidden = encode(ad, cfg, encoderParams(ad, cfg), ids, undefined);
  const pooled = o.symbolic ? ad.reduceSum(hidden, [1], false) : ad.reduceMean(hidden, [1], false);
  const wc = ad.param('cls.w', [cfg.dModel, C], { kind: 'normal', std: 0.02 });
  const bc = ad.param('cls.b', [C], { kind: 'zeros' }, true);
  const loss = ad.softmaxCrossEntropy(ad.linear(pooled, wc, bc), labels, weights);
  const adamw = o.adamw === true;
  const opt = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: adamw ? 0.01 : 0, clipNorm: adamw ? Number(o.clip) : 0 };
  appendOptimizer(ad, loss, opt);
  const bytes = ad.g.toBytes();
  let t0 = performance.now();
  const session = await createSession(bytes, { threads: Number(o.threads) });
  const sessionSeconds = (performance.now() - t0) / 1000;
  const runner = new StepRunner(session, ad.params, initialize(ad.params, 1), opt);
  const batch = {
    input_ids: { data: BigInt64Array.from({ length: B * T }, (_, i) => BigInt((i * 7919 + 13) % cfg.vocabSize)), dims: [B, T] },
    labels: { data: BigInt64Array.from({ length: B }, (_, i) => BigInt(i % C)), dims: [B] },
    weights: { data: new Float32Array(B).fill(1), dims: [B] },
  };
  t0 = performance.now();
  const first = await runner.run(batch, 1e-4);
  const firstStepSeconds = (performance.now() - t0) / 1000;
  const times: number[] = [];
  const losses = [first.loss];
  for (let s = 0; s < Number(o.steps); s++) {
    t0 = performance.now();
    const r = await runner.run(batch, 1e-4);
    times.push((performance.now() - t0) / 1000);
    losses.push(r.loss);
  }
  await session.dispose();
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
  const mean = times.reduce((s, x) => s + x, 0) / Math.max(1, times.length);
  const result: BenchTrainResult = {
    config: { ...cfg, batch: B, seq: T, classes: C, threads: Number(o.threads), optimizer: adamw ? 'adamw' : 'adam', clipNorm: opt.clipNorm, symbolicShapes: !!o.symbolic },
    parameters: ad.params.reduce((n, p) => n + (p.shape as number[]).reduce((a, b) => a * b, 1), 0),
    graphNodes: ad.g.nodes.length,
    sessionSeconds: +sessionSeconds.toFixed(3),
    firstStepSeconds: +firstStepSeconds.toFixed(3),
    medianStepSeconds: +median.toFixed(4),
    meanStepSeconds: +mean.toFixed(4),
    tokensPerSecond: Math.round((B * T) / median),
    losses: losses.map((l) => +l.toFixed(4)),
  };
  if (o.compareSketch) result.sketch = runSketch(o.compareSketch, o, median);
  return result;
}

/** Run the recipe's ort_train.js (needs onnx-proto installed) and read its median step. */
function runSketch(dir: string, o: BenchTrainOptions, ours: number): { medianStepSeconds: number; ratio: number } | { error: string } {
  const script = path.resolve(dir, 'ort_train.js');
  if (!fs.existsSync(script)) return { error: `${script} not found` };
  try {
    const out = execFileSync(process.execPath, [script], {
      cwd: fs.mkdtempSync(path.join(os.tmpdir(), 'sketch-')),
      env: { ...process.env, MODEL: 'tr', STEPS: o.steps, THREADS: o.threads, V: o.vocab, NODE_PATH: path.resolve('node_modules') },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const m = /median step ([\d.]+) s/.exec(out);
    if (!m) return { error: 'no median in sketch output' };
    const sketch = Number(m[1]);
    return { medianStepSeconds: sketch, ratio: +(ours / sketch).toFixed(3) };
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0]! };
  }
}

export function registerBenchTrain(bench: Command): void {
  bench
    .command('train')
    .description('training step time of a transformer encoder classifier on random tokens')
    .option('--layers <n>', 'encoder layers', '4')
    .option('--d-model <n>', 'hidden width', '256')
    .option('--heads <n>', 'attention heads', '4')
    .option('--ffn <n>', 'feed-forward width', '1024')
    .option('--vocab <n>', 'vocabulary size', '30000')
    .option('--seq <n>', 'sequence length', '128')
    .option('--batch <n>', 'batch size', '16')
    .option('--steps <n>', 'timed steps (after one warm-up step)', '12')
    .option('--threads <n>', 'onnxruntime intra-op threads', '2')
    .option('--classes <n>', 'output classes', '10')
    .option('--dropout <p>', 'dropout probability', '0')
    .option('--adamw', 'AdamW with weight decay and gradient clipping instead of plain Adam')
    .option('--clip <norm>', 'gradient clipping norm with --adamw', '1')
    .option('--activation <a>', 'gelu-sigmoid (as the recipe) or gelu (exact)', 'gelu-sigmoid')
    .option('--symbolic', 'symbolic batch and sequence dimensions (one graph for all shapes)')
    .option('--compare-sketch <dir>', 'also run the recipe sketch in DIR and print the ratio')
    .option('--json', 'print JSON')
    .action(async (o: BenchTrainOptions) => {
      const r = await benchTrain(o);
      process.stdout.write(o.json ? JSON.stringify(r) + '\n' : JSON.stringify(r, null, 1) + '\n');
    });
}
