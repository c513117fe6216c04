/**
 * Binary logistic regression on a few dozen standardized features, fitted by Newton's method
 * with an L2 penalty (the intercept is not penalized). Small enough to fit in milliseconds on a
 * few thousand rows, and its output is a probability, which is what a curator is shown.
 */

/** A fitted model: standardization and weights, everything `logisticProbability` needs. */
export interface LogisticModel {
  /** Per feature: mean and standard deviation of the fitting rows (sd 1 where a feature is constant). */
  mean: number[];
  sd: number[];
  /** Per standardized feature. */
  weights: number[];
  bias: number;
}

/** P(y = 1 | x). */
export function logisticProbability(m: LogisticModel, x: readonly number[]): number {
  let s = m.bias;
  for (let k = 0; k < m.weights.length; k++) s += m.weights[k]! * ((x[k]! - m.mean[k]!) / m.sd[k]!);
  return 1 / (1 + Math.exp(-s));
}

/** Solves `a x = b` in place by Gaussian elimination with partial pivoting (a is square and, here, positive definite). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  for (let i = 0; i < n; i++) {
    let piv = i;
    for (let r = i + 1; r < n; r++) if (Math.abs(a[r]![i]!) > Math.abs(a[piv]![i]!)) piv = r;
    [a[i], a[piv]] = [a[piv]!, a[i]!];
    [b[i], b[piv]] = [b[piv]!, b[i]!];
    for (let r = i + 1; r < n; r++) {
      const f = a[r]![i]! / a[i]![i]!;
      for (let c = i; c < n; c++) a[r]![c]! -= f * a[i]![c]!;
      b[r]! -= f * b[i]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let c = i + 1; c < n; c++) s -= a[i]![c]! * x[c]!;
    x[i] = s / a[i]![i]!;
  }
  return x;
}

/**
 * Fits `y[i] ∈ {0, 1}` from `x[i]`, minimizing the summed log loss plus `l2 / 2 · |w|²` over the
 * standardized features. Newton steps until the step is negligible (the objective is strictly
 * convex for l2 > 0, so this converges in a handful of iterations).
 */
export function fitLogistic(x: readonly (readonly number[])[], y: readonly number[], l2 = 1): LogisticModel {
  if (x.length === 0 || x.length !== y.length) throw new Error(`fitLogistic: ${x.length} rows and ${y.length} labels`);
  const d = x[0]!.length;
  const mean = new Array<number>(d).fill(0);
  const sd = new Array<number>(d).fill(0);
  for (const row of x) row.forEach((v, k) => (mean[k]! += v / x.length));
  for (const row of x) row.forEach((v, k) => (sd[k]! += (v - mean[k]!) ** 2 / x.length));
  for (let k = 0; k < d; k++) sd[k] = Math.sqrt(sd[k]!) > 1e-9 ? Math.sqrt(sd[k]!) : 1;
  const z = x.map((row) => [1, ...row.map((v, k) => (v - mean[k]!) / sd[k]!)]);
  const n = d + 1;
  const w = new Array<number>(n).fill(0);
  for (let it = 0; it < 50; it++) {
    const g = new Array<number>(n).fill(0);
    const h = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    z.forEach((row, i) => {
      let s = 0;
      for (let k = 0; k < n; k++) s += w[k]! * row[k]!;
      const p = 1 / (1 + Math.exp(-s));
      const r = p - y[i]!;
      const q = p * (1 - p);
      for (let a = 0; a < n; a++) {
        g[a]! += r * row[a]!;
        for (let b = 0; b <= a; b++) h[a]![b]! += q * row[a]! * row[b]!;
      }
    });
    for (let a = 1; a < n; a++) {
      g[a]! += l2 * w[a]!;
      h[a]![a]! += l2;
    }
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) h[a]![b] = h[b]![a]!;
    // A tiny ridge on the intercept too, so a separable constant column cannot make h singular.
    h[0]![0]! += 1e-9;
    const step = solve(h, g);
    let size = 0;
    for (let k = 0; k < n; k++) {
      w[k]! -= step[k]!;
      size += step[k]! ** 2;
    }
    if (size < 1e-12) break;
  }
  return { mean, sd, weights: w.slice(1), bias: w[0]! };
}
