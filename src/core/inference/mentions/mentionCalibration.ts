/**
 * Calibrated mention scores. The tagger's own score (the mean label probability of a mention's
 * tokens) is overconfident at the top and underconfident below 0.5, and a mention that
 * document-level consistency added has no score of its own; a curator needs the probability that
 * the mention is right (exact span and type). `biore ner calibrate` fits a Platt scaling of the
 * tagger's scores (one over all types unless asked for one per type) and one precision for the
 * added mentions on the run's held-out documents and records them in the folder's config.json
 * (`score_calibration`); the tagger applies them.
 */
import { plattScale, type PlattScaling } from '../../evaluation/calibration';
import { NER_TYPES, type NerType, type PredictedMention } from './tags';

/** config.json `score_calibration` of a tagger folder. */
export interface MentionScoreCalibration extends PlattScaling {
  kind: 'platt-logit';
  /** Per-type scalings; a type without one uses the all-types (a, b). */
  byType?: Partial<Record<NerType, PlattScaling>>;
  /** Smoothed precision, (correct + 1) / (added + 2), of the mentions consistency added. */
  propagated: number;
  /** The same for the mentions each mention rule added (mentionRules.ts), by rule name. */
  byRule?: Record<string, number>;
  /** Where it was fitted, for the reader of config.json. */
  fittedOn: string;
  mentions: number;
  propagatedMentions: number;
  /** ECE (%) on the fitting mentions before and after (10 equal-width bins). */
  eceBefore: number;
  eceAfter: number;
  eceByType?: Partial<Record<NerType, { mentions: number; before: number; after: number }>>;
}

export const MENTION_CALIBRATION_KEY = 'score_calibration';

/** The `source` attribute of the annotations the tagger writes. */
export const TAGGER_SOURCE = 'biore-ner';

/** Annotation attribute marking a mention that document-level consistency or a mention rule added. */
export const PROPAGATED_KEY = 'propagated';

/** Annotation attribute naming the mention rule that added a mention. */
export const RULE_KEY = 'rule';

/** The folder's calibration, undefined when it has none; throws naming the folder when malformed. */
export function readMentionCalibration(modelDir: string, cfg: Record<string, unknown>): MentionScoreCalibration | undefined {
  const c = cfg[MENTION_CALIBRATION_KEY] as Partial<MentionScoreCalibration> | undefined;
  if (c === undefined) return undefined;
  const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
  const scalings = Object.entries(c.byType ?? {});
  const ok =
    c.kind === 'platt-logit' &&
    [c.a, c.b, c.propagated].every(finite) &&
    c.propagated! >= 0 &&
    c.propagated! <= 1 &&
    (c.byType === undefined || (typeof c.byType === 'object' && c.byType !== null)) &&
    scalings.every(([t, v]) => (NER_TYPES as readonly string[]).includes(t) && finite(v?.a) && finite(v?.b)) &&
    (c.byRule === undefined || (typeof c.byRule === 'object' && c.byRule !== null && Object.values(c.byRule).every((v) => finite(v) && v >= 0 && v <= 1)));
  if (!ok) throw new Error(`${modelDir}/config.json: ${MENTION_CALIBRATION_KEY} must be {"kind":"platt-logit","a":…,"b":…,"propagated":0…1[,"byType":{"Chemical":{"a":…,"b":…},…}]} (refit it with \`biore ner calibrate --model ${modelDir}\`)`);
  return c as MentionScoreCalibration;
}

/** The calibrated probability that `m` is right (the scaling alone is enough: the fitting uses it before the record exists). */
export function calibratedMentionScore(m: Pick<PredictedMention, 'type' | 'score' | 'propagated' | 'addedByRule'>, c: Pick<MentionScoreCalibration, 'a' | 'b' | 'byType' | 'propagated' | 'byRule'>): number {
  const byRule = m.addedByRule === undefined ? undefined : c.byRule?.[m.addedByRule];
  if (byRule !== undefined) return byRule;
  return m.propagated ? c.propagated : plattScale(m.score, c.byType?.[m.type] ?? c);
}
