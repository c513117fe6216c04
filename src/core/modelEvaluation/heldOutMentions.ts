/**
 * A tagger folder's strict mention F1 on the held-out documents of its training run: the score
 * `ner train` selects on, computed here from an exported folder (the tagger alone: no mention
 * rules, no document consistency), so that folders built after training, such as ensembles
 * (`ner ensemble`), are compared with their members by the same rule and on the same documents.
 * Never reads a test split (recordedHeldOut refuses one).
 */
import { loadSplit } from '../corpora/registry';
import { prf, type Counts } from '../evaluation/prf';
import { isHeldOut } from '../inference/mentions/nerExamples';
import { loadNerTagger } from '../inference/mentions/nerTagger';
import type { NerType } from '../inference/mentions/tags';
import { readModelConfig } from '../inference/modelFolders';
import { recordedHeldOut } from './calibrateMentions';
import { scoreMentions, tagBareDocuments } from './evaluateMentions';

export interface HeldOutMentionScore {
  model: string;
  precision: number;
  recall: number;
  f1: number;
  /** F1 per training source (`corpus:split`) and per mention type, over all sources. */
  bySource: Record<string, number>;
  byType: Record<string, number>;
  documents: number;
}

const round = (x: number): number => Math.round(x * 100) / 100;
/** The report's precision, recall and F1 (evaluation/prf.ts), rounded to two decimals. */
const rounded = (c: Counts): { precision: number; recall: number; f1: number } => {
  const r = prf(c);
  return { precision: round(r.precision), recall: round(r.recall), f1: round(r.f1) };
};
const add = (into: Counts, c: Counts): void => {
  into.tp += c.tp;
  into.fp += c.fp;
  into.fn += c.fn;
};

export async function scoreHeldOutMentions(modelDir: string, options: { threads?: number; onLog?: (line: string) => void } = {}): Promise<HeldOutMentionScore> {
  const { sources, share } = recordedHeldOut(modelDir, readModelConfig(modelDir));
  const tagger = await loadNerTagger(modelDir, { withoutRules: true, ...(options.threads === undefined ? {} : { threads: options.threads }) });
  const total: Counts = { tp: 0, fp: 0, fn: 0 };
  const byType = new Map<NerType, Counts>();
  const bySource: Record<string, number> = {};
  let documents = 0;
  try {
    for (const s of sources) {
      const docs = (await loadSplit(s.corpus, s.split)).documents.filter((d) => isHeldOut(d.id, share));
      const raw = await tagBareDocuments(tagger, docs, { types: s.types, consistency: false, rawScores: true, mentionRules: false });
      const scored = scoreMentions(docs, raw, s.types);
      add(total, scored.micro);
      for (const t of s.types) {
        const c = byType.get(t) ?? { tp: 0, fp: 0, fn: 0 };
        add(c, scored.byType[t] ?? { tp: 0, fp: 0, fn: 0 });
        byType.set(t, c);
      }
      bySource[`${s.corpus}:${s.split}`] = rounded(scored.micro).f1;
      documents += docs.length;
      options.onLog?.(`${s.corpus}:${s.split}: ${docs.length} held-out documents, F1 ${rounded(scored.micro).f1}`);
    }
  } finally {
    await tagger.dispose();
  }
  return { model: modelDir, ...rounded(total), bySource, byType: Object.fromEntries([...byType].map(([t, c]) => [t, rounded(c).f1])), documents };
}
