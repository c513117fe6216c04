/**
 * Confidence calibration for the relation models: one softmax temperature fitted on development
 * predictions (Guo et al. 2017), and the expected calibration error (ECE) that reports how well
 * the shown confidence matches how often the prediction is right.
 */

/** Mean negative log-likelihood of `labels` under softmax(logits / t). */
export function temperatureNll(logits: readonly (readonly number[])[], labels: readonly number[], t: number): number {
  let nll = 0;
  logits.forEach((row, i) => {
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v / t);
    let sum = 0;
    for (const v of row) sum += Math.exp(v / t - max);
    nll -= row[labels[i]!]! / t - max - Math.log(sum);
  });
  return nll / Math.max(1, logits.length);
}

/**
 * The temperature in [0.05, 20] that minimizes the development NLL (golden-section search on
 * log t; the NLL is unimodal in t for fixed logits). Returns 1 for no data.
 */
export function fitTemperature(logits: readonly (readonly number[])[], labels: readonly number[]): number {
  if (logits.length === 0) return 1;
  const f = (u: number): number => temperatureNll(logits, labels, Math.exp(u));
  const g = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(0.05);
  let b = Math.log(20);
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < 60; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  return Math.exp((a + b) / 2);
}

/** One bin of a reliability diagram. */
export interface ReliabilityBin {
  from: number;
  to: number;
  count: number;
  meanConfidence: number;
  accuracy: number;
}

/**
 * Expected calibration error with `bins` equal-width confidence bins: the count-weighted mean of
 * |accuracy − mean confidence| per bin, in percent, with the bins themselves.
 */
export function expectedCalibrationError(confidence: readonly number[], correct: readonly boolean[], bins = 10): { ece: number; bins: ReliabilityBin[] } {
  if (confidence.length !== correct.length) throw new RangeError('confidence and correct differ in length');
  const out: ReliabilityBin[] = Array.from({ length: bins }, (_, i) => ({ from: i / bins, to: (i + 1) / bins, count: 0, meanConfidence: 0, accuracy: 0 }));
  confidence.forEach((p, i) => {
    const b = out[Math.min(bins - 1, Math.max(0, Math.floor(p * bins)))]!;
    b.count++;
    b.meanConfidence += p;
    b.accuracy += correct[i] ? 1 : 0;
  });
  let ece = 0;
  for (const b of out) {
    if (b.count === 0) continue;
    b.meanConfidence /= b.count;
    b.accuracy /= b.count;
    ece += (b.count / confidence.length) * Math.abs(b.accuracy - b.meanConfidence);
  }
  return { ece: 100 * ece, bins: out };
}
