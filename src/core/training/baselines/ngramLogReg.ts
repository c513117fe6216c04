/**
 * The classical floor under every neural number: multinomial logistic regression on hashed
 * n-gram features of the same candidates (same documents, splits, entity blinding and official
 * scorer as the CNN and the transformer), trained by plain SGD in TypeScript — seconds per epoch.
 *
 * Features per candidate, from its blinded word sequence (DRUG1 … DRUG2 …, see inference/relations/cnnRelationModel.ts):
 * words and bigrams between the two arguments (the strongest signal for relation type), up to
 * three words before the first and after the second argument, bigrams of the whole evidence,
 * the number of words between the arguments (bucketed) and whether other entities sit between.
 */
import type { Document } from '../../document/document';
import { generateAllCandidates } from '../../tasks/candidates';
import type { TaskName } from '../../tasks/definitions';
import { rng } from '../../engine/initialize';
import { BLIND_OTHER_ID, type WordVocab } from '../../wordvec/wordVocab';
import { encodeCnnCandidates, type CnnExample } from '../../inference/relations/cnnRelationModel';
import { scoreCandidatePredictions } from '../../evaluation/candidateScores';
import { softmaxPrediction, type RelationPrediction } from '../../inference/relations/relationPrediction';
import { taskDocuments } from '../../corpora/taskSplits';
import { taskLabels } from '../../tasks/definitions';

export interface NgramConfig {
  task: TaskName;
  /** log2 of the hashed feature space. */
  hashBits: number;
  epochs: number;
  learningRate: number;
  l2: number;
  /** Loss weight of `none` examples (recall vs precision). */
  noneWeight: number;
  devShare: number;
  trainShare: number;
  seed: number;
}

export const NGRAM_DEFAULTS: NgramConfig = { task: 'ddi', hashBits: 20, epochs: 8, learningRate: 0.2, l2: 1e-6, noneWeight: 0.3, devShare: 0.1, trainShare: 1, seed: 1337 };

/** Defaults < `key=value` overrides; unknown keys and non-numbers are errors. */
export function resolveNgramConfig(overrides: readonly string[]): NgramConfig {
  const c: Record<string, unknown> = { ...NGRAM_DEFAULTS };
  for (const o of overrides) {
    const eq = o.indexOf('=');
    const k = o.slice(0, eq);
    const v = o.slice(eq + 1);
    if (eq <= 0 || !(k in c)) throw new Error(`baseline: unknown key=value "${o}" (keys: ${Object.keys(c).join(', ')})`);
    if (typeof c[k] === 'number') {
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n)) throw new Error(`baseline: ${k} needs a number, got "${v}"`);
      c[k] = n;
    } else c[k] = v;
  }
  return c as unknown as NgramConfig;
}

/** FNV-1a over small integers, into `bits` bits. */
function hash(parts: readonly number[], bits: number): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h ^= p & 0xffff;
    h = Math.imul(h, 0x01000193);
    h ^= p >>> 16;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & ((1 << bits) - 1);
}

/** Hashed feature indexes of one encoded candidate (positions: pos === maxDistance at an argument). */
export function ngramFeatures(e: CnnExample, maxDistance: number, bits: number): Int32Array {
  const w = e.words;
  const n = w.length;
  const heads: number[] = [];
  const tails: number[] = [];
  for (let i = 0; i < n; i++) {
    if (e.pos1[i] === maxDistance) heads.push(i);
    if (e.pos2[i] === maxDistance) tails.push(i);
  }
  const a = Math.min(heads[0] ?? 0, tails[0] ?? 0);
  const b = Math.max(heads[0] ?? 0, tails[0] ?? 0);
  const f: number[] = [hash([0], bits)];
  for (let i = a + 1; i < b; i++) {
    f.push(hash([1, w[i]!], bits));
    if (i + 1 < b) f.push(hash([2, w[i]!, w[i + 1]!], bits));
  }
  for (let i = Math.max(0, a - 3); i < a; i++) f.push(hash([3, w[i]!], bits));
  for (let i = b + 1; i < Math.min(n, b + 4); i++) f.push(hash([4, w[i]!], bits));
  for (let i = 0; i + 1 < n; i++) f.push(hash([5, w[i]!, w[i + 1]!], bits));
  const gap = b - a - 1;
  f.push(hash([6, gap <= 0 ? 0 : gap <= 3 ? 1 : gap <= 6 ? 2 : gap <= 12 ? 3 : gap <= 25 ? 4 : 5], bits));
  let others = 0;
  for (let i = a + 1; i < b; i++) if (w[i] === BLIND_OTHER_ID) others++;
  f.push(hash([7, Math.min(others, 3)], bits));
  f.push(hash([8, heads[0]! <= tails[0]! ? 0 : 1], bits));
  return Int32Array.from(f);
}

/** A trained model: weights [features, classes] plus a bias. */
export class NgramLogReg {
  readonly w: Float32Array;
  readonly bias: Float32Array;

  constructor(
    readonly bits: number,
    readonly classes: number,
  ) {
    this.w = new Float32Array((1 << bits) * classes);
    this.bias = new Float32Array(classes);
  }

  logits(f: Int32Array): number[] {
    const C = this.classes;
    const z = Array.from(this.bias);
    for (const j of f) for (let c = 0; c < C; c++) z[c]! += this.w[j * C + c]!;
    return z;
  }

  predict(f: Int32Array): RelationPrediction {
    return softmaxPrediction(this.logits(f));
  }

  /** One SGD step on the weighted cross-entropy of one example (L2 applied lazily to touched rows). */
  update(f: Int32Array, label: number, weight: number, lr: number, l2: number): void {
    const C = this.classes;
    const p = this.predict(f).probs;
    for (let c = 0; c < C; c++) {
      const g = weight * (p[c]! - (c === label ? 1 : 0));
      this.bias[c]! -= lr * g;
      for (const j of f) this.w[j * C + c]! -= lr * (g + l2 * this.w[j * C + c]!);
    }
  }
}

export interface NgramResult {
  config: NgramConfig;
  dev: { precision: number; recall: number; f1: number; epoch: number };
  test: { precision: number; recall: number; f1: number; byType: Record<string, { precision: number; recall: number; f1: number }> };
  examples: { train: number; dev: number; test: number };
  seconds: number;
}

const r2 = (x: number): number => +x.toFixed(2);

/** Train on the task's training documents, pick the epoch by dev F1 (official scorer), score test once. */
export async function runNgramBaseline(c: NgramConfig, vocab: WordVocab, log: (s: string) => void = () => {}): Promise<NgramResult> {
  const t0 = performance.now();
  const docs = await taskDocuments(c.task, c);
  const enc = { blinding: true, maxWords: 150, maxDistance: 50 };
  const encode = (ds: Document[]): { ex: CnnExample[]; f: Int32Array[] } => {
    const ex = encodeCnnCandidates(vocab, ds, generateAllCandidates(c.task, ds), c.task, enc);
    return { ex, f: ex.map((e) => ngramFeatures(e, enc.maxDistance, c.hashBits)) };
  };
  const train = encode(docs.train);
  const dev = encode(docs.dev);
  const test = encode(docs.test);
  const C = taskLabels(c.task).length;
  const model = new NgramLogReg(c.hashBits, C);
  const random = rng(c.seed);
  const order = train.ex.map((_, i) => i);
  let best = { f1: -1, epoch: 0, precision: 0, recall: 0, w: new Float32Array(0), bias: new Float32Array(0) };
  for (let epoch = 1; epoch <= c.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const lr = c.learningRate / (1 + epoch - 1);
    for (const i of order) {
      const e = train.ex[i]!;
      model.update(train.f[i]!, e.label, e.label === 0 ? c.noneWeight : 1, lr, c.l2);
    }
    const s = scoreCandidatePredictions(c.task, docs.dev, dev.ex.map((e) => e.candidate), dev.f.map((f) => model.predict(f))).micro;
    log(`epoch ${epoch}: dev P ${s.precision.toFixed(1)} R ${s.recall.toFixed(1)} F1 ${s.f1.toFixed(2)}`);
    if (s.f1 > best.f1) best = { f1: s.f1, epoch, precision: s.precision, recall: s.recall, w: Float32Array.from(model.w), bias: Float32Array.from(model.bias) };
  }
  model.w.set(best.w);
  model.bias.set(best.bias);
  const s = scoreCandidatePredictions(c.task, docs.test, test.ex.map((e) => e.candidate), test.f.map((f) => model.predict(f)));
  return {
    config: c,
    dev: { precision: r2(best.precision), recall: r2(best.recall), f1: r2(best.f1), epoch: best.epoch },
    test: { precision: r2(s.micro.precision), recall: r2(s.micro.recall), f1: r2(s.micro.f1), byType: Object.fromEntries(Object.entries(s.byType).map(([k, v]) => [k, { precision: r2(v.precision), recall: r2(v.recall), f1: r2(v.f1) }])) },
    examples: { train: train.ex.length, dev: dev.ex.length, test: test.ex.length },
    seconds: r2((performance.now() - t0) / 1000),
  };
}
