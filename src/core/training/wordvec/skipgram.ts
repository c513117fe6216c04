/**
 * Skip-gram with negative sampling (Mikolov et al. 2013, the word2vec `-cbow 0 -hs 0` path) in
 * plain TypeScript over Float32Arrays. By default on one thread, so a seed fixes the result bit
 * for bit; optionally on several worker threads over shared memory, lock-free as word2vec's own
 * threads (faster, not reproducible). Both run the same loop (`sgnsKernel`).
 *
 * For each kept word w at position i and each context word c within a randomly shrunk window
 * (width 1..window each side, as word2vec), the input vector of c is pulled towards the output
 * vector of w and pushed away from the output vectors of `negatives` words drawn from the
 * unigram distribution raised to 0.75. Frequent words are randomly dropped (subsampling with
 * threshold `sample`), before windows are formed, which also widens the effective window. The
 * learning rate decays linearly with the words read to 1e-4 of its start value.
 */

/** Skip-gram hyper-parameters (word2vec's names in the comments). */
export interface SkipGramOptions {
  /** Vector size (-size). */
  dim: number;
  /** Maximum context distance each side (-window). */
  window: number;
  /** Negative samples per positive pair (-negative). */
  negatives: number;
  /** Passes over the text (-iter). */
  epochs: number;
  /** Subsampling threshold t: a word of frequency f is kept with probability (√(f/t)+1)·t/f (-sample); 0 keeps every word. */
  sample: number;
  /** Starting learning rate (-alpha). */
  learningRate: number;
  seed: number;
}

/** word2vec's skip-gram defaults (-size 200 -window 5 -negative 5 -iter 5 -sample 1e-4 -alpha 0.025). */
export const DEFAULT_SKIPGRAM: SkipGramOptions = { dim: 200, window: 5, negatives: 5, epochs: 5, sample: 1e-4, learningRate: 0.025, seed: 1 };

/** Progress of a run, reported about every million words. */
export interface SkipGramProgress {
  epoch: number;
  /** Known words read so far, all epochs (before subsampling). */
  processed: number;
  /** Known words that all epochs will read. */
  total: number;
  learningRate: number;
  tokensPerSecond: number;
  elapsedSeconds: number;
}

/** Counts and throughput of a finished run. */
export interface SkipGramStats {
  /** Known words per pass (the running text minus unknown and reserved words). */
  streamTokens: number;
  /** Words read over all passes, before subsampling: the throughput denominator. */
  processedTokens: number;
  /** Words kept by subsampling (the centres of training windows). */
  trainedTokens: number;
  /** Positive (centre, context) pairs trained. */
  pairs: number;
  seconds: number;
  /** processedTokens / seconds (word2vec's "words/thread/sec"). */
  tokensPerSecond: number;
}

const EXP_TABLE_SIZE = 1000;
const MAX_EXP = 6;
const TABLE_SIZE = 10_000_000;


/** word2vec's precomputed sigmoid over [-MAX_EXP, MAX_EXP). */
function sigmoidTable(): Float32Array {
  const t = new Float32Array(EXP_TABLE_SIZE);
  for (let i = 0; i < EXP_TABLE_SIZE; i++) {
    const e = Math.exp(((i / EXP_TABLE_SIZE) * 2 - 1) * MAX_EXP);
    t[i] = e / (e + 1);
  }
  return t;
}

/**
 * The negative-sampling table: word ids repeated in proportion to count^0.75 (words with count 0
 * never appear). Sampling is then one random index.
 */
export function unigramTable(counts: readonly number[], size = TABLE_SIZE): Int32Array {
  const table = new Int32Array(size);
  let norm = 0;
  for (const c of counts) norm += c > 0 ? c ** 0.75 : 0;
  if (norm === 0) throw new Error('skip-gram: no word with a positive count');
  let w = counts.findIndex((c) => c > 0);
  let cum = counts[w]! ** 0.75 / norm;
  for (let i = 0; i < size; i++) {
    table[i] = w;
    if (i / size > cum) {
      let next = w + 1;
      while (next < counts.length && counts[next]! <= 0) next++;
      if (next < counts.length) {
        w = next;
        cum += counts[w]! ** 0.75 / norm;
      }
    }
  }
  return table;
}

/** Everything one training thread needs; arrays may live in shared memory (threads > 1). */
interface KernelArgs {
  syn0: Float32Array;
  syn1: Float32Array;
  stream: Int32Array;
  /** This thread's part of the stream: [from, to), cut at document breaks. */
  from: number;
  to: number;
  counts: Float64Array;
  /** Keep probability of each word × 2^32 (subsampling). */
  keep: Float64Array;
  table: Int32Array;
  expTable: Float32Array;
  dim: number;
  window: number;
  negatives: number;
  epochs: number;
  alpha0: number;
  /** Words all threads will read (the learning-rate schedule's denominator). */
  planned: number;
  /** Longest document (scratch size). */
  longest: number;
  seed: number;
  /** Words read by all threads so far, [0], updated every 10k words (shared between threads). */
  progress: Int32Array;
  maxExp: number;
}

/**
 * The skip-gram loop over one part of the stream. Self-contained (no reference outside its
 * arguments), because worker threads receive it as source text. Returns this thread's counts.
 */
function sgnsKernel(a: KernelArgs, report?: (processed: number, alpha: number, epoch: number) => void): { processed: number; trained: number; pairs: number } {
  const { syn0, syn1, stream, counts, keep, table, expTable, dim, window, negatives, progress } = a;
  const tableSize = table.length;
  const expScale = expTable.length / a.maxExp / 2;
  const maxExp = a.maxExp;
  const dim4 = dim - (dim % 4);
  let rnd = (a.seed ^ 0x9e3779b9) >>> 0 || 1;
  const next = (): number => {
    rnd ^= rnd << 13;
    rnd ^= rnd >>> 17;
    rnd ^= rnd << 5;
    return rnd >>> 0;
  };
  const sen = new Int32Array(Math.max(1, a.longest));
  const neu1e = new Float32Array(dim);
  let alpha = a.alpha0;
  let processed = 0;
  let unreported = 0;
  let trained = 0;
  let pairs = 0;
  for (let epoch = 1; epoch <= a.epochs; epoch++) {
    let i = a.from;
    while (i < a.to) {
      // One document: subsample into `sen`.
      let len = 0;
      for (; i < a.to; i++) {
        const t = stream[i]!;
        if (t < 0) {
          i++;
          break;
        }
        if (counts[t]! <= 0) continue;
        processed++;
        unreported++;
        if (keep[t]! < next()) continue;
        sen[len++] = t;
      }
      trained += len;
      if (unreported >= 10_000) {
        const all = Atomics.add(progress, 0, unreported) + unreported;
        unreported = 0;
        alpha = a.alpha0 * Math.max(1e-4, 1 - all / (a.planned + 1));
        report?.(all, alpha, epoch);
      }
      for (let pos = 0; pos < len; pos++) {
        const word = sen[pos]!;
        const b = next() % window;
        const lo = Math.max(0, pos - window + b);
        const hi = Math.min(len - 1, pos + window - b);
        for (let c = lo; c <= hi; c++) {
          if (c === pos) continue;
          pairs++;
          const l1 = sen[c]! * dim;
          neu1e.fill(0);
          for (let d = 0; d <= negatives; d++) {
            let target: number;
            let label: number;
            if (d === 0) {
              target = word;
              label = 1;
            } else {
              target = table[next() % tableSize]!;
              if (target === word) continue;
              label = 0;
            }
            const l2 = target * dim;
            // Unrolled by 4 with separate accumulators: V8 does not vectorize, this is ~1.4x.
            let f0 = 0;
            let f1 = 0;
            let f2 = 0;
            let f3 = 0;
            let k = 0;
            for (; k < dim4; k += 4) {
              f0 += syn0[l1 + k]! * syn1[l2 + k]!;
              f1 += syn0[l1 + k + 1]! * syn1[l2 + k + 1]!;
              f2 += syn0[l1 + k + 2]! * syn1[l2 + k + 2]!;
              f3 += syn0[l1 + k + 3]! * syn1[l2 + k + 3]!;
            }
            for (; k < dim; k++) f0 += syn0[l1 + k]! * syn1[l2 + k]!;
            const f = f0 + f1 + f2 + f3;
            let g: number;
            if (f > maxExp) g = (label - 1) * alpha;
            else if (f < -maxExp) g = label * alpha;
            else g = (label - expTable[((f + maxExp) * expScale) | 0]!) * alpha;
            for (k = 0; k < dim4; k += 4) {
              const x0 = syn1[l2 + k]!;
              const x1 = syn1[l2 + k + 1]!;
              const x2 = syn1[l2 + k + 2]!;
              const x3 = syn1[l2 + k + 3]!;
              neu1e[k] = neu1e[k]! + g * x0;
              neu1e[k + 1] = neu1e[k + 1]! + g * x1;
              neu1e[k + 2] = neu1e[k + 2]! + g * x2;
              neu1e[k + 3] = neu1e[k + 3]! + g * x3;
              syn1[l2 + k] = x0 + g * syn0[l1 + k]!;
              syn1[l2 + k + 1] = x1 + g * syn0[l1 + k + 1]!;
              syn1[l2 + k + 2] = x2 + g * syn0[l1 + k + 2]!;
              syn1[l2 + k + 3] = x3 + g * syn0[l1 + k + 3]!;
            }
            for (; k < dim; k++) {
              const x = syn1[l2 + k]!;
              neu1e[k] = neu1e[k]! + g * x;
              syn1[l2 + k] = x + g * syn0[l1 + k]!;
            }
          }
          for (let k = 0; k < dim; k++) syn0[l1 + k] = syn0[l1 + k]! + neu1e[k]!;
        }
      }
    }
  }
  Atomics.add(progress, 0, unreported);
  return { processed, trained, pairs };
}

/** Shared set-up of a run: initial vectors, tables, stream statistics. */
function prepare(stream: Int32Array, counts: readonly number[], o: SkipGramOptions, shared: boolean): KernelArgs {
  const V = counts.length;
  const dim = o.dim;
  if (!(dim > 0 && o.window > 0 && o.negatives >= 0 && o.epochs > 0)) throw new Error('skip-gram: dim, window and epochs must be positive');
  const floats = (n: number): Float32Array => (shared ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n));
  // Initial vectors from their own generator, so they do not depend on the thread count.
  let r = (o.seed * 2654435761) >>> 0 || 1;
  const syn0 = floats(V * dim);
  for (let i = 0; i < syn0.length; i++) {
    r ^= r << 13;
    r ^= r >>> 17;
    r ^= r << 5;
    syn0[i] = ((r >>> 0) / 2 ** 32 - 0.5) / dim;
  }
  const syn1 = floats(V * dim);
  let total = 0;
  for (const c of counts) if (c > 0) total += c;
  const keep = new Float64Array(V);
  for (let i = 0; i < V; i++) {
    const c = counts[i]!;
    if (c <= 0) continue;
    const f = c / total;
    keep[i] = o.sample > 0 ? Math.min(1, (Math.sqrt(f / o.sample) + 1) * (o.sample / f)) * 2 ** 32 : 2 ** 32;
  }
  let streamTokens = 0;
  let longest = 0;
  let run = 0;
  for (let i = 0; i < stream.length; i++) {
    const t = stream[i]!;
    if (t < 0) {
      longest = Math.max(longest, run);
      run = 0;
    } else {
      run++;
      if (counts[t]! > 0) streamTokens++;
    }
  }
  longest = Math.max(longest, run);
  return {
    syn0,
    syn1,
    stream,
    from: 0,
    to: stream.length,
    counts: Float64Array.from(counts),
    keep,
    table: unigramTable(counts),
    expTable: sigmoidTable(),
    dim,
    window: o.window,
    negatives: o.negatives,
    epochs: o.epochs,
    alpha0: o.learningRate,
    planned: streamTokens * o.epochs,
    longest,
    seed: o.seed,
    progress: new Int32Array(new SharedArrayBuffer(4)),
    maxExp: MAX_EXP,
  };
}

function statsOf(a: KernelArgs, r: { processed: number; trained: number; pairs: number }, seconds: number): SkipGramStats {
  return { streamTokens: a.planned / a.epochs, processedTokens: r.processed, trainedTokens: r.trained, pairs: r.pairs, seconds, tokensPerSecond: r.processed / Math.max(1e-9, seconds) };
}

/**
 * Train input vectors over `stream` (word ids, `-1` between documents) on this thread. `counts[id]`
 * is the word's corpus count; ids whose count is 0 (reserved and unknown words) are skipped in the
 * text and never drawn as negatives, so their vectors keep their random initial values.
 * Deterministic: the same seed gives the same vectors, bit for bit.
 * Returns the input vectors, `counts.length` rows of `dim` floats.
 */
export function trainSkipGram(stream: Int32Array, counts: readonly number[], o: SkipGramOptions, onProgress?: (p: SkipGramProgress) => void): { vectors: Float32Array; stats: SkipGramStats } {
  const a = prepare(stream, counts, o, false);
  const t0 = performance.now();
  let lastReport = 0;
  const r = sgnsKernel(a, (processed, alpha, epoch) => {
    if (processed - lastReport < 1_000_000) return;
    lastReport = processed;
    const elapsed = (performance.now() - t0) / 1000;
    onProgress?.({ epoch, processed, total: a.planned, learningRate: alpha, tokensPerSecond: processed / Math.max(1e-9, elapsed), elapsedSeconds: elapsed });
  });
  return { vectors: a.syn0, stats: statsOf(a, r, (performance.now() - t0) / 1000) };
}

/**
 * The same training on `threads` worker threads over shared memory, each on its share of the
 * documents, updating the vectors without locks (Hogwild, as word2vec's threads do). About
 * `threads` times faster on free cores, but not deterministic: threads race on shared rows.
 * `threads` 1 runs `trainSkipGram` on this thread.
 */
export async function trainSkipGramThreads(
  stream: Int32Array,
  counts: readonly number[],
  o: SkipGramOptions,
  threads: number,
  onProgress?: (p: SkipGramProgress) => void,
  signal?: AbortSignal,
): Promise<{ vectors: Float32Array; stats: SkipGramStats }> {
  if (threads <= 1) return trainSkipGram(stream, counts, o, onProgress);
  const { Worker } = await import('node:worker_threads');
  const sharedStream = new Int32Array(new SharedArrayBuffer(stream.byteLength));
  sharedStream.set(stream);
  const a = prepare(sharedStream, counts, o, true);
  // Cut at document breaks into parts of about equal length.
  const cuts = [0];
  for (let k = 1; k < threads; k++) {
    let at = Math.max(cuts[k - 1]!, Math.floor((stream.length * k) / threads));
    while (at < stream.length && stream[at - 1] !== -1) at++;
    cuts.push(at);
  }
  cuts.push(stream.length);
  const source = `const { parentPort, workerData } = require('node:worker_threads');
const sgnsKernel = ${sgnsKernel.toString()};
parentPort.postMessage(sgnsKernel(workerData));`;
  const t0 = performance.now();
  const workers = Array.from({ length: threads }, (_, k) => new Worker(source, { eval: true, workerData: { ...a, from: cuts[k]!, to: cuts[k + 1]!, seed: o.seed + 7919 * k } satisfies KernelArgs }));
  const onAbort = (): void => void workers.forEach((w) => void w.terminate());
  signal?.addEventListener('abort', onAbort);
  const timer = setInterval(() => {
    const processed = Atomics.load(a.progress, 0);
    const elapsed = (performance.now() - t0) / 1000;
    const alpha = o.learningRate * Math.max(1e-4, 1 - processed / (a.planned + 1));
    onProgress?.({ epoch: Math.min(o.epochs, 1 + Math.floor((processed * o.epochs) / Math.max(1, a.planned))), processed, total: a.planned, learningRate: alpha, tokensPerSecond: processed / Math.max(1e-9, elapsed), elapsedSeconds: elapsed });
  }, 10_000);
  try {
    const results = await Promise.all(
      workers.map(
        (w) =>
          new Promise<{ processed: number; trained: number; pairs: number }>((resolve, reject) => {
            w.once('message', resolve);
            w.once('error', reject);
            w.once('exit', (code) => reject(new Error(signal?.aborted ? 'skip-gram training cancelled' : `skip-gram worker exited with code ${code}`)));
          }),
      ),
    );
    const sum = results.reduce((x, y) => ({ processed: x.processed + y.processed, trained: x.trained + y.trained, pairs: x.pairs + y.pairs }));
    const vectors = new Float32Array(a.syn0.length);
    vectors.set(a.syn0);
    return { vectors, stats: statsOf(a, sum, (performance.now() - t0) / 1000) };
  } finally {
    clearInterval(timer);
    signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Cosine similarity of rows `a` and `b` of a [rows, dim] matrix (0 for a zero row). */
export function cosine(vectors: Float32Array, dim: number, a: number, b: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let k = 0; k < dim; k++) {
    const x = vectors[a * dim + k]!;
    const y = vectors[b * dim + k]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

/** The `k` rows most similar to row `id` by cosine, among rows `from..` (the row itself excluded). */
export function nearest(vectors: Float32Array, dim: number, id: number, k: number, from = 0): { id: number; cosine: number }[] {
  const rows = vectors.length / dim;
  const scored: { id: number; cosine: number }[] = [];
  for (let r = from; r < rows; r++) if (r !== id) scored.push({ id: r, cosine: cosine(vectors, dim, id, r) });
  return scored.sort((x, y) => y.cosine - x.cosine).slice(0, k);
}
