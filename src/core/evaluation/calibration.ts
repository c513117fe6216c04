/**
 * Confidence calibration: one softmax temperature for the relation models fitted on development
 * predictions (Guo et al. 2017), Platt scaling for the mention tagger's scores, and the expected
 * calibration error (ECE) that reports how well the shown confidence matches how often the
 * prediction is right.
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

/** Platt scaling on the log-odds of a score: p = σ(a · logit(s) + b). */
export interface PlattScaling {
  a: number;
  b: number;
}

/** Scores are clipped away from 0 and 1 so that their log-odds stay finite. */
const LOGIT_EPS = 1e-6;

function logit(s: number): number {
  const p = Math.min(1 - LOGIT_EPS, Math.max(LOGIT_EPS, s));
  return Math.log(p / (1 - p));
}

/** The calibrated probability of a score under `scaling`. */
export function plattScale(score: number, scaling: PlattScaling): number {
  return 1 / (1 + Math.exp(-(scaling.a * logit(score) + scaling.b)));
}

/**
 * The (a, b) that minimize the log loss of `correct` given the scores' log-odds (Platt 1999, with
 * his smoothed targets (n₊+1)/(n₊+2) and 1/(n₋+2) so that separable data keeps finite weights),
 * by Newton's method. No data gives the identity (a 1, b 0).
 */
export function fitPlattScaling(scores: readonly number[], correct: readonly boolean[]): PlattScaling {
  if (scores.length !== correct.length) throw new RangeError('scores and correct differ in length');
  if (scores.length === 0) return { a: 1, b: 0 };
  const pos = correct.filter(Boolean).length;
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (scores.length - pos + 2);
  const x = scores.map(logit);
  const y = correct.map((c) => (c ? hi : lo));
  let a = 1;
  let b = 0;
  for (let it = 0; it < 100; it++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-9;
    let hab = 0;
    let hbb = 1e-9;
    for (let i = 0; i < x.length; i++) {
      const p = 1 / (1 + Math.exp(-(a * x[i]! + b)));
      const r = p - y[i]!;
      const w = p * (1 - p);
      ga += r * x[i]!;
      gb += r;
      haa += w * x[i]! * x[i]!;
      hab += w * x[i]!;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-10) break;
  }
  return { a, b };
}
