/**
 * `biore ensemble`: builds an ensemble folder (inference/relations/relationEnsemble.ts) from
 * relation model folders that answer the same task and held out the same training documents,
 * and, with two members, chooses the first member's weight on those held-out documents (grid
 * 0, 0.1, …, 1 of the official scorer's micro F1, the model alone: no document rules). A weight
 * of 1 or 0 means one member alone does best there; the folder is still written, and the report
 * says so. Never looks at the test split.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scoreCandidatePredictions } from '../evaluation/candidateScores';
import { ENSEMBLE_RELATION_MODEL_TYPE, ModelFolderError, readModelConfig, writeModelConfig } from '../inference/modelFolders';
import { MESH_TREE_FILE } from '../inference/relations/meshHierarchy';
import { averagePredictions } from '../inference/relations/relationEnsemble';
import { readHeads } from '../inference/relations/relationHeads';
import { loadRelationPredictor } from '../inference/relations/relationPredictor';
import type { RelationPrediction } from '../inference/relations/relationPrediction';
import { generateAllCandidates } from '../tasks/candidates';
import { RELATION_EVAL_TASKS, heldOutDocuments, recordedSplit } from './evaluateRelations';

export interface EnsembleReport {
  to: string;
  task: string;
  members: { name: string; from: string; modelType: string; heldOutF1: number }[];
  weights: number[];
  /** Held-out F1 per first-member weight (fit only). */
  grid?: { weight: number; f1: number }[];
  heldOutF1: number;
  documents: number;
}

/** The split a folder's run held out, as heldOutDocuments rebuilds it. */
const splitOf = (cfg: Record<string, unknown>): string => JSON.stringify(recordedSplit(cfg) ?? null);

export async function buildEnsemble(taskName: string, from: readonly string[], to: string, options: { weights?: readonly number[]; fit?: boolean; threads?: number; command?: string } = {}): Promise<EnsembleReport> {
  const spec = RELATION_EVAL_TASKS[taskName];
  if (!spec) throw new Error(`unknown relation task "${taskName}" (use ${Object.keys(RELATION_EVAL_TASKS).join(', ')})`);
  if (from.length < 2) throw new Error('an ensemble needs at least two member folders');
  if (options.fit && from.length !== 2) throw new Error('--fit chooses the weight of the first of exactly two members');
  if (options.weights && options.weights.length !== from.length) throw new Error(`--weights needs ${from.length} numbers`);
  const configs = from.map((d) => readModelConfig(d));
  configs.forEach((c, i) => {
    if (c['model_type'] === ENSEMBLE_RELATION_MODEL_TYPE) throw new ModelFolderError(`${from[i]}: an ensemble cannot be a member`);
    if (!readHeads(from[i]!, c).has(spec.task)) throw new ModelFolderError(`${from[i]}: does not answer ${spec.task}`);
    if (splitOf(c) !== splitOf(configs[0]!)) throw new ModelFolderError(`${from[i]}: held out other training documents than ${from[0]} (${splitOf(c)} vs ${splitOf(configs[0]!)}); their held-out choice would not be fair`);
  });
  const labels = readHeads(from[0]!, configs[0]!).get(spec.task)!.labels;
  if (fs.existsSync(to)) throw new Error(`${to}: already exists (choose a new folder)`);
  fs.mkdirSync(to, { recursive: true });
  const names = from.map((_, i) => `member-${i + 1}`);
  from.forEach((d, i) => fs.cpSync(d, path.join(to, names[i]!), { recursive: true }));
  if (fs.existsSync(path.join(from[0]!, MESH_TREE_FILE))) fs.copyFileSync(path.join(from[0]!, MESH_TREE_FILE), path.join(to, MESH_TREE_FILE));
  const first = configs[0]!;
  const cfg: Record<string, unknown> = {
    model_type: ENSEMBLE_RELATION_MODEL_TYPE,
    task: spec.task,
    id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
    label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
    members: names,
    weights: options.weights ? [...options.weights] : names.map(() => 1 / names.length),
    member_sources: from.map((d, i) => ({ name: names[i], from: path.resolve(d), model_type: configs[i]!['model_type'] })),
    ...(first['negative_filters'] === true ? { negative_filters: true } : {}),
    // The members' common training split, so `--split heldout` and the calibrations rebuild it.
    config: first['config'],
    command: options.command ?? `biore ensemble --task ${taskName} --members ${from.join(',')} --to ${to}`,
  };
  writeModelConfig(to, cfg);

  // Each member alone on the held-out documents, then the weights.
  const docs = await heldOutDocuments(spec.task, to);
  const each: RelationPrediction[][] = [];
  let candidates;
  for (const name of names) {
    const p = await loadRelationPredictor(path.join(to, name), options.threads === undefined ? {} : { threads: options.threads });
    try {
      candidates ??= generateAllCandidates(spec.task, docs, p.candidateOptions(spec.task));
      each.push((await p.scoreCandidates(docs, spec.task, candidates, undefined, 'none')).predictions);
    } finally {
      await p.dispose();
    }
  }
  const f1Of = (w: readonly number[]): number => scoreCandidatePredictions(spec.task, docs, candidates!, averagePredictions(each, w)).micro.f1;
  const members = names.map((name, i) => ({ name, from: path.resolve(from[i]!), modelType: String(configs[i]!['model_type']), heldOutF1: +f1Of(names.map((_, j) => (j === i ? 1 : 0))).toFixed(2) }));
  let weights = cfg['weights'] as number[];
  let grid: { weight: number; f1: number }[] | undefined;
  if (options.fit) {
    grid = Array.from({ length: 11 }, (_, i) => i / 10).map((w) => ({ weight: w, f1: +f1Of([w, 1 - w]).toFixed(2) }));
    // Ties go to the more even mix (closest to 0.5).
    const best = grid.reduce((a, b) => (b.f1 > a.f1 || (b.f1 === a.f1 && Math.abs(b.weight - 0.5) < Math.abs(a.weight - 0.5)) ? b : a));
    weights = [best.weight, +(1 - best.weight).toFixed(2)];
    writeModelConfig(to, { ...cfg, weights, weight_fit: { fittedOn: 'heldout', documents: docs.length, grid } });
  }
  return { to, task: taskName, members, weights, ...(grid ? { grid } : {}), heldOutF1: +f1Of(weights).toFixed(2), documents: docs.length };
}
