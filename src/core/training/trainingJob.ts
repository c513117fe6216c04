/**
 * The one training-job runner every model family uses (CNN relation, tagger, transformer
 * fine-tune, pre-training): the resolved config and seed go beside the run before the first
 * step, the shared loop trains the backend (checkpoints, resume, selection, export), and the
 * backend's session is released however the run ends.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelSession } from '../runtime/session';
import type { TrainConfig } from './trainConfig';
import { train, type TrainOptions, type TrainProgress, type TrainSummary, type TrainerBackend } from './trainer';

/** What a caller controls in a running job. */
export interface JobControls {
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  /** Resume from the run folder's checkpoint when there is one (default true). */
  resume?: boolean;
}

export interface TrainingJobOptions {
  config: TrainConfig;
  /** The resolved configuration written to `<outDir>/config.json` (the loop config plus the family's own). */
  resolved: unknown;
  /** Saved in every checkpoint and export: seed, data, command line, ... */
  meta: Record<string, unknown>;
  select?: TrainOptions['select'];
  controls: JobControls;
}

/** Runs `backend` under the shared loop as one job; see the file comment. */
export async function runTrainingJob(backend: TrainerBackend & { session: Pick<ModelSession, 'dispose'> }, o: TrainingJobOptions): Promise<TrainSummary> {
  const { signal, onProgress, resume } = o.controls;
  try {
    fs.mkdirSync(o.config.outDir, { recursive: true });
    fs.writeFileSync(path.join(o.config.outDir, 'config.json'), JSON.stringify(o.resolved, null, 1) + '\n');
    return await train(backend, {
      config: o.config,
      meta: o.meta,
      ...(o.select ? { select: o.select } : {}),
      ...(signal ? { signal } : {}),
      ...(onProgress ? { onProgress } : {}),
      ...(resume === undefined ? {} : { resume }),
    });
  } finally {
    await backend.session.dispose();
  }
}
