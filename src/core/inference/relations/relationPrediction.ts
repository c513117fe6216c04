/** What a relation classifier says about one candidate, and how logits become it. */

/** One prediction: label index, its probability, all probabilities, the raw logits. */
export interface RelationPrediction {
  label: number;
  prob: number;
  probs: number[];
  logits: number[];
  /** Set when a task's document rule, not the model, chose the label (e.g. `title-chemical`). */
  rule?: string;
  /** With `rule`: the label the model itself chose. */
  modelLabel?: number;
}

/** Softmax of `logits / temperature`, with the argmax. */
export function softmaxPrediction(logits: readonly number[], temperature = 1): RelationPrediction {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v / temperature);
  const e = logits.map((v) => Math.exp(v / temperature - max));
  const sum = e.reduce((x, y) => x + y, 0);
  const probs = e.map((x) => x / sum);
  let best = 0;
  for (let k = 1; k < probs.length; k++) if (probs[k]! > probs[best]!) best = k;
  return { label: best, prob: probs[best]!, probs, logits: [...logits] };
}

/**
 * The label chosen with per-class decision biases (added to the log-probabilities; chosen on
 * held-out documents by `biore calibrate-thresholds`). Only the choice moves: the prediction keeps
 * its calibrated probabilities, and `prob` is the probability of the label chosen.
 */
export function withClassBias(p: RelationPrediction, bias: readonly number[]): RelationPrediction {
  let best = 0;
  let top = -Infinity;
  p.probs.forEach((q, k) => {
    const v = Math.log(Math.max(q, 1e-12)) + (bias[k] ?? 0);
    if (v > top) {
      top = v;
      best = k;
    }
  });
  return best === p.label ? p : { ...p, label: best, prob: p.probs[best]! };
}
