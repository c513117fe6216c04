/**
 * The fuzzy step of normalization: character n-gram TF-IDF vectors and cosine similarity over a
 * list of names (the sparse half of BioSyn, Sung et al. 2020, reimplemented: no code taken).
 *
 * Names and queries are compared in a normalized spelling: NFKC, Greek letters spelled out,
 * lowercase, letter and digit runs (each English plural singularized) joined by single spaces and
 * padded with a space on each side, so word boundaries count as characters. Weights are
 * `tf · idf` with the smoothed `idf = ln((1 + N) / (1 + df)) + 1`, vectors L2-normalized, so a
 * score is a cosine in [0, 1].
 */
import { singular, spellGreek } from './lexicon';

/** The spelling names and queries are compared in (see the module comment). */
export function fuzzyForm(s: string): string {
  const runs = spellGreek(s).match(/[\p{L}\p{M}]+|\p{N}+/gu) ?? [];
  return ` ${runs.map(singular).join(' ')} `;
}

/** A scored match: the index of the name (in the order added) and its cosine. */
export interface FuzzyHit {
  index: number;
  score: number;
}

/** Character n-gram TF-IDF index over names; `add` all names, `finish`, then `query`. */
export class CharNgramIndex {
  private readonly gramIds = new Map<string, number>();
  private docs: Map<number, number>[] = [];
  private postings: { doc: Int32Array; weight: Float32Array }[] = [];
  private idf: Float32Array = new Float32Array(0);
  private finished = false;
  /** Score accumulator reused by `query` (all zeros between calls). */
  private scores: Float32Array = new Float32Array(0);

  /** @param n n-gram length in characters (3 by default). */
  constructor(private readonly n = 3) {}

  /** Number of names added. */
  get size(): number {
    return this.finished ? this.count : this.docs.length;
  }

  private count = 0;

  private grams(text: string, create: boolean): Map<number, number> {
    const f = fuzzyForm(text);
    const out = new Map<number, number>();
    for (let i = 0; i + this.n <= f.length; i++) {
      const g = f.slice(i, i + this.n);
      let id = this.gramIds.get(g);
      if (id === undefined) {
        if (!create) continue;
        id = this.gramIds.size;
        this.gramIds.set(g, id);
      }
      out.set(id, (out.get(id) ?? 0) + 1);
    }
    return out;
  }

  /** Add a name; returns its index. */
  add(name: string): number {
    if (this.finished) throw new Error('CharNgramIndex: add after finish');
    this.docs.push(this.grams(name, true));
    return this.docs.length - 1;
  }

  /** Compute idf and the normalized posting lists (no more `add` after this). */
  finish(): void {
    const N = this.docs.length;
    const df = new Int32Array(this.gramIds.size);
    for (const d of this.docs) for (const g of d.keys()) df[g]!++;
    this.idf = new Float32Array(df.length);
    for (let g = 0; g < df.length; g++) this.idf[g] = Math.log((1 + N) / (1 + df[g]!)) + 1;
    const fill = new Int32Array(df.length);
    this.postings = Array.from(df, (n) => ({ doc: new Int32Array(n), weight: new Float32Array(n) }));
    this.docs.forEach((d, i) => {
      let norm = 0;
      for (const [g, tf] of d) norm += (tf * this.idf[g]!) ** 2;
      norm = Math.sqrt(norm) || 1;
      for (const [g, tf] of d) {
        const p = this.postings[g]!;
        const k = fill[g]!++;
        p.doc[k] = i;
        p.weight[k] = (tf * this.idf[g]!) / norm;
      }
    });
    this.count = N;
    this.docs = [];
    this.finished = true;
  }

  /**
   * The `k` best names with cosine ≥ `minScore`, best first (ties by index). `accept` filters
   * names by index before ranking.
   */
  query(text: string, minScore: number, k = 5, accept?: (index: number) => boolean): FuzzyHit[] {
    if (!this.finished) throw new Error('CharNgramIndex: query before finish');
    const q = this.grams(text, false);
    let norm = 0;
    const full = fuzzyForm(text);
    // Query grams unknown to the index still count in the query's norm.
    const total = new Map<string, number>();
    for (let i = 0; i + this.n <= full.length; i++) total.set(full.slice(i, i + this.n), (total.get(full.slice(i, i + this.n)) ?? 0) + 1);
    const maxIdf = Math.log(1 + this.count) + 1;
    for (const [g, tf] of total) {
      const id = this.gramIds.get(g);
      norm += (tf * (id === undefined ? maxIdf : this.idf[id]!)) ** 2;
    }
    norm = Math.sqrt(norm);
    if (norm === 0) return [];
    if (this.scores.length !== this.count) this.scores = new Float32Array(this.count);
    const scores = this.scores;
    const touched: number[] = [];
    for (const [g, tf] of q) {
      const w = (tf * this.idf[g]!) / norm;
      const p = this.postings[g]!;
      for (let j = 0; j < p.doc.length; j++) {
        const d = p.doc[j]!;
        if (scores[d] === 0) touched.push(d);
        scores[d]! += w * p.weight[j]!;
      }
    }
    const hits: FuzzyHit[] = [];
    for (const index of touched) {
      const score = scores[index]!;
      scores[index] = 0;
      if (score >= minScore && (!accept || accept(index))) hits.push({ index, score });
    }
    hits.sort((a, b) => b.score - a.score || a.index - b.index);
    return hits.slice(0, k);
  }
}
