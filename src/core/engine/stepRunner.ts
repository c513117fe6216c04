/**
 * Runs a training graph step after step. Parameters and Adam moments live in two sets of
 * Float32Arrays: each step reads set A and onnxruntime writes set B in place (pre-allocated
 * outputs), then the sets swap, so a step allocates no weight-sized memory.
 *
 * With `averageDecay` > 0 the runner also keeps an exponential moving average of every parameter
 * (Polyak averaging), updated on the host after each step; `averagedWeights()` serves it to
 * evaluation and export while the optimizer keeps stepping the live weights.
 */
import type { Param } from './autodiff';
import { numel } from './graph';
import { OPT, type OptimizerOptions } from './optimizer';
import type { HostTensor, ModelSession } from '../runtime/session';

export interface StepResult {
  loss: number;
  gradNorm: number;
}

type Buffers = Record<string, HostTensor>;

/** Checkpoint tensor names of the moving average (`average/<param>`). */
export const AVERAGE_PREFIX = 'average/';

export class StepRunner {
  private current: Buffers = {};
  private next: Buffers = {};
  private t = 0;
  private readonly average = new Map<string, Float32Array>();

  constructor(
    private readonly session: ModelSession,
    readonly params: readonly Param[],
    initial: ReadonlyMap<string, Float32Array>,
    private readonly options: Pick<OptimizerOptions, 'beta1' | 'beta2' | 'epsilon' | 'weightDecay'> & { averageDecay?: number },
  ) {
    for (const p of params) {
      const dims = p.shape as number[];
      const n = numel(dims);
      const w = initial.get(p.name);
      if (!w || w.length !== n) throw new Error(`initial value for ${p.name}: expected ${n} numbers, got ${w?.length ?? 'none'}`);
      this.current[p.name] = { data: Float32Array.from(w), dims };
      this.current[OPT.m(p.name)] = { data: new Float32Array(n), dims };
      this.current[OPT.v(p.name)] = { data: new Float32Array(n), dims };
      for (const k of [p.name, OPT.m(p.name), OPT.v(p.name)]) this.next[k] = { data: new Float32Array(n), dims };
      if (this.averaging) this.average.set(p.name, Float32Array.from(w));
    }
  }

  /** Whether the runner keeps a moving average of the weights. */
  get averaging(): boolean {
    return (this.options.averageDecay ?? 0) > 0;
  }

  /** The moving average's decay at step t: ramps up so the first steps' weights fade quickly. */
  static averageDecayAt(decay: number, t: number): number {
    return Math.min(decay, (1 + t) / (10 + t));
  }

  /** Steps taken so far. */
  get step(): number {
    return this.t;
  }

  /**
   * One optimizer step on a batch; `lr` is the already-scheduled learning rate. `session`
   * replaces the runner's own for this step: another training graph over the same parameters
   * (a recurrence unrolled over another static length).
   */
  async run(batch: Record<string, HostTensor>, lr: number, session: ModelSession = this.session): Promise<StepResult> {
    this.t++;
    const { beta1, beta2, epsilon, weightDecay } = this.options;
    const root = Math.sqrt(1 - beta2 ** this.t);
    const feeds: Record<string, HostTensor> = {
      ...batch,
      ...this.current,
      [OPT.lrAdam]: { data: Float32Array.of((lr * root) / (1 - beta1 ** this.t)), dims: [] },
      [OPT.eps]: { data: Float32Array.of(epsilon * root), dims: [] },
    };
    if (weightDecay > 0) feeds[OPT.lrDecay] = { data: Float32Array.of(lr * weightDecay), dims: [] };
    const out: Record<string, HostTensor> = {};
    for (const [k, v] of Object.entries(this.next)) out[OPT.next(k)] = v;
    const r = await session.run(feeds, out);
    const swap = this.current;
    this.current = this.next;
    this.next = swap;
    if (this.averaging) {
      const d = StepRunner.averageDecayAt(this.options.averageDecay!, this.t);
      for (const [name, avg] of this.average) {
        const w = this.current[name]!.data as Float32Array;
        for (let i = 0; i < avg.length; i++) avg[i] = d * avg[i]! + (1 - d) * w[i]!;
      }
    }
    return { loss: (r[OPT.loss]!.data as Float32Array)[0]!, gradNorm: (r[OPT.gradNorm]!.data as Float32Array)[0]! };
  }

  /** Current weights by parameter name (views; copy before mutating). */
  weights(): Map<string, Float32Array> {
    return new Map(this.params.map((p) => [p.name, this.current[p.name]!.data as Float32Array]));
  }

  /** The weights evaluation and export read: the moving average when averaging, else the live ones (views). */
  averagedWeights(): Map<string, Float32Array> {
    return this.averaging ? new Map(this.average) : this.weights();
  }

  /** Full optimizer state for checkpoints: weights, moments, the average and the step counter. */
  state(): { step: number; tensors: Map<string, Float32Array> } {
    const tensors = new Map<string, Float32Array>();
    for (const [k, v] of Object.entries(this.current)) tensors.set(k, v.data as Float32Array);
    for (const [k, v] of this.average) tensors.set(AVERAGE_PREFIX + k, v);
    return { step: this.t, tensors };
  }

  /**
   * Restore a checkpoint written from `state()`. A checkpoint without an average (written with
   * averaging off) starts the average at its weights.
   */
  restore(state: { step: number; tensors: ReadonlyMap<string, Float32Array> }): void {
    for (const [k, v] of Object.entries(this.current)) {
      const src = state.tensors.get(k);
      if (!src || src.length !== v.data.length) throw new Error(`checkpoint lacks ${k} or has the wrong size`);
      (v.data as Float32Array).set(src);
    }
    for (const [k, avg] of this.average) {
      const src = state.tensors.get(AVERAGE_PREFIX + k) ?? state.tensors.get(k)!;
      if (src.length !== avg.length) throw new Error(`checkpoint's ${AVERAGE_PREFIX}${k} has the wrong size`);
      avg.set(src);
    }
    this.t = state.step;
  }
}
