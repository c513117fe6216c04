/**
 * The CNN relation model at inference: a candidate becomes words (with entity blinding), two
 * relative-position ids per word and the closest argument pair (the piecewise pooling's cuts);
 * a forward session turns batches of them into calibrated predictions. Training (the graph,
 * the backend, the jobs) lives in src/core/training/cnnRelation/ and builds on this file.
 *
 * Per candidate, the evidence sentence becomes words (wordVocab.ts) with, optionally, entity
 * blinding: the head mention → DRUG1, the tail → DRUG2, every other entity mention → DRUG0.
 */
import type { Document, Span } from '../../document/document';
import { annotationExtent, documentText } from '../../document/document';
import type { HostTensor, ModelSession } from '../../runtime/session';
import { evidenceWindow, type Candidate } from '../../tasks/candidatePairs';
import { taskLabels, type TaskName } from '../../tasks/definitions';
import type { WordVocab} from '../../wordvec/wordVocab';
import { BLIND_HEAD_ID, BLIND_OTHER_ID, BLIND_TAIL_ID, PAD_ID, UNK_ID, tokenizeWords, type EncodedWord } from '../../wordvec/wordVocab';
import { softmaxPrediction, type RelationPrediction } from './relationPrediction';

// ---------------------------------------------------------------------------------- examples

/** One candidate as CNN input. */
export interface CnnExample {
  candidate: Candidate;
  /** Word ids in the vector vocabulary. */
  words: Int32Array;
  /** Relative distance to the nearest head / tail token, clipped to ±maxDistance, plus maxDistance. */
  pos1: Int32Array;
  pos2: Int32Array;
  /** Index into taskLabels (0 = none); in a multi-task model, into the task's own slice. */
  label: number;
  /** Multi-task models: which task (index into the model's task list). */
  taskId?: number;
  /** Token indexes of the closest head and tail tokens, in order (the piecewise pooling's cuts). */
  cuts: [number, number];
}

/** How candidates become words: blinding on or off, length cap, position clipping. */
export interface CnnEncodeOptions {
  blinding: boolean;
  maxWords: number;
  maxDistance: number;
}

const overlaps = (a: Span, b: Span): boolean => a.start < b.end && b.start < a.end;

/** Extents of an argument's mentions inside `win`. */
function mentionExtents(c: Candidate, side: 'head' | 'tail', win: Span): Span[] {
  return c[side].mentions.map((m) => ({ start: m.spans[0]!.start, end: m.spans[m.spans.length - 1]!.end })).filter((s) => s.start >= win.start && s.end <= win.end);
}

/** Signed distance from token `i` to the nearest anchor (sorted token indexes); 0 with no anchor. */
function distance(i: number, anchors: readonly number[]): number {
  let best = 0;
  let bestAbs = Infinity;
  for (const a of anchors) {
    const d = i - a;
    if (Math.abs(d) < bestAbs) {
      best = d;
      bestAbs = Math.abs(d);
    }
  }
  return best;
}
/** Encode one candidate of a document whose text is `text`. */
export function encodeCnnCandidate(vocab: WordVocab, doc: Document, text: string, c: Candidate, label: number, o: CnnEncodeOptions): CnnExample {
  const win = evidenceWindow(c);
  const heads = mentionExtents(c, 'head', win);
  const tails = mentionExtents(c, 'tail', win);
  const words = (from: number, to: number): EncodedWord[] => vocab.encode(tokenizeWords(text.slice(from, to), from));
  let tokens: EncodedWord[];
  const headIdx: number[] = [];
  const tailIdx: number[] = [];
  if (o.blinding) {
    const argIds = new Set([...c.head.mentions, ...c.tail.mentions].map((m) => m.id));
    const others: Span[] = [];
    for (const p of doc.passages) {
      if (p.offset > win.end || p.offset + p.text.length < win.start) continue;
      for (const a of p.annotations) {
        if (argIds.has(a.id)) continue;
        const e = annotationExtent(a);
        if (e.start >= win.start && e.end <= win.end) others.push(e);
      }
    }
    // Greedy by priority (head, tail, others; then by position): overlapping mentions collapse
    // into the first accepted one; a head or tail mention that loses points at the winner.
    const wanted = [...heads.map((s) => ({ ...s, id: BLIND_HEAD_ID })), ...tails.map((s) => ({ ...s, id: BLIND_TAIL_ID })), ...others.sort((a, b) => a.start - b.start).map((s) => ({ ...s, id: BLIND_OTHER_ID }))];
    const accepted: (Span & { id: number; alias: number[] })[] = [];
    for (const w of wanted) {
      const hit = accepted.find((a) => overlaps(a, w));
      if (hit) hit.alias.push(w.id);
      else accepted.push({ ...w, alias: [w.id] });
    }
    accepted.sort((a, b) => a.start - b.start);
    tokens = [];
    let cursor = win.start;
    for (const a of accepted) {
      tokens.push(...words(cursor, a.start));
      if (a.alias.includes(BLIND_HEAD_ID)) headIdx.push(tokens.length);
      if (a.alias.includes(BLIND_TAIL_ID)) tailIdx.push(tokens.length);
      tokens.push({ id: a.id, start: a.start, end: a.end });
      cursor = a.end;
    }
    tokens.push(...words(cursor, win.end));
  } else {
    tokens = words(win.start, win.end);
    tokens.forEach((t, i) => {
      if (heads.some((s) => overlaps(s, t))) headIdx.push(i);
      if (tails.some((s) => overlaps(s, t))) tailIdx.push(i);
    });
  }
  if (tokens.length === 0) tokens = [{ id: UNK_ID, start: win.start, end: win.start }];
  // Keep a window around both arguments when the sentence is too long.
  const n = tokens.length;
  let from = 0;
  if (n > o.maxWords) {
    const anchors = [...headIdx, ...tailIdx];
    const lo = anchors.length ? Math.min(...anchors) : 0;
    const hi = anchors.length ? Math.max(...anchors) : 0;
    from = hi - lo + 1 >= o.maxWords ? lo : Math.min(n - o.maxWords, Math.max(0, lo - Math.floor((o.maxWords - (hi - lo + 1)) / 2)));
  }
  const len = Math.min(n, o.maxWords);
  const M = o.maxDistance;
  const clip = (d: number): number => Math.max(-M, Math.min(M, d)) + M;
  const ex: CnnExample = { candidate: c, words: new Int32Array(len), pos1: new Int32Array(len), pos2: new Int32Array(len), label, cuts: closestPair(headIdx, tailIdx, from, len) };
  for (let k = 0; k < len; k++) {
    const i = from + k;
    ex.words[k] = tokens[i]!.id;
    ex.pos1[k] = clip(distance(i, headIdx));
    ex.pos2[k] = clip(distance(i, tailIdx));
  }
  return ex;
}

/**
 * The closest (head, tail) token pair, as window-relative indexes in order, clipped to the window;
 * [0, 0] without anchors. With several mentions per argument (document-level pairs) the closest
 * pair is the one a sentence most likely relates.
 */
function closestPair(heads: readonly number[], tails: readonly number[], from: number, len: number): [number, number] {
  let best: [number, number] = [0, 0];
  let gap = Infinity;
  for (const h of heads) {
    for (const t of tails) {
      if (Math.abs(h - t) < gap) {
        gap = Math.abs(h - t);
        best = [Math.min(h, t), Math.max(h, t)];
      }
    }
  }
  if (gap === Infinity) {
    const one = heads[0] ?? tails[0];
    if (one !== undefined) best = [one, one];
  }
  const clip = (i: number): number => Math.max(0, Math.min(len - 1, i - from));
  return [clip(best[0]), clip(best[1])];
}

/** Encode candidates of documents; each label is its gold label (or none). */
export function encodeCnnCandidates(vocab: WordVocab, docs: readonly Document[], candidates: readonly Candidate[], task: TaskName, o: CnnEncodeOptions): CnnExample[] {
  const labels = taskLabels(task);
  const byId = new Map(docs.map((d) => [d.id, { doc: d, text: documentText(d) }]));
  return candidates.map((c) => {
    const d = byId.get(c.documentId);
    if (!d) throw new Error(`candidate ${c.id}: document not found`);
    const li = labels.indexOf(c.label);
    if (li < 0) throw new Error(`candidate ${c.id}: label ${c.label} not in ${task} labels`);
    return encodeCnnCandidate(vocab, d.doc, d.text, c, li, o);
  });
}

// ---------------------------------------------------------------------------------- feeds and prediction

/**
 * Pad a batch into the model's input feeds. `tuneIndex` maps word ids to offset-table rows
 * (training and eval graphs); without it no tune_ids feed is made (exported model).
 */
export function cnnInputFeeds(batch: readonly CnnExample[], options: { tuneIndex?: Int32Array | undefined; piecewise?: boolean; padTo?: number | undefined } = {}): Record<string, HostTensor> {
  const { tuneIndex, piecewise = false } = options;
  const B = batch.length;
  // A graph with a static length (a BiLSTM's unrolled training graph) gets every batch padded to it.
  const T = Math.max(1, options.padTo ?? 1, ...batch.map((e) => e.words.length));
  const ids = new BigInt64Array(B * T).fill(BigInt(PAD_ID));
  const p1 = new BigInt64Array(B * T);
  const p2 = new BigInt64Array(B * T);
  const tune = new BigInt64Array(B * T);
  const mask = new Float32Array(B * T);
  batch.forEach((e, b) => {
    for (let t = 0; t < e.words.length; t++) {
      const w = e.words[t]!;
      ids[b * T + t] = BigInt(w);
      p1[b * T + t] = BigInt(e.pos1[t]!);
      p2[b * T + t] = BigInt(e.pos2[t]!);
      if (tuneIndex) tune[b * T + t] = BigInt(tuneIndex[w] ?? 0);
      mask[b * T + t] = 1;
    }
  });
  const f: Record<string, HostTensor> = {
    word_ids: { data: ids, dims: [B, T] },
    pos1: { data: p1, dims: [B, T] },
    pos2: { data: p2, dims: [B, T] },
    mask: { data: mask, dims: [B, T] },
  };
  if (tuneIndex) f['tune_ids'] = { data: tune, dims: [B, T] };
  if (piecewise) f['segments'] = { data: pieceMasks(batch, T), dims: [B, 3, T] };
  if (batch.some((e) => e.taskId !== undefined)) f['task_id'] = { data: BigInt64Array.from(batch, (e) => BigInt(e.taskId ?? 0)), dims: [B] };
  return f;
}

/** [B, 3, T] piece masks: left = up to the first cut, middle = between the cuts, right = from the second cut; inclusive. */
export function pieceMasks(batch: readonly CnnExample[], T: number): Float32Array {
  const m = new Float32Array(batch.length * 3 * T);
  batch.forEach((e, b) => {
    const [lo, hi] = e.cuts;
    for (let t = 0; t < e.words.length; t++) {
      if (t <= lo) m[(b * 3) * T + t] = 1;
      if (t >= lo && t <= hi) m[(b * 3 + 1) * T + t] = 1;
      if (t >= hi) m[(b * 3 + 2) * T + t] = 1;
    }
  });
  return m;
}

/** How predictCnn turns logits into probabilities. */
export interface CnnPredictOptions {
  tuneIndex?: Int32Array;
  extraFeeds?: (f: Record<string, HostTensor>, batch: readonly CnnExample[]) => void;
  batchSize?: number;
  /** Softmax temperature (calibration; default 1). */
  temperature?: number;
  /** Only logits [from, to) take part (a multi-task model's slice for one task); labels are relative to `from`. */
  classRange?: readonly [number, number];
}

/** Predictions of a forward session (batches sorted by length to cut padding). */
export async function predictCnn(session: ModelSession, examples: readonly CnnExample[], options: CnnPredictOptions = {}): Promise<RelationPrediction[]> {
  const bs = options.batchSize ?? 64;
  const order = examples.map((_, i) => i).sort((a, b) => examples[a]!.words.length - examples[b]!.words.length);
  const out: RelationPrediction[] = new Array<RelationPrediction>(examples.length);
  for (let s = 0; s < order.length; s += bs) {
    const idx = order.slice(s, s + bs);
    const batch = idx.map((i) => examples[i]!);
    const f = cnnInputFeeds(batch, { tuneIndex: options.tuneIndex, piecewise: session.inputNames.includes('segments') });
    options.extraFeeds?.(f, batch);
    const r = await session.run(f);
    const logits = r['logits']!.data as Float32Array;
    const C = r['logits']!.dims[1]!;
    const [from, to] = options.classRange ?? [0, C];
    idx.forEach((ex, b) => {
      out[ex] = softmaxPrediction(Array.from(logits.subarray(b * C + from, b * C + to)), options.temperature);
    });
  }
  return out;
}
