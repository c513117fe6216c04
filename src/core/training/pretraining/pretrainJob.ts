/**
 * One pre-training job from a preset, overrides and a prepared data folder: the function both
 * the CLI and the engine worker call.
 */
import { BioTokenizer } from '../../tokenizer/tokenizer';
import { readModelWeights } from '../../inference/modelFolders';
import { loadPreparedData } from './pretrainData';
import { resolveConfig } from '../trainConfig';
import type { TrainProgress, TrainSummary } from '../trainer';
import { runTrainingJob } from '../trainingJob';
import { createMlmBackend } from './mlm';
import { createElectraBackend } from './electra';

export interface PretrainJob {
  preset: string;
  overrides: Record<string, unknown>;
  dataDir: string;
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  resume?: boolean;
  /** The command line recorded in the model's config.json. */
  command?: string;
}

export async function runPretrain(job: PretrainJob): Promise<TrainSummary> {
  const config = resolveConfig(job.preset, job.overrides);
  if (config.objective === 'classify') throw new Error('objective classify is relation fine-tuning: use `biore finetune`');
  if (config.objective === 'lm') throw new Error('objective lm is the BiLSTM language model: use `biore wordvec lm`');
  const data = loadPreparedData(job.dataDir);
  const tok = BioTokenizer.fromDirectory(config.tokenizer);
  const initialWeights = config.initFrom ? readModelWeights(config.initFrom) : undefined;
  const create = config.objective === 'electra' ? createElectraBackend : createMlmBackend;
  const backend = await create({
    config,
    vocabSize: tok.vocabSize,
    special: tok.specialIds,
    train: data.train,
    heldOut: data.heldOut,
    tokenizerDir: config.tokenizer,
    ...(initialWeights ? { initialWeights } : {}),
  });
  const meta = {
    seed: config.seed,
    command: job.command ?? `biore pretrain train --preset ${job.preset} --data ${job.dataDir} ${Object.entries(job.overrides).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`.trim(),
    data: { ...data.meta, folder: job.dataDir },
  };
  return runTrainingJob(backend, { config, resolved: config, meta, controls: job });
}
