/**
 * The scaffold every graph-built trainer backend shares (the CNN relation model, the tagger, and
 * the next families): the training graph (forward + loss + backward + AdamW in one ONNX graph)
 * with its step runner, and a forward-only eval graph that reads the runner's current weights
 * as feeds, so evaluation never copies weights into a second session.
 */
import { Autodiff, type Param } from '../engine/autodiff';
import { numel, type Value } from '../engine/graph';
import { initialize } from '../engine/initialize';
import { appendOptimizer, type OptimizerOptions } from '../engine/optimizer';
import { StepRunner } from '../engine/stepRunner';
import { createSession, type HostTensor, type ModelSession } from '../runtime/session';
import type { TrainConfig } from './trainConfig';

export interface GraphTrainerOptions {
  /** Graph name prefix (`<name>-train`, `<name>-eval`). */
  name: string;
  config: TrainConfig;
  /**
   * Builds the model on `ad`: logits always, the loss when `ad.training`. With `staticLengths`,
   * training graphs are built once per length (`seq`); the eval graph gets `seq` undefined.
   */
  build: (ad: Autodiff, seq?: number) => { logits: Value; loss?: Value };
  /**
   * Training graphs unrolled over a static sequence length (a recurrence): one graph and session
   * per length, all over the same parameters and optimizer state; `sessionFor(n)` picks one.
   */
  staticLengths?: readonly number[];
  /** Weights to start from; those whose name and size match a parameter replace its initial value. */
  initialWeights?: ReadonlyMap<string, Float32Array>;
  /** Step-size multiplier per parameter (0 freezes it), times encoderLrScale's; 1 when absent. */
  lrScale?: (p: Param) => number;
}

export interface GraphTrainer {
  /** The training session (one step = one run); with staticLengths, the longest length's. */
  session: ModelSession;
  /** The training session of the shortest static length ≥ n (the only one without staticLengths). */
  sessionFor: (n: number) => { session: ModelSession; length: number | undefined };
  /** Disposes every session (training ones and the eval one). */
  dispose: () => Promise<void>;
  runner: StepRunner;
  /** The forward-only session; feed it through `withWeights`. */
  evalSession: ModelSession;
  /** Adds the weights evaluation reads to eval feeds: the runner's average when averaging (config averageDecay), else its live weights. */
  withWeights: (f: Record<string, HostTensor>) => void;
  /** The weights `withWeights` feeds, by parameter name (views): what evaluation and export read. */
  evalWeights: () => Map<string, Float32Array>;
  /**
   * Runs a backend's held-out evaluation on the weights evaluation reads; when averaging, runs it
   * again on the live weights and adds their F1 as `liveF1`, so one run compares both.
   */
  evaluateAveraged: (evaluate: () => Promise<Record<string, number>>) => Promise<Record<string, number>>;
  /** Parameters whose initial value came from `initialWeights` (empty without them). */
  loadedWeights: string[];
}

export async function createGraphTrainer(o: GraphTrainerOptions): Promise<GraphTrainer> {
  const c = o.config;
  // encoderLrScale: the weights initFrom gives (those whose name and size match) step at that
  // fraction of the learning rate; the rest (a new head) at the full rate.
  const initial = o.initialWeights;
  const taken = (p: Param): boolean => initial?.get(p.name)?.length === numel(p.shape);
  const scaleOf = (p: Param): number => (taken(p) ? c.encoderLrScale : 1) * (o.lrScale?.(p) ?? 1);
  const opt: OptimizerOptions = { beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, weightDecay: c.weightDecay, clipNorm: c.clipNorm, lrScale: scaleOf };
  const lengths = o.staticLengths ? [...new Set(o.staticLengths)].sort((a, b) => a - b) : [undefined];
  const sessions: ModelSession[] = [];
  let ad: Autodiff | undefined;
  for (const n of lengths) {
    const graph = new Autodiff(`${o.name}-train${n === undefined ? '' : `-${n}`}`, { training: true, seed: c.seed });
    const { loss } = o.build(graph, n);
    if (!loss) throw new Error(`${o.name}: the training graph has no loss`);
    appendOptimizer(graph, loss, opt);
    if (ad && graph.params.map((p) => p.name).join() !== ad.params.map((p) => p.name).join()) throw new Error(`${o.name}: training graphs of different lengths declare different parameters`);
    ad ??= graph;
    sessions.push(await createSession(graph.g.toBytes(), { threads: c.threads }));
  }
  const init = initialize(ad!.params, c.seed);
  const loadedWeights: string[] = [];
  if (o.initialWeights) {
    for (const [k, v] of o.initialWeights) {
      if (init.has(k) && init.get(k)!.length === v.length) {
        init.set(k, v);
        loadedWeights.push(k);
      }
    }
    if (loadedWeights.length === 0) throw new Error(`initFrom: no weight matched the ${o.name} model (architecture mismatch?)`);
  }
  const session = sessions[sessions.length - 1]!;
  const runner = new StepRunner(session, ad!.params, init, { ...opt, averageDecay: c.averageDecay });
  const ev = new Autodiff(`${o.name}-eval`, { training: false });
  ev.g.output(o.build(ev).logits, 'logits');
  const evalSession = await createSession(ev.g.toBytes(), { threads: c.threads });
  let live = false;
  const evalWeights = (): Map<string, Float32Array> => (live ? runner.weights() : runner.averagedWeights());
  const withWeights = (f: Record<string, HostTensor>): void => {
    const w = evalWeights();
    for (const p of ev.params) f[p.name] = { data: w.get(p.name)!, dims: p.shape as number[] };
  };
  const evaluateAveraged = async (evaluate: () => Promise<Record<string, number>>): Promise<Record<string, number>> => {
    const out = await evaluate();
    if (!runner.averaging) return out;
    live = true;
    try {
      out['liveF1'] = (await evaluate())['f1']!;
    } finally {
      live = false;
    }
    return out;
  };
  const sessionFor = (n: number): { session: ModelSession; length: number | undefined } => {
    const i = lengths.findIndex((l) => l === undefined || l >= n);
    if (i < 0) throw new Error(`${o.name}: a batch of ${n} tokens is longer than the longest training graph (${String(lengths[lengths.length - 1])})`);
    return { session: sessions[i]!, length: lengths[i] };
  };
  const dispose = async (): Promise<void> => {
    for (const s of [...sessions, evalSession]) await s.dispose();
  };
  return { session, sessionFor, dispose, runner, evalSession, withWeights, evalWeights, evaluateAveraged, loadedWeights };
}
