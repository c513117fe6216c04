/**
 * One shard of a sharded `annotate`: decide whether the shard is already done (`planShard`),
 * and if not, stream the input, annotate the shard's block of documents and write the output and
 * then the manifest, each atomically (`writeShard`). The annotator itself is passed in, so this
 * module loads no model and is tested with a fake one.
 *
 * Files, in the output folder: `shard-IIIII-of-NNNNN<ext>` (a complete file of its format, with
 * the input's collection header) and `shard-IIIII-of-NNNNN.manifest.json`.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Document } from '../document/document';
import { documentWriter, emptyInputError, formatExtension, readDocuments, type CollectionHeader, type DocumentFormat, type DocumentWriterOptions } from '../formats/formatIo';
import { SHARD_MANIFEST_KIND, SHARD_MANIFEST_VERSION, checkShard, sha256File, writeFileAtomic, type ModelFingerprint, type ShardIdentity, type ShardManifest } from './shardManifest';
import { shardRange, shardStem, type ShardSpec } from './shardPlan';

/** Output formats a shard can write (plain text holds one document per file: nothing to shard). */
export type ShardFormat = ShardManifest['format'];

/** Everything that defines one shard run. */
export interface ShardJob {
  input: string;
  /** The input's format. */
  from: DocumentFormat;
  format: ShardFormat;
  outDir: string;
  shard: ShardSpec;
  /** Output-affecting options (recorded, and compared on reruns). */
  settings: Record<string, unknown>;
  models: readonly ModelFingerprint[];
  /** Writer options (PubTator scores); also part of `settings`, so a change redoes the shard. */
  writer?: DocumentWriterOptions;
  /** The command line, recorded in the manifest. */
  command: readonly string[];
}

/** Paths of a shard's output and manifest. */
export function shardFiles(outDir: string, shard: ShardSpec, format: ShardFormat): { output: string; manifest: string } {
  const stem = path.join(outDir, shardStem(shard));
  return { output: stem + formatExtension(format), manifest: `${stem}.manifest.json` };
}

/** Result of {@link planShard}. */
export type ShardPlan =
  | { status: 'complete'; manifest: ShardManifest; manifestFile: string }
  | { status: 'todo'; reason: string; job: ShardJob; identity: ShardIdentity; inputBytes: number };

/**
 * Hash the input and check the shard's files: `complete` when a manifest for exactly this run
 * (same input bytes, partition, format, options, model files) sits beside an output that matches
 * it; otherwise `todo` with the reason (no manifest, partial or changed output, stale manifest).
 */
export async function planShard(job: ShardJob): Promise<ShardPlan> {
  const inputSha256 = await sha256File(job.input);
  const identity: ShardIdentity = { inputSha256, shard: job.shard, format: job.format, settings: job.settings, models: job.models };
  const files = shardFiles(job.outDir, job.shard, job.format);
  const check = await checkShard(files.manifest, identity);
  if (check.complete) return { status: 'complete', manifest: check.manifest, manifestFile: files.manifest };
  return { status: 'todo', reason: check.reason, job, identity, inputBytes: fs.statSync(job.input).size };
}

/** Options of {@link writeShard}. */
export interface WriteShardOptions {
  /** Annotate a batch of documents in place. */
  annotate: (docs: Document[]) => Promise<void>;
  /** Re-lay a document just before it is written (the CLI's PubTator layout). */
  layout?: (doc: Document) => Document;
  /** Documents per `annotate` call (default 32, as the single-process CLI). */
  batchSize?: number;
  signal?: AbortSignal;
  /** Documents of this shard done so far, of `total`. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Run a `todo` shard: count the input's documents (one streaming pass), annotate the shard's
 * block (a second pass that stops after the block), write the output to a temporary file, rename
 * it into place, then write the manifest the same way. A failure or abort removes the temporary
 * file and leaves no manifest, so the shard reads as incomplete and is redone on the next run.
 */
export async function writeShard(plan: Extract<ShardPlan, { status: 'todo' }>, o: WriteShardOptions): Promise<ShardManifest> {
  const { job } = plan;
  const started = new Date();
  const files = shardFiles(job.outDir, job.shard, job.format);
  fs.mkdirSync(job.outDir, { recursive: true });
  // The old manifest goes first: from here until the new one is written the shard is incomplete.
  fs.rmSync(files.manifest, { force: true });
  removeStaleTemporaries(files.output);

  let header: CollectionHeader = { source: '', date: '', key: '', attributes: {} };
  let total = 0;
  for await (const _ of readDocuments(job.input, job.from, (h) => (header = h))) {
    o.signal?.throwIfAborted();
    total++;
  }
  if (total === 0) throw emptyInputError(job.input);
  const range = shardRange(total, job.shard);

  const writer = documentWriter(job.format, job.writer ?? {});
  const tmp = `${files.output}.tmp-${process.pid}`;
  const stream = fs.createWriteStream(tmp);
  // A write error (disk full) fails the shard at the next write instead of crashing the process.
  let streamError: Error | undefined;
  stream.on('error', (e) => (streamError ??= e));
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  const write = async (s: string): Promise<void> => {
    if (streamError) throw streamError;
    if (!s) return;
    const b = Buffer.from(s, 'utf8');
    hash.update(b);
    bytes += b.length;
    if (!stream.write(b)) await new Promise<void>((r) => stream.once('drain', r).once('close', r));
  };
  let done = 0;
  try {
    const head = writer.begin(header);
    await write(head);
    const headerBytes = bytes;
    const batch: Document[] = [];
    const flush = async (): Promise<void> => {
      if (!batch.length) return;
      await o.annotate(batch);
      for (const d of batch) await write(writer.document(o.layout ? o.layout(d) : d));
      done += batch.length;
      batch.length = 0;
      o.onProgress?.(done, range.end - range.first);
    };
    let index = 0;
    for await (const doc of readDocuments(job.input, job.from)) {
      if (index >= range.end) break;
      if (index++ < range.first) continue;
      o.signal?.throwIfAborted();
      batch.push(doc);
      if (batch.length >= (o.batchSize ?? 32)) await flush();
    }
    await flush();
    const bodyEnd = bytes;
    await write(writer.end());
    const footerBytes = bytes - bodyEnd;
    await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
    fs.renameSync(tmp, files.output);
    const finished = new Date();
    const manifest: ShardManifest = {
      kind: SHARD_MANIFEST_KIND,
      version: SHARD_MANIFEST_VERSION,
      input: { path: path.resolve(job.input), sha256: plan.identity.inputSha256, bytes: plan.inputBytes, documents: total },
      shard: { index: job.shard.index, count: job.shard.count, first: range.first, end: range.end },
      documents: done,
      format: job.format,
      settings: job.settings,
      models: [...job.models],
      output: { file: path.basename(files.output), sha256: hash.digest('hex'), bytes, headerBytes, footerBytes },
      timings: { startedAt: started.toISOString(), finishedAt: finished.toISOString(), seconds: (finished.getTime() - started.getTime()) / 1000 },
      command: [...job.command],
      host: os.hostname(),
    };
    writeFileAtomic(files.manifest, `${JSON.stringify(manifest, null, 1)}\n`);
    return manifest;
  } catch (e) {
    // Wait for the stream to close before removing the file: its open() may still be pending.
    if (!stream.closed) await new Promise<void>((r) => stream.once('close', r).destroy());
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Remove `<output>.tmp-<pid>` files a killed run of this shard left behind (SIGKILL gives no
 * chance to clean up). One runner per shard at a time is assumed, as the job array guarantees.
 */
function removeStaleTemporaries(output: string): void {
  const dir = path.dirname(output);
  const prefix = `${path.basename(output)}.tmp-`;
  for (const f of fs.readdirSync(dir)) if (f.startsWith(prefix)) fs.rmSync(path.join(dir, f), { force: true });
}
