/**
 * Viterbi decoding of a linear-chain CRF over per-token emission scores, in TypeScript (the
 * exported tagger graph outputs emissions; the CRF's transition, start and end scores come with
 * the model). Optional constraints forbid transitions, such as BIO's "I-X only after B-X or I-X".
 * Pure functions: no onnxruntime, nothing from training/.
 */

/** The CRF scores a decoder needs (K tags). */
export interface CrfScores {
  /** K; the arrays below are [K, K] row-major (from, to), [K] and [K]. */
  readonly tags: number;
  readonly transitions: ArrayLike<number>;
  readonly start: ArrayLike<number>;
  readonly end: ArrayLike<number>;
}

/** Allowed transitions (1 = allowed) [K, K] row-major (from, to) and allowed first tags [K]. */
export interface TagConstraints {
  readonly transitions: Uint8Array;
  readonly start: Uint8Array;
}

/**
 * BIO constraints for labels like `O`, `B-Chemical`, `I-Chemical`: a sequence may not start
 * with I-X, and I-X may only follow B-X or I-X. Labels that are neither B- nor I- are free.
 */
export function bioConstraints(labels: readonly string[]): TagConstraints {
  const K = labels.length;
  const inside = labels.map((l) => (l.startsWith('I-') ? l.slice(2) : undefined));
  const typeOf = (l: string): string | undefined => (l.startsWith('B-') || l.startsWith('I-') ? l.slice(2) : undefined);
  const transitions = new Uint8Array(K * K);
  const start = new Uint8Array(K);
  for (let to = 0; to < K; to++) {
    start[to] = inside[to] === undefined ? 1 : 0;
    for (let from = 0; from < K; from++) transitions[from * K + to] = inside[to] === undefined || typeOf(labels[from]!) === inside[to] ? 1 : 0;
  }
  return { transitions, start };
}

/**
 * The best tag path for one sequence: emissions [T, K] row-major (only the first T rows are
 * read). Returns T tag indices; [] for T = 0. With constraints, forbidden paths are never
 * returned (every tag must have an allowed path: BIO always has O).
 */
export function viterbiDecode(emissions: ArrayLike<number>, T: number, crf: CrfScores, constraints?: TagConstraints): number[] {
  const K = crf.tags;
  if (T === 0) return [];
  const okStart = (k: number): boolean => !constraints || constraints.start[k] === 1;
  const okMove = (from: number, to: number): boolean => !constraints || constraints.transitions[from * K + to] === 1;
  let score = new Float64Array(K);
  for (let k = 0; k < K; k++) score[k] = okStart(k) ? crf.start[k]! + emissions[k]! : -Infinity;
  const back = new Int32Array(T * K);
  let next = new Float64Array(K);
  for (let t = 1; t < T; t++) {
    for (let to = 0; to < K; to++) {
      let best = -Infinity;
      let arg = 0;
      for (let from = 0; from < K; from++) {
        if (!okMove(from, to)) continue;
        const s = score[from]! + crf.transitions[from * K + to]!;
        if (s > best) {
          best = s;
          arg = from;
        }
      }
      next[to] = best + emissions[t * K + to]!;
      back[t * K + to] = arg;
    }
    [score, next] = [next, score];
  }
  let last = 0;
  let best = -Infinity;
  for (let k = 0; k < K; k++) {
    const s = score[k]! + crf.end[k]!;
    if (s > best) {
      best = s;
      last = k;
    }
  }
  const path = new Array<number>(T);
  path[T - 1] = last;
  for (let t = T - 1; t > 0; t--) path[t - 1] = back[t * K + path[t]!]!;
  return path;
}

/** Score of a given path (emissions + transitions + start + end): for tests and diagnostics. */
export function pathScore(emissions: ArrayLike<number>, path: readonly number[], crf: CrfScores): number {
  const K = crf.tags;
  if (path.length === 0) return 0;
  let s = crf.start[path[0]!]! + crf.end[path[path.length - 1]!]!;
  path.forEach((k, t) => {
    s += emissions[t * K + k]!;
    if (t > 0) s += crf.transitions[path[t - 1]! * K + k]!;
  });
  return s;
}

/** Decode each row of a padded batch: emissions [B, T, K], lengths per row. */
export function viterbiBatch(emissions: Float32Array, lengths: readonly number[], T: number, crf: CrfScores, constraints?: TagConstraints): number[][] {
  const K = crf.tags;
  return lengths.map((L, b) => viterbiDecode(emissions.subarray(b * T * K, (b * T + L) * K), L, crf, constraints));
}
