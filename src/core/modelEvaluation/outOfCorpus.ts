/**
 * How CID suggestions fare on abstracts that were not selected for holding chemical-induced
 * diseases: BioRED's test abstracts that are in no BC5CDR split (BioRED was built partly from
 * earlier corpora; shared PMIDs are left out), with BioRED's own chemical and disease mentions
 * and ids (MeSH, as in BC5CDR). A suggestion counts as right when BioRED relates the two concepts
 * in any way (any type, either direction): a generous judge, so the precision is an upper bound.
 * What is counted is what a curator sees: suggestions at or above the threshold, model and rules
 * alike; for comparison, the same with every rule firing at the model's own confidence and kept
 * whatever its score (the behaviour before the rules were calibrated).
 */
import { loadSplit } from '../corpora/registry';
import type { Document } from '../document/document';
import { loadRelationPredictor, type PredictedRelation } from '../inference/relations/relationPredictor';
import { DEFAULT_SETTINGS } from '../settings';

interface Tally {
  suggestions: number;
  right: number;
  precision: number;
}

export interface OutOfCorpusReport {
  corpus: string;
  split: string;
  documents: number;
  /** BioRED test documents left out because a BC5CDR split holds the same PMID. */
  leftOut: number;
  threshold: number;
  shown: Tally & { byRule: Record<string, Tally>; model: Tally };
  /** Every rule fires at the model's own confidence and bypasses the threshold (as before calibration). */
  uncalibratedRules: Tally & { byRule: Record<string, Tally> };
  model: string;
}

const tally = (n: number, right: number): Tally => ({ suggestions: n, right, precision: n ? +((100 * right) / n).toFixed(2) : 0 });

export async function cidOutOfCorpus(modelDir: string, options: { threads?: number; threshold?: number } = {}): Promise<OutOfCorpusReport> {
  const threshold = options.threshold ?? DEFAULT_SETTINGS.threshold;
  const cdrIds = new Set<string>();
  for (const split of ['train', 'dev', 'test']) for (const d of (await loadSplit('bc5cdr', split)).documents) cdrIds.add(d.id);
  const all = (await loadSplit('biored', 'test')).documents;
  const docs = all.filter((d) => !cdrIds.has(d.id));
  const predictor = await loadRelationPredictor(modelDir, options.threads === undefined ? {} : { threads: options.threads });
  const related = (d: Document): Set<string> => {
    const out = new Set<string>();
    for (const r of d.relations) {
      const ids = r.args.map((a) => a.ref.id);
      if (ids.length === 2) out.add(`${ids[0]}|${ids[1]}`).add(`${ids[1]}|${ids[0]}`);
    }
    return out;
  };
  const count = (preds: readonly PredictedRelation[], gold: Set<string>, keep: (p: PredictedRelation) => boolean, into: Map<string, [number, number]>): void => {
    for (const p of preds) {
      if (!keep(p)) continue;
      const right = gold.has(p.relation.args.map((a) => a.ref.id).join('|')) ? 1 : 0;
      for (const k of ['all', p.relation.attributes['rule'] ?? 'model']) {
        const t = into.get(k) ?? [0, 0];
        into.set(k, [t[0] + 1, t[1] + right]);
      }
    }
  };
  const shown = new Map<string, [number, number]>();
  const before = new Map<string, [number, number]>();
  try {
    for (const d of docs) {
      const gold = related(d);
      const view = { ...d, relations: [] };
      count(await predictor.predict(view, { task: 'cdr' }), gold, (p) => (p.relation.score ?? 0) >= threshold, shown);
      count(await predictor.predict(view, { task: 'cdr', rules: 'all' }), gold, (p) => (p.relation.score ?? 0) >= threshold || p.relation.attributes['rule'] !== undefined, before);
    }
  } finally {
    await predictor.dispose();
  }
  const get = (m: Map<string, [number, number]>, k: string): Tally => tally(...(m.get(k) ?? [0, 0]));
  const rulesOf = (m: Map<string, [number, number]>): Record<string, Tally> => Object.fromEntries([...m.keys()].filter((k) => k !== 'all' && k !== 'model').map((k) => [k, get(m, k)]));
  return {
    corpus: 'biored',
    split: 'test',
    documents: docs.length,
    leftOut: all.length - docs.length,
    threshold,
    shown: { ...get(shown, 'all'), model: get(shown, 'model'), byRule: rulesOf(shown) },
    uncalibratedRules: { ...get(before, 'all'), byRule: rulesOf(before) },
    model: modelDir,
  };
}
