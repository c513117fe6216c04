/**
 * Relation ensembles: a folder whose config.json says `biore-relation-ensemble` holds member
 * relation model folders in subfolders (e.g. a BiLSTM and a CNN trained on the same task) and
 * answers one task with the weighted mean of the members' calibrated probabilities. Each member
 * keeps its own encoding (vocabulary, length cap) and temperature; the ensemble's own config
 * carries what acts on the mean: decision biases, document rules, the candidate generation, and
 * the training split its members held out (for `--split heldout` and the calibrations).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_FILE, ModelFolderError } from '../modelFolders';
import type { RelationPrediction } from './relationPrediction';

/** The member folders (absolute) and their weights (summing to 1) an ensemble config declares. */
export function ensembleMembers(dir: string, cfg: Record<string, unknown>): { dirs: string[]; weights: number[] } {
  const where = path.join(dir, CONFIG_FILE);
  const members = cfg['members'];
  if (!Array.isArray(members) || members.length === 0 || !members.every((m) => typeof m === 'string' && m !== '' && !m.includes('..') && !path.isAbsolute(m))) {
    throw new ModelFolderError(`${where}: members must list the ensemble's member subfolders (relative names)`);
  }
  const raw = cfg['weights'] ?? members.map(() => 1);
  if (!Array.isArray(raw) || raw.length !== members.length || !raw.every((w) => typeof w === 'number' && w >= 0 && Number.isFinite(w)) || raw.every((w) => w === 0)) {
    throw new ModelFolderError(`${where}: weights needs one non-negative number per member`);
  }
  const sum = (raw as number[]).reduce((a, b) => a + b, 0);
  const dirs = (members as string[]).map((m) => path.join(dir, m));
  for (const d of dirs) if (!fs.existsSync(path.join(d, CONFIG_FILE))) throw new ModelFolderError(`${where}: member ${path.basename(d)} has no ${CONFIG_FILE}; the ensemble folder is incomplete`);
  return { dirs, weights: (raw as number[]).map((w) => w / sum) };
}

/**
 * The weighted mean of the members' predictions for the same candidates (each member's list in
 * candidate order, probabilities over the same labels), with its argmax. `logits` become the
 * log of the mean, so a later temperature or bias reads them as log-probabilities.
 */
export function averagePredictions(members: ReadonlyArray<readonly RelationPrediction[]>, weights: readonly number[]): RelationPrediction[] {
  const first = members[0];
  if (!first) return [];
  for (const m of members) if (m.length !== first.length) throw new Error('ensemble members scored different candidate lists');
  return first.map((_, i) => {
    const K = first[i]!.probs.length;
    const probs = new Array<number>(K).fill(0);
    members.forEach((m, j) => {
      const p = m[i]!.probs;
      if (p.length !== K) throw new Error('ensemble members disagree on the label set');
      for (let k = 0; k < K; k++) probs[k]! += weights[j]! * p[k]!;
    });
    let best = 0;
    for (let k = 1; k < K; k++) if (probs[k]! > probs[best]!) best = k;
    return { label: best, prob: probs[best]!, probs, logits: probs.map((q) => Math.log(Math.max(q, 1e-12))) };
  });
}
