/**
 * `biore ner calibrate`: fit a tagger folder's mention score calibration (mentionCalibration.ts) on
 * the held-out documents of its own training run: the sources and held-out share its config.json
 * records, the documents training selected on and never trained on. A mention counts as right
 * when a gold mention has its exact span and type, as the strict mention scorer counts it.
 */
import { findCorpus, loadSplit } from '../corpora/registry';
import { expectedCalibrationError, fitPlattScaling } from '../evaluation/calibration';
import { readModelConfig, writeModelConfig } from '../inference/modelFolders';
import { MENTION_CALIBRATION_KEY, calibratedMentionScore, type MentionScoreCalibration } from '../inference/mentions/mentionCalibration';
import { isHeldOut } from '../inference/mentions/nerExamples';
import { loadNerTagger } from '../inference/mentions/nerTagger';
import { NER_TYPES, type NerType } from '../inference/mentions/tags';
import { bareCopy, mentionScorePoints, type MentionScorePoint } from './evaluateMentions';

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;

/** Fit the calibration: Platt scaling for the tagger's mentions, a smoothed precision for the added ones. */
export function fitMentionCalibration(points: readonly MentionScorePoint[], fittedOn: string): MentionScoreCalibration {
  const own = points.filter((p) => !p.propagated);
  const added = points.filter((p) => p.propagated);
  const platt = fitPlattScaling(
    own.map((p) => p.score),
    own.map((p) => p.correct),
  );
  const right = added.filter((p) => p.correct).length;
  const c: MentionScoreCalibration = {
    kind: 'platt-logit',
    a: round(platt.a, 6),
    b: round(platt.b, 6),
    propagated: round((right + 1) / (added.length + 2)),
    fittedOn,
    mentions: own.length,
    propagatedMentions: added.length,
    eceBefore: 0,
    eceAfter: 0,
  };
  const correct = points.map((p) => p.correct);
  c.eceBefore = round(expectedCalibrationError(points.map((p) => p.score), correct).ece, 2);
  c.eceAfter = round(expectedCalibrationError(points.map((p) => calibratedMentionScore({ span: { start: 0, end: 0 }, type: 'Chemical', text: '', score: p.score, propagated: p.propagated }, c)), correct).ece, 2);
  return c;
}

interface RecordedSource {
  corpus: string;
  split: string;
  types: NerType[];
}

/** The training sources and held-out share a tagger folder records; throws naming the folder when it records none. */
export function recordedHeldOut(modelDir: string, cfg: Record<string, unknown>): { sources: RecordedSource[]; share: number } {
  const data = cfg['data'] as { sources?: Partial<RecordedSource>[]; heldOutShare?: unknown } | undefined;
  const share = data?.heldOutShare;
  const sources = data?.sources ?? [];
  if (typeof share !== 'number' || !(share > 0) || sources.length === 0) throw new Error(`${modelDir}/config.json: records no training sources with a held-out share (data.sources, data.heldOutShare), so there are no documents to calibrate on`);
  return {
    share,
    sources: sources.map((s, i) => {
      const info = typeof s.corpus === 'string' ? findCorpus(s.corpus) : undefined;
      const sp = info?.splits.find((x) => x.name === s.split);
      if (!info || !sp) throw new Error(`${modelDir}/config.json: data.sources[${i}] names no known corpus split (${String(s.corpus)}:${String(s.split)})`);
      if (sp.protectedTest || sp.role === 'test') throw new Error(`${modelDir}/config.json: data.sources[${i}] is the test split ${s.corpus}:${s.split}; a calibration is never fitted on test documents`);
      const types = (s.types ?? []).filter((t): t is NerType => (NER_TYPES as readonly string[]).includes(t));
      return { corpus: s.corpus!, split: s.split!, types };
    }),
  };
}

export interface MentionCalibrationReport extends MentionScoreCalibration {
  model: string;
  documents: number;
  seconds: number;
}

/** Fit the folder's calibration on its held-out documents and write it into its config.json. */
export async function calibrateTaggerFolder(modelDir: string, options: { threads?: number; signal?: AbortSignal; onLog?: (line: string) => void } = {}): Promise<MentionCalibrationReport> {
  const t0 = performance.now();
  const cfg = readModelConfig(modelDir);
  const { sources, share } = recordedHeldOut(modelDir, cfg);
  const tagger = await loadNerTagger(modelDir, options.threads === undefined ? {} : { threads: options.threads });
  const points: MentionScorePoint[] = [];
  let documents = 0;
  try {
    for (const s of sources) {
      const docs = (await loadSplit(s.corpus, s.split)).documents.filter((d) => isHeldOut(d.id, share));
      const chunk = 64;
      for (let i = 0; i < docs.length; i += chunk) {
        const part = docs.slice(i, i + chunk);
        const found = await tagger.tagDocuments(part.map(bareCopy), { types: s.types, rawScores: true, ...(options.signal ? { signal: options.signal } : {}) });
        part.forEach((d, k) => points.push(...mentionScorePoints(d, found[k]!, s.types)));
      }
      documents += docs.length;
      options.onLog?.(`${s.corpus}:${s.split}: ${docs.length} held-out documents`);
    }
  } finally {
    await tagger.dispose();
  }
  const fittedOn = `held-out documents (${share} of each training source by document-id hash) of ${sources.map((s) => `${s.corpus}:${s.split}`).join(', ')}`;
  const c = fitMentionCalibration(points, fittedOn);
  writeModelConfig(modelDir, { ...readModelConfig(modelDir), [MENTION_CALIBRATION_KEY]: c });
  return { ...c, model: modelDir, documents, seconds: round((performance.now() - t0) / 1000, 1) };
}
