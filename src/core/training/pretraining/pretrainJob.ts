/**
 * One pre-training job from a preset, overrides and a prepared data folder: the function both
 * the CLI and the engine worker call.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BioTokenizer } from '../../tokenizer/tokenizer';
import { readModelWeights } from '../../inference/modelFolders';
import { loadPreparedData } from './pretrainData';
import { resolveConfig } from '../trainConfig';
import { train, type TrainProgress, type TrainSummary } from '../trainer';
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
  fs.mkdirSync(config.outDir, { recursive: true });
  fs.writeFileSync(path.join(config.outDir, 'config.json'), JSON.stringify(config, null, 1) + '\n');
  const meta = {
    seed: config.seed,
    command: job.command ?? `biore pretrain train --preset ${job.preset} --data ${job.dataDir} ${Object.entries(job.overrides).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`.trim(),
    data: { ...data.meta, folder: job.dataDir },
  };
  try {
    return await train(backend, {
      config,
      meta,
      ...(job.signal ? { signal: job.signal } : {}),
      ...(job.onProgress ? { onProgress: job.onProgress } : {}),
      ...(job.resume === undefined ? {} : { resume: job.resume }),
    });
  } finally {
    await backend.session.dispose();
  }
}
