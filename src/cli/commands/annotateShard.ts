/**
 * The `--shard i/n` part of `biore annotate`: turn the command's options into a shard job
 * (output folder, output-affecting settings, model fingerprints) and plan it, before any model is
 * loaded, so that a finished shard is skipped in well under a second per model file read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DocumentFormat } from '../../core/formats/formatIo';
import { fingerprintModel, type ModelFingerprint } from '../../core/batch/shardManifest';
import { parseShardSpec } from '../../core/batch/shardPlan';
import { planShard, writeShard, type ShardFormat, type ShardPlan } from '../../core/batch/shardRun';
import type { Document } from '../../core/document/document';
import type { AnnotateReport } from '../../core/curation/annotate';
import { ModelFolderError, relationModelFolders } from '../../core/inference/relations/relationPredictor';
import { UserError } from '../userError';
import type { PredictionSelection } from '../../core/curation/suggestionPolicy';
import { bundledModelsRoot } from '../../core/inference/modelFolders';

/** The annotate options a shard job reads. */
export interface ShardCliOptions {
  shard: string;
  out?: string;
  model: string;
  lexicon?: string;
  relations?: string;
  redetect?: boolean;
  types?: string;
  scores?: boolean;
  selection: PredictionSelection;
}

/** Build and plan the shard job of `biore annotate IN --shard i/n --out DIR ...`. */
export async function planAnnotateShard(input: string, from: DocumentFormat, to: DocumentFormat, lexiconFile: string, o: ShardCliOptions): Promise<ShardPlan> {
  let shard;
  try {
    shard = parseShardSpec(o.shard);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  if (o.out === undefined) throw new UserError('--shard needs --out DIR: the folder for the shard outputs and manifests (shared by all shards)');
  if (fs.existsSync(o.out) && !fs.statSync(o.out).isDirectory()) throw new UserError(`--out ${o.out}: with --shard this is a folder, and a file is there`);
  if (to === 'text') throw new UserError('--shard: plain text output holds one document; use --format pubtator, bioc or biocjson');
  if (input === '-') throw new UserError('--shard: the input must be a file every shard can read (not stdin)');
  const models: ModelFingerprint[] = [];
  try {
    models.push(await fingerprintModel('ner', o.model));
    if (fs.existsSync(lexiconFile)) models.push(await fingerprintModel('lexicon', lexiconFile));
    if (o.relations !== 'none') {
      let folders: string[] = [];
      try {
        folders = relationModelFolders(o.relations ?? bundledModelsRoot());
      } catch (e) {
        // As in the single-process run: without --relations, no relation model means mentions only.
        if (!(e instanceof ModelFolderError) || o.relations !== undefined) throw e;
      }
      for (const d of folders) models.push(await fingerprintModel(`relations:${path.basename(d)}`, d));
    }
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  // Everything that changes the output bytes; paths of models are not (their files are hashed).
  const settings = {
    from,
    redetect: o.redetect === true,
    task: o.selection.tasks?.join(',') ?? null,
    minScore: o.selection.minScore ?? null,
    scores: o.scores === true,
    types: o.types?.split(',').map((t) => t.trim()) ?? null,
    relations: o.relations === 'none' ? 'none' : 'all',
  };
  return planShard({ input, from, format: to as ShardFormat, outDir: o.out, shard, settings, models, writer: { scores: o.scores === true }, command: process.argv.slice(1) });
}

/** What {@link runAnnotateShard} needs from the loaded pipeline. */
export interface ShardRunner {
  annotateBatch: (docs: Document[]) => Promise<AnnotateReport[]>;
  layout?: (doc: Document) => Document;
  /** Aborted on SIGINT / SIGTERM (scancel, a Kubernetes pod stop): the partial output is removed. */
  abort: AbortController;
  dispose: () => Promise<unknown>;
}

/** Annotate and write a shard that {@link planAnnotateShard} found to do. */
export async function runAnnotateShard(plan: Extract<ShardPlan, { status: 'todo' }>, r: ShardRunner): Promise<void> {
  const label = `${plan.job.shard.index}/${plan.job.shard.count}`;
  process.stderr.write(`annotate: shard ${label}: ${plan.reason}; annotating\n`);
  const onStop = (): void => r.abort.abort();
  process.once('SIGINT', onStop).once('SIGTERM', onStop);
  let mentions = 0;
  let suggested = 0;
  try {
    const m = await writeShard(plan, {
      annotate: async (docs) => {
        for (const x of await r.annotateBatch(docs)) {
          mentions += x.mentions;
          suggested += x.relations;
        }
      },
      ...(r.layout ? { layout: r.layout } : {}),
      signal: r.abort.signal,
    });
    process.stderr.write(`annotate: shard ${label}: documents ${m.shard.first}..${m.shard.end} of ${m.input.documents}, ${mentions} mentions, ${suggested} relations suggested, ${m.timings.seconds.toFixed(1)} s -> ${path.join(plan.job.outDir, m.output.file)}\n`);
  } catch (e) {
    if (r.abort.signal.aborted) throw new UserError(`shard ${label} interrupted; its partial output was removed`);
    throw e;
  } finally {
    process.removeListener('SIGINT', onStop).removeListener('SIGTERM', onStop);
    await r.dispose();
  }
}
