/**
 * The scaffold every graph-built trainer backend shares (the CNN relation model, the tagger, and
 * the next families): the training graph (forward + loss + backward + AdamW in one ONNX graph)
 * with its step runner, and a forward-only eval graph that reads the runner's current weights
 * as feeds, so evaluation never copies weights into a second session.
 */
import { Autodiff } from '../engine/autodiff';
import type { Value } from '../engine/graph';
import { initialize } from '../engine/initialize';
import { appendOptimizer } from '../engine/optimizer';
import { StepRunner } from '../engine/stepRunner';
import { createSession, type HostTensor, type ModelSession } from '../runtime/session';
import type { TrainConfig } from './trainConfig';

export interface GraphTrainerOptions {
  /** Graph name prefix (`<name>-train`, `<name>-eval`). */
  name: string;
  config: TrainConfig;
  /** Builds the model on `ad`: logits always, the loss when `ad.training`. */
  build: (ad: Autodiff) => { logits: Value; loss?: Value };
  /** Weights to start from; those whose name and size match a parameter replace its initial value. */
  initialWeights?: ReadonlyMap<string, Float32Array>;
}

export interface GraphTrainer {
  /** The training session (one step = one run). */
  session: ModelSession;
  runner: StepRunner;
  /** The forward-only session; feed it through `withWeights`. */
  evalSession: ModelSession;
  /** Adds the runner's current weights to eval feeds. */
  withWeights: (f: Record<string, HostTensor>) => void;
}

export async function createGraphTrainer(o: GraphTrainerOptions): Promise<GraphTrainer> {
  const c = o.config;
  const ad = new Autodiff(`${o.name}-train`, { training: true, seed: c.seed });
  const { loss } = o.build(ad);
  if (!loss) throw new Error(`${o.name}: the training graph has no loss`);
  const opt = { beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, weightDecay: c.weightDecay, clipNorm: c.clipNorm };
  appendOptimizer(ad, loss, opt);
  const session = await createSession(ad.g.toBytes(), { threads: c.threads });
  const init = initialize(ad.params, c.seed);
  if (o.initialWeights) {
    let loaded = 0;
    for (const [k, v] of o.initialWeights) {
      if (init.has(k) && init.get(k)!.length === v.length) {
        init.set(k, v);
        loaded++;
      }
    }
    if (loaded === 0) throw new Error(`initFrom: no weight matched the ${o.name} model (architecture mismatch?)`);
  }
  const runner = new StepRunner(session, ad.params, init, opt);
  const ev = new Autodiff(`${o.name}-eval`, { training: false });
  ev.g.output(o.build(ev).logits, 'logits');
  const evalSession = await createSession(ev.g.toBytes(), { threads: c.threads });
  const withWeights = (f: Record<string, HostTensor>): void => {
    const w = runner.weights();
    for (const p of ev.params) f[p.name] = { data: w.get(p.name)!, dims: p.shape as number[] };
  };
  return { session, runner, evalSession, withWeights };
}
