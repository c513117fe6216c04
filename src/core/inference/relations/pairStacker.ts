/**
 * The pair stacker: a logistic regression that decides a BC5CDR concept pair from the sentence
 * model's probability together with the pair's document-level features (pairFeatures.ts). A
 * model folder carries it as `pair-stacker.json` (fitted by `biore fit-stacker` on documents the
 * model never trained on); its probability replaces the model's as the pair's CID probability,
 * so what a curator is shown stays one calibrated number, and its decision threshold (chosen
 * where it was fitted) replaces the argmax.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Document } from '../../document/document';
import { logisticProbability, type LogisticModel } from '../../evaluation/logisticRegression';
import type { Candidate } from '../../tasks/candidatePairs';
import type { TaskName } from '../../tasks/definitions';
import { ModelFolderError } from '../modelFolders';
import type { MeshHierarchy } from './meshHierarchy';
import { PAIR_FEATURES, pairFeatures, type ConceptPriors } from './pairFeatures';
import type { RelationPrediction } from './relationPrediction';

export const PAIR_STACKER_FILE = 'pair-stacker.json';

/** Tasks a stacker can serve (its features are those of chemical → disease concept pairs). */
export const STACKER_TASKS: ReadonlySet<TaskName> = new Set(['cdr']);

/** What `pair-stacker.json` holds. */
export interface PairStacker {
  task: TaskName;
  /** The feature names the weights belong to, in order (a file from another feature set is refused). */
  features: string[];
  model: LogisticModel;
  /** A pair is CID when the stacker's probability reaches this (chosen on the fitting documents). */
  threshold: number;
  priors: ConceptPriors;
  /** Where and how it was fitted (documents, fitting model, cross-validated F1 …); shown, not used. */
  fitted: Record<string, unknown>;
}

const isNumbers = (v: unknown, n?: number): v is number[] => Array.isArray(v) && (n === undefined || v.length === n) && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** Checks a parsed stacker file; errors name the file and the field. */
export function parsePairStacker(raw: unknown, source: string): PairStacker {
  const bad = (what: string): never => {
    throw new ModelFolderError(`${source}: ${what}; re-fit it with \`biore fit-stacker\``);
  };
  if (!raw || typeof raw !== 'object') bad('not a JSON object');
  const s = raw as Record<string, unknown>;
  if (typeof s['task'] !== 'string' || !STACKER_TASKS.has(s['task'] as TaskName)) bad(`task ${JSON.stringify(s['task'])} is not one a stacker serves (${[...STACKER_TASKS].join(', ')})`);
  const features = s['features'];
  if (!Array.isArray(features) || features.join('|') !== PAIR_FEATURES.join('|')) bad(`features do not match this version's (${PAIR_FEATURES.length} named in pairFeatures.ts)`);
  const m = s['model'] as Record<string, unknown> | undefined;
  const n = PAIR_FEATURES.length;
  if (!m || !isNumbers(m['mean'], n) || !isNumbers(m['sd'], n) || !isNumbers(m['weights'], n) || typeof m['bias'] !== 'number') bad(`model needs mean, sd and weights (${n} numbers each) and bias`);
  if ((m!['sd'] as number[]).some((x) => x <= 0)) bad('model.sd must be positive');
  const t = s['threshold'];
  if (typeof t !== 'number' || !(t > 0 && t < 1)) bad('threshold must lie strictly between 0 and 1');
  const p = s['priors'] as Record<string, unknown> | undefined;
  if (!p || typeof p['base'] !== 'number' || !(p['base'] > 0 && p['base'] < 1) || !p['counts'] || typeof p['counts'] !== 'object') bad('priors need base (0-1) and counts');
  for (const [k, v] of Object.entries(p!['counts'] as Record<string, unknown>)) if (!isNumbers(v, 2) || v[0]! < 0 || v[0]! > v[1]!) bad(`priors.counts.${k} must be [CID pairs, pairs]`);
  return { task: s['task'] as TaskName, features: features as string[], model: m as unknown as LogisticModel, threshold: t as number, priors: p as unknown as ConceptPriors, fitted: (s['fitted'] as Record<string, unknown>) ?? {} };
}

/** The stacker a model folder carries, or undefined when it has none. */
export function loadPairStacker(dir: string): PairStacker | undefined {
  const file = path.join(dir, PAIR_STACKER_FILE);
  if (!fs.existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ModelFolderError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return parsePairStacker(raw, file);
}

/**
 * The stacker's decision for every candidate of `task`'s two labels (none, CID): its probability
 * becomes the CID probability, the label is CID when it reaches the threshold, and `prob` is the
 * probability of the label chosen. Other tasks pass through.
 */
export function applyPairStacker(stacker: PairStacker, task: TaskName, docs: readonly Document[], candidates: readonly Candidate[], labels: readonly string[], preds: readonly RelationPrediction[], mesh?: MeshHierarchy): RelationPrediction[] {
  if (task !== stacker.task) return [...preds];
  const cid = labels.indexOf('CID');
  if (cid < 0 || labels.length !== 2) throw new ModelFolderError(`pair stacker: task ${task} has labels ${labels.join(', ')}; a stacker decides none / CID`);
  const rows = pairFeatures(docs, candidates, preds.map((p) => p.probs[cid]!), stacker.priors, mesh);
  return preds.map((p, i) => {
    const q = logisticProbability(stacker.model, rows[i]!);
    const probs = labels.map((_, k) => (k === cid ? q : 1 - q));
    const label = q >= stacker.threshold ? cid : 1 - cid;
    return { ...p, label, prob: probs[label]!, probs };
  });
}
