/**
 * Precision / recall / F1 from raw true-positive, false-positive and false-negative counts.
 *
 * Convention, everywhere in the evaluation code: the counts are kept raw and the three scores are
 * PERCENTAGES in [0, 100], unrounded (round only when printing). A ratio with a zero denominator
 * is 0, never NaN: no predictions gives P = 0, no gold gives R = 0, and P = R = 0 gives F1 = 0.
 * (Some toolkits print 100 for "nothing to find and nothing found"; we do not, so a run that
 * predicts nothing on an empty set can never look perfect.)
 */

/** Raw counts of one comparison. */
export interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

/** Raw counts plus precision, recall and F1 as percentages in [0, 100]. */
export interface Prf extends Counts {
  precision: number;
  recall: number;
  f1: number;
}

/** `num / den * 100`, or 0 when `den` is 0. */
function percent(num: number, den: number): number {
  return den === 0 ? 0 : (100 * num) / den;
}

/** P/R/F1 (percentages, 0 for empty denominators) of raw counts. */
export function prf(c: Counts): Prf {
  const precision = percent(c.tp, c.tp + c.fp);
  const recall = percent(c.tp, c.tp + c.fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { tp: c.tp, fp: c.fp, fn: c.fn, precision, recall, f1 };
}

/**
 * Per-label tallies whose micro average sums the counts of all labels.
 * Labels listed at construction always appear in `byType` (with zeros when never seen), so a
 * report shows every official type even when a run never predicts it.
 */
export class TypedCounter {
  private readonly counts = new Map<string, Counts>();

  constructor(labels: readonly string[] = []) {
    for (const l of labels) this.row(l);
  }

  /** Add `n` (default 1) true positives of `label`. */
  tp(label: string, n = 1): void {
    this.row(label).tp += n;
  }

  /** Add `n` (default 1) false positives of `label` (the predicted label). */
  fp(label: string, n = 1): void {
    this.row(label).fp += n;
  }

  /** Add `n` (default 1) false negatives of `label` (the gold label). */
  fn(label: string, n = 1): void {
    this.row(label).fn += n;
  }

  /** Micro average: P/R/F1 of the counts summed over all labels. */
  micro(): Prf {
    const sum: Counts = { tp: 0, fp: 0, fn: 0 };
    for (const c of this.counts.values()) {
      sum.tp += c.tp;
      sum.fp += c.fp;
      sum.fn += c.fn;
    }
    return prf(sum);
  }

  /** One P/R/F1 row per label, in first-seen order (constructor labels first). */
  byType(): Record<string, Prf> {
    const out: Record<string, Prf> = {};
    for (const [label, c] of this.counts) out[label] = prf(c);
    return out;
  }

  /**
   * Macro average: the unweighted mean of the per-label F1 (and P, R) over the labels that occur
   * in gold or predictions. Not the official number of any task here; printed for imbalance.
   */
  macro(): { precision: number; recall: number; f1: number } {
    const rows = [...this.counts.values()].filter((c) => c.tp + c.fp + c.fn > 0).map(prf);
    if (rows.length === 0) return { precision: 0, recall: 0, f1: 0 };
    const mean = (f: (r: Prf) => number): number => rows.reduce((s, r) => s + f(r), 0) / rows.length;
    return { precision: mean((r) => r.precision), recall: mean((r) => r.recall), f1: mean((r) => r.f1) };
  }

  private row(label: string): Counts {
    let c = this.counts.get(label);
    if (!c) {
      c = { tp: 0, fp: 0, fn: 0 };
      this.counts.set(label, c);
    }
    return c;
  }
}
