/**
 * The training loop, written against `TrainerBackend` so that it can be unit-tested with a fake
 * and reused for every objective (MLM, ELECTRA, relation and mention classifiers):
 *   1. learning rate for the step (learningRateAt)
 *   2. one optimizer step on the next batch
 *   3. every `evalEvery` steps: held-out metrics; keep the best model (lowest `evalLoss`)
 *   4. every `checkpointEvery` steps, on cancel and at the end: a resumable checkpoint
 * Progress goes to a callback (the CLI prints it, the worker posts it to the extension).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TrainConfig } from './trainConfig';
import { learningRateAt } from './trainConfig';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';

/** What the loop needs from a model + data pair. */
export interface TrainerBackend {
  /** One optimizer step on the next training batch. */
  step(lr: number): Promise<{ loss: number; gradNorm: number; tokens: number }>;
  /** Held-out metrics, including the one that selects the best model (see TrainOptions.select). */
  evaluate(): Promise<Record<string, number>>;
  /** Weights and optimizer state for a checkpoint. */
  state(): { step: number; tensors: Map<string, Float32Array> };
  restore(state: { step: number; tensors: ReadonlyMap<string, Float32Array> }): void;
  /** Write the deployable model (forward-only ONNX + config) into `dir`. */
  exportModel(dir: string, meta: Record<string, unknown>): Promise<void>;
}

export interface TrainProgress {
  step: number;
  maxSteps: number;
  loss: number;
  /** Mean training loss since the last report. */
  meanLoss: number;
  gradNorm: number;
  lr: number;
  tokensPerSecond: number;
  elapsedSeconds: number;
  etaSeconds: number;
  eval?: Record<string, number>;
}

export interface TrainOptions {
  config: TrainConfig;
  /** Saved in every checkpoint and export: seed, data hashes, command line, ... */
  meta: Record<string, unknown>;
  onProgress?: (p: TrainProgress) => void;
  signal?: AbortSignal;
  /** Resume from `<outDir>/checkpoint.bin` when it exists (default true). */
  resume?: boolean;
  /** Metric that picks the best model (default `evalLoss`, lower is better). */
  select?: { metric: string; mode: 'min' | 'max' };
}

export interface TrainSummary {
  steps: number;
  stoppedBy: 'maxSteps' | 'maxMinutes' | 'cancelled';
  best: Record<string, number> | undefined;
  bestStep: number;
  history: { step: number; metrics: Record<string, number> }[];
  seconds: number;
}

export const CHECKPOINT_FILE = 'checkpoint.bin';
export const BEST_DIR = 'best';

/** Run the loop until maxSteps, maxMinutes or cancellation. */
export async function train(backend: TrainerBackend, o: TrainOptions): Promise<TrainSummary> {
  const c = o.config;
  fs.mkdirSync(c.outDir, { recursive: true });
  const ckptFile = path.join(c.outDir, CHECKPOINT_FILE);
  const historyFile = path.join(c.outDir, 'history.json');
  let history: TrainSummary['history'] = [];
  let best: Record<string, number> | undefined;
  let bestStep = 0;
  if (o.resume !== false && fs.existsSync(ckptFile)) {
    const ck = loadCheckpoint(ckptFile);
    backend.restore({ step: ck.step, tensors: ck.tensors });
    const saved = ck.meta['trainer'] as { history?: TrainSummary['history']; best?: Record<string, number>; bestStep?: number } | undefined;
    history = saved?.history ?? [];
    best = saved?.best;
    bestStep = saved?.bestStep ?? 0;
  }
  const meta = (): Record<string, unknown> => ({ ...o.meta, config: c, trainer: { history, best, bestStep } });
  const checkpoint = (): void => {
    const s = backend.state();
    saveCheckpoint(ckptFile, s.step, s.tensors, meta());
    fs.writeFileSync(historyFile, JSON.stringify(history, null, 1));
  };

  const t0 = Date.now();
  let step = backend.state().step;
  const startStep = step;
  let tokens = 0;
  let lossSum = 0;
  let lossCount = 0;
  let stoppedBy: TrainSummary['stoppedBy'] = 'maxSteps';
  while (step < c.maxSteps) {
    if (o.signal?.aborted) {
      stoppedBy = 'cancelled';
      break;
    }
    if (c.maxMinutes > 0 && Date.now() - t0 > c.maxMinutes * 60_000) {
      stoppedBy = 'maxMinutes';
      break;
    }
    // 1-2. schedule and step
    const lr = learningRateAt(step + 1, c);
    const r = await backend.step(lr);
    step++;
    tokens += r.tokens;
    lossSum += r.loss;
    lossCount++;
    if (!Number.isFinite(r.loss)) throw new Error(`training diverged at step ${step} (loss ${r.loss}); lower learningRate`);
    const elapsed = (Date.now() - t0) / 1000;
    const progress = (): TrainProgress => ({
      step,
      maxSteps: c.maxSteps,
      loss: r.loss,
      meanLoss: lossSum / Math.max(1, lossCount),
      gradNorm: r.gradNorm,
      lr,
      tokensPerSecond: tokens / Math.max(1e-9, elapsed),
      elapsedSeconds: elapsed,
      etaSeconds: ((c.maxSteps - step) * elapsed) / Math.max(1, step - startStep),
    });
    // 3. evaluation and best-model keeping
    if (step % c.evalEvery === 0 || step === c.maxSteps) {
      const metrics = await backend.evaluate();
      history.push({ step, metrics: { ...metrics, trainLoss: lossSum / Math.max(1, lossCount) } });
      const sel = o.select ?? { metric: 'evalLoss', mode: 'min' };
      const score = (m: Record<string, number>): number => {
        const v = m[sel.metric];
        return v === undefined || Number.isNaN(v) ? -Infinity : sel.mode === 'min' ? -v : v;
      };
      if (best === undefined || score(metrics) > score(best)) {
        best = metrics;
        bestStep = step;
        await backend.exportModel(path.join(c.outDir, BEST_DIR), { ...meta(), step, metrics });
      }
      o.onProgress?.({ ...progress(), eval: metrics });
      lossSum = 0;
      lossCount = 0;
    } else if (step % c.logEvery === 0) {
      o.onProgress?.(progress());
      lossSum = 0;
      lossCount = 0;
    }
    // 4. resumable checkpoint
    if (step % c.checkpointEvery === 0) checkpoint();
  }
  checkpoint();
  return { steps: step, stoppedBy, best, bestStep, history, seconds: (Date.now() - t0) / 1000 };
}
