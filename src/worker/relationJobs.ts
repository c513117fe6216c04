/**
 * Relation prediction inside the engine worker: one loaded predictor per model folder, kept
 * between requests so a whole file reuses the same sessions.
 */
import type { Document } from '../core/model/document';
import type { TaskName } from '../core/tasks/definitions';
import type { WirePredictedRelation } from '../protocol/worker';

/** Predicts the relations of `doc` with the model in `modelDir`. */
export async function predictRelations(
  modelDir: string,
  _doc: Document,
  _options: { threads: number; task?: TaskName; signal: AbortSignal },
): Promise<WirePredictedRelation[]> {
  // The core relation predictor (src/core/relations/relationPredictor.ts) is not in this build yet.
  throw new Error(`cannot load the relation model in ${modelDir}: this build has no relation predictor yet`);
}
