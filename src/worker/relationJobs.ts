/**
 * Relation prediction inside the engine worker: one loaded predictor per model folder (and
 * thread count), kept between requests so a whole file reuses the same sessions. A folder that
 * fails to load is not cached, so fixing it and trying again works without a restart.
 */
import type { Document } from '../core/document/document';
import type { TaskName } from '../core/tasks/definitions';
import { loadRelationPredictor, type RelationPredictor } from '../core/inference/relations/relationPredictor';
import type { WirePredictedRelation } from '../protocol/worker';

const predictors = new Map<string, Promise<RelationPredictor>>();

function predictorFor(modelDir: string, threads: number): Promise<RelationPredictor> {
  const key = `${threads}\n${modelDir}`;
  let p = predictors.get(key);
  if (!p) {
    p = loadRelationPredictor(modelDir, { threads });
    p.catch(() => predictors.delete(key));
    predictors.set(key, p);
  }
  return p;
}

/** Predicts the relations of `doc` with the model(s) in `modelDir`; `task` limits it to one task. */
export async function predictRelations(
  modelDir: string,
  doc: Document,
  options: { threads: number; task?: TaskName; signal: AbortSignal },
): Promise<WirePredictedRelation[]> {
  const predictor = await predictorFor(modelDir, options.threads);
  return predictor.predict(doc, { signal: options.signal, ...(options.task ? { task: options.task } : {}) });
}

/** Releases every loaded predictor. */
export async function disposePredictors(): Promise<void> {
  const all = [...predictors.values()];
  predictors.clear();
  for (const p of all) await (await p.catch(() => undefined))?.dispose();
}
