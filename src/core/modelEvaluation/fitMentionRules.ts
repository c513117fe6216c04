/**
 * `biore ner fit-rules`: choose a tagger folder's decode-time mention rules (mentionRules.ts) on
 * the held-out documents of its own training run, the documents training selected on and never
 * trained on, and record them in its config.json (`mention_rules`).
 *
 * The rules follow one corpus's annotation guidelines where the training corpora disagree (BC5CDR
 * strips a chemical's isotope prefix, DrugProt keeps it), so they are chosen for a target corpus:
 * forward selection in a fixed order, a rule kept when it raises the strict mention F1 of the
 * target's held-out documents without lowering their concept-level normalization F1. What each step does to the other sources is printed and recorded
 * too, so the price elsewhere is on record.
 */
import * as path from 'node:path';
import { loadSplit } from '../corpora/registry';
import type { Document } from '../document/document';
import { propagateMentions } from '../inference/mentions/consistency';
import { MENTION_CALIBRATION_KEY } from '../inference/mentions/mentionCalibration';
import { MENTION_RULES_KEY, MENTION_RULE_NAMES, NO_MENTION_RULES, applyMentionRules, type MentionRuleContext, type MentionRules, type MentionRulesRecord } from '../inference/mentions/mentionRules';
import { isHeldOut } from '../inference/mentions/nerExamples';
import { TRAINED_NAMES_FILE, TRAINED_NAME_MIN_OCCURRENCES, TRAINED_NAME_MIN_SHARE, countTrainedNames, writeTrainedNames } from '../inference/mentions/trainedNames';
import { loadNerTagger } from '../inference/mentions/nerTagger';
import type { NerType, PredictedMention } from '../inference/mentions/tags';
import { readModelConfig, writeModelConfig } from '../inference/modelFolders';
import { recordedHeldOut } from './calibrateMentions';
import { bareCopy, scoreMentions, scorePredictedConcepts } from './evaluateMentions';
import * as fs from 'node:fs';
import { loadLexicon } from '../inference/normalization/conceptMatcher';
import { LEXICON_FILE } from '../inference/modelFolders';
import type { Lexicon } from '../inference/normalization/lexicon';

const round = (x: number): number => Math.round(x * 100) / 100;

interface HeldOutSource {
  name: string;
  corpus: string;
  types: NerType[];
  docs: Document[];
  /** The tagger's mentions before rules and consistency. */
  raw: PredictedMention[][];
}

interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

const f1 = (c: Counts): number => (c.tp === 0 ? 0 : round((200 * c.tp) / (2 * c.tp + c.fp + c.fn)));

/** Strict mention counts of one source with `rules` then consistency applied, as the tagger would. */
function sourceCounts(s: HeldOutSource, rules: MentionRules, context: MentionRuleContext, lex?: Lexicon): { mentions: Counts; concepts?: Counts } {
  const predicted = s.raw.map((ms, i) => propagateMentions(s.docs[i]!, applyMentionRules(s.docs[i]!, ms, rules, { ...context, types: s.types })).mentions);
  const { micro } = scoreMentions(s.docs, predicted, s.types);
  const mentions = { tp: micro.tp, fp: micro.fp, fn: micro.fn };
  if (!lex) return { mentions };
  const c = scorePredictedConcepts(s.docs, predicted, s.types, lex).micro;
  return { mentions, concepts: { tp: c.tp, fp: c.fp, fn: c.fn } };
}

/** Score thresholds `fit-rules` tries per type. */
export const MIN_SCORE_GRID = [0.5, 0.55, 0.6, 0.65, 0.7] as const;

export interface MentionRulesStep {
  rule: keyof MentionRules;
  type?: NerType;
  threshold?: number;
  /** Target held-out F1 without and with the rule (on top of the rules kept before it). */
  before: number;
  after: number;
  /** Target held-out concept F1 (the folder's lexicon) without and with it, when the folder has a lexicon. */
  conceptsBefore?: number | undefined;
  conceptsAfter?: number | undefined;
  kept: boolean;
  /** Every source's held-out F1 with the rule, on top of the rules kept before it. */
  bySource: Record<string, number>;
}

export interface MentionRulesReport extends MentionRulesRecord {
  model: string;
  documents: number;
  seconds: number;
}

/** Choose the folder's rules for `target` (a corpus among its training sources) and write them into its config.json. */
export async function fitTaggerRules(modelDir: string, options: { target?: string; threads?: number; onLog?: (line: string) => void } = {}): Promise<MentionRulesReport> {
  const t0 = performance.now();
  const target = options.target ?? 'bc5cdr';
  const cfg = readModelConfig(modelDir);
  const { sources, share } = recordedHeldOut(modelDir, cfg);
  if (!sources.some((s) => s.corpus === target)) throw new Error(`${modelDir}/config.json: ${target} is not among the training sources (${sources.map((s) => s.corpus).join(', ')}); choose a target corpus the tagger was trained on`);
  const tagger = await loadNerTagger(modelDir, { withoutRules: true, ...(options.threads === undefined ? {} : { threads: options.threads }) });
  const held: HeldOutSource[] = [];
  const targetTraining: Document[] = [];
  try {
    for (const s of sources) {
      const all = (await loadSplit(s.corpus, s.split)).documents;
      const docs = all.filter((d) => isHeldOut(d.id, share));
      if (s.corpus === target) targetTraining.push(...all.filter((d) => !isHeldOut(d.id, share)));
      const raw = await tagger.tagDocuments(
        docs.map(bareCopy),
        { types: s.types, consistency: false, rawScores: true, mentionRules: false },
      );
      held.push({ name: `${s.corpus}:${s.split}`, corpus: s.corpus, types: s.types, docs, raw });
      options.onLog?.(`${s.corpus}:${s.split}: ${docs.length} held-out documents`);
    }
  } finally {
    await tagger.dispose();
  }
  // The trained names come from the target's training documents only, so held-out F1 stays honest.
  const targetTypes = [...new Set(sources.filter((s) => s.corpus === target).flatMap((s) => s.types))];
  const trained = countTrainedNames(targetTraining, targetTypes);
  writeTrainedNames(path.join(modelDir, TRAINED_NAMES_FILE), trained, `names annotated in >= ${TRAINED_NAME_MIN_SHARE} of >= ${TRAINED_NAME_MIN_OCCURRENCES} word-boundary occurrences in the ${targetTraining.length} training documents (held-out ones excluded) of ${target}; written by biore ner fit-rules`);
  options.onLog?.(`${TRAINED_NAMES_FILE}: ${trained.length} names from ${targetTraining.length} ${target} training documents`);
  const context: MentionRuleContext = { gazetteer: tagger.gazetteer, trainedNames: new Map(trained.map((n) => [n.text, n.type])) };
  // Concepts (the folder's lexicon normalizing the mentions, per document) count too: a rule that
  // raises mention F1 but loses concepts (a threshold dropping the one mention of a disease) is not
  // kept. The lexicon holds the training annotations of these documents, so concept F1 here is
  // optimistic; only its change is used.
  const lexFile = path.join(modelDir, LEXICON_FILE);
  const lex = fs.existsSync(lexFile) ? loadLexicon(lexFile) : undefined;
  const evaluate = (rules: MentionRules): { target: number; concepts?: number; bySource: Record<string, number> } => {
    const total: Counts = { tp: 0, fp: 0, fn: 0 };
    const concepts: Counts = { tp: 0, fp: 0, fn: 0 };
    const bySource: Record<string, number> = {};
    for (const s of held) {
      const onTarget = s.corpus === target;
      const c = sourceCounts(s, rules, context, onTarget ? lex : undefined);
      bySource[s.name] = f1(c.mentions);
      if (!onTarget) continue;
      for (const k of ['tp', 'fp', 'fn'] as const) {
        total[k] += c.mentions[k];
        if (c.concepts) concepts[k] += c.concepts[k];
      }
    }
    return { target: f1(total), ...(lex ? { concepts: f1(concepts) } : {}), bySource };
  };
  const better = (r: ReturnType<typeof evaluate>, than: ReturnType<typeof evaluate>): boolean => r.target > than.target && (r.concepts ?? 0) >= (than.concepts ?? 0);
  let rules: MentionRules = { ...NO_MENTION_RULES };
  let current = evaluate(rules);
  const start = current;
  const steps: MentionRulesStep[] = [];
  for (const rule of MENTION_RULE_NAMES) {
    const candidate = { ...rules, [rule]: true };
    const r = evaluate(candidate);
    const kept = better(r, current);
    steps.push({ rule, before: current.target, after: r.target, ...(lex ? { conceptsBefore: current.concepts, conceptsAfter: r.concepts } : {}), kept, bySource: r.bySource });
    options.onLog?.(`${rule}: ${target} held-out F1 ${current.target} -> ${r.target}, concepts ${current.concepts ?? '-'} -> ${r.concepts ?? '-'} (${kept ? 'kept' : 'dropped'}); ${Object.entries(r.bySource).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    if (kept) {
      rules = candidate;
      current = r;
    }
  }
  // Then a score threshold per type of the target, from a grid, kept when it raises the F1.
  for (const type of targetTypes) {
    let best: { tau: number; r: ReturnType<typeof evaluate> } | undefined;
    for (const tau of MIN_SCORE_GRID) {
      const r = evaluate({ ...rules, minScore: { ...rules.minScore, [type]: tau } });
      if (better(r, best?.r ?? current)) best = { tau, r };
    }
    options.onLog?.(`minScore ${type}: ${target} held-out F1 ${current.target} -> ${best ? `${best.r.target}, concepts ${current.concepts ?? '-'} -> ${best.r.concepts ?? '-'} at ${best.tau} (kept)` : 'no threshold better (none)'}`);
    steps.push({ rule: 'minScore', type, before: current.target, after: best?.r.target ?? current.target, ...(lex ? { conceptsBefore: current.concepts, conceptsAfter: best?.r.concepts ?? current.concepts } : {}), kept: best !== undefined, bySource: (best?.r ?? current).bySource, ...(best ? { threshold: best.tau } : {}) });
    if (best) {
      rules = { ...rules, minScore: { ...rules.minScore, [type]: best.tau } };
      current = best.r;
    }
  }
  const record: MentionRulesRecord = {
    ...rules,
    fittedOn: `held-out documents (${share} of each training source by document-id hash) of ${held.map((s) => s.name).join(', ')}; forward selection on the strict mention F1 of ${target}'s`,
    target,
    trainedNames: { file: TRAINED_NAMES_FILE, names: trained.length, documents: targetTraining.length },
    heldOutBefore: start.bySource,
    heldOutAfter: current.bySource,
    steps,
  };
  writeModelConfig(modelDir, { ...cfg, [MENTION_RULES_KEY]: record });
  if (cfg[MENTION_CALIBRATION_KEY] !== undefined) options.onLog?.(`${modelDir}: its score calibration was fitted on other mentions; refit it: biore ner calibrate --model ${modelDir}`);
  return { ...record, model: modelDir, documents: held.reduce((n, s) => n + s.docs.length, 0), seconds: Math.round((performance.now() - t0) / 100) / 10 };
}
