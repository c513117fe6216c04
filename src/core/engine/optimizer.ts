/**
 * The optimizer, inside the training graph: gradient clipping by global norm and AdamW
 * (decoupled weight decay; Adam when decay is 0). One `session.run` then performs a whole
 * training step: forward, backward, clip, update. Step-dependent scalars (learning rate, bias
 * corrections) are graph inputs so the schedule lives in TypeScript (see schedule.ts).
 */
import type { Autodiff, Param } from './autodiff';
import type { Value } from './graph';
import { attr } from './graph';

export interface OptimizerOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Decoupled weight decay (AdamW); 0 gives plain Adam. Not applied to `noDecay` params. */
  weightDecay: number;
  /** Clip gradients to this global L2 norm; 0 disables clipping. */
  clipNorm: number;
  /**
   * Step-size multiplier of a parameter (Adam step and decay alike; 1 when absent): lower rates
   * for pre-trained weights than for a new head (ULMFiT's discriminative fine-tuning).
   */
  lrScale?: (p: Param) => number;
}

export const DEFAULT_OPTIMIZER: OptimizerOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, clipNorm: 1.0 };

/** Names of the optimizer's graph inputs and outputs, shared with the step runner. */
export const OPT = {
  /** Adam step size with both bias corrections folded in: lr·√(1−β2^t)/(1−β1^t). */
  lrAdam: 'opt.lr_adam',
  /** ε·√(1−β2^t): the ε that makes the folded form equal textbook Adam exactly. */
  eps: 'opt.eps',
  /** lr·weight decay (decoupled decay step). */
  lrDecay: 'opt.lr_decay',
  loss: 'loss',
  gradNorm: 'grad_norm',
  m: (p: string) => `m.${p}`,
  v: (p: string) => `v.${p}`,
  next: (name: string) => `new.${name}`,
} as const;

/**
 * Append backward, clipping and AdamW to a graph whose scalar loss is `loss`. Declares the
 * optimizer inputs (lr, bias corrections, moment states) and outputs (loss, grad_norm, new
 * params and moments).
 */
export function appendOptimizer(ad: Autodiff, loss: Value, options: OptimizerOptions): void {
  const g = ad.g;
  const grads = ad.backward(loss);
  const lrAdam = g.input(OPT.lrAdam, 'float32', []);
  const eps = g.input(OPT.eps, 'float32', []);
  const lrDecay = options.weightDecay > 0 ? g.input(OPT.lrDecay, 'float32', []) : undefined;

  // The global gradient norm costs one pass over all gradients: computed when clipping needs
  // it (then also reported), otherwise reported as -1.
  let clipScale: Value | undefined;
  if (options.clipNorm > 0) {
    let sumSq: Value | undefined;
    for (const p of ad.params) {
      const s = g.op('ReduceSumSquare', [grads.get(p.name)!], { keepdims: attr.i(0) }, []);
      sumSq = sumSq ? g.op('Add', [sumSq, s], {}, []) : s;
    }
    const norm = g.op('Sqrt', [sumSq!], {}, []);
    g.output(norm, OPT.gradNorm);
    const ratio = g.op('Div', [g.constF(options.clipNorm), g.op('Add', [norm, g.constF(1e-6)], {}, [])], {}, []);
    clipScale = g.op('Min', [ratio, g.constF(1)], {}, []);
  } else {
    g.output(g.constF(-1), OPT.gradNorm);
  }

  const b1 = g.constF(options.beta1);
  const b1c = g.constF(1 - options.beta1);
  const b2 = g.constF(options.beta2);
  const b2c = g.constF(1 - options.beta2);
  for (const p of ad.params) {
    let grad = grads.get(p.name)!;
    if (clipScale) grad = g.op('Mul', [grad, clipScale], {}, p.shape);
    const m = g.input(OPT.m(p.name), 'float32', p.shape);
    const v = g.input(OPT.v(p.name), 'float32', p.shape);
    const m2 = g.op('Add', [g.op('Mul', [m, b1], {}, p.shape), g.op('Mul', [grad, b1c], {}, p.shape)], {}, p.shape);
    const v2 = g.op('Add', [g.op('Mul', [v, b2], {}, p.shape), g.op('Mul', [g.op('Mul', [grad, grad], {}, p.shape), b2c], {}, p.shape)], {}, p.shape);
    // p − lr·m̂/(√v̂+ε) − lr·wd·p, with the bias corrections folded into lrAdam and eps.
    const adam = g.op('Div', [g.op('Mul', [m2, lrAdam], {}, p.shape), g.op('Add', [g.op('Sqrt', [v2], {}, p.shape), eps], {}, p.shape)], {}, p.shape);
    const scale = options.lrScale?.(p) ?? 1;
    const scaled = (v: Value): Value => (scale === 1 ? v : g.op('Mul', [v, g.constF(scale)], {}, p.shape));
    let p2 = g.op('Sub', [p, scaled(adam)], {}, p.shape);
    if (lrDecay && !p.noDecay) p2 = g.op('Sub', [p2, scaled(g.op('Mul', [p, lrDecay], {}, p.shape))], {}, p.shape);
    g.output(p2, OPT.next(p.name));
    g.output(m2, OPT.next(OPT.m(p.name)));
    g.output(v2, OPT.next(OPT.v(p.name)));
  }
  g.output(loss, OPT.loss);
}

/** Whether `p` should skip weight decay: biases, LayerNorm gains and offsets. */
export function isNoDecay(p: Pick<Param, 'shape'>): boolean {
  return p.shape.length < 2;
}
