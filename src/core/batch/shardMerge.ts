/**
 * `biore merge`: join the outputs of `annotate --shard i/n` into the single-process output.
 * Every manifest is checked first (present, output matching its checksum, all shards from the
 * same input, options and models, blocks contiguous and covering the input); only then is the
 * output written (temporary file + rename). The bytes are the collection header of shard 0, the
 * document bytes of shards 0..n-1 in order, and the footer: exactly what one process writes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import { canonicalJson, checkShard, sha256File, type ShardManifest } from './shardManifest';
import { shardRange, shardStem } from './shardPlan';

/** A merge that cannot be done; the message names every shard that is missing or failed. */
export class MergeError extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(message);
    this.name = 'MergeError';
  }
}

export interface MergeOptions {
  /** Folder holding the shard outputs and manifests. */
  dir: string;
  /** Output file; undefined writes to `write` instead (stdout in the CLI). */
  out?: string;
  /** Expected shard count (default: the one the manifests in `dir` agree on). */
  shards?: number;
  /** Also check that this file is the input the shards were computed from. */
  input?: string;
  /** Sink for the merged bytes when `out` is undefined. */
  write?: (b: Buffer) => Promise<void>;
}

export interface MergeResult {
  shards: number;
  documents: number;
  format: ShardManifest['format'];
  bytes: number;
  sha256: string;
  out?: string;
  manifests: string[];
}

const MANIFEST_NAME = /^shard-(\d{5})-of-(\d{5})\.manifest\.json$/;

/** Shard counts of the manifests found in `dir`, ascending. */
export function shardCountsIn(dir: string): number[] {
  const counts = new Set<number>();
  for (const f of fs.readdirSync(dir)) {
    const m = MANIFEST_NAME.exec(f);
    if (m) counts.add(Number(m[2]));
  }
  return [...counts].sort((a, b) => a - b);
}

/** Check all shards of `dir`, then write the merged output. Throws {@link MergeError}. */
export async function mergeShards(o: MergeOptions): Promise<MergeResult> {
  if (!fs.existsSync(o.dir) || !fs.statSync(o.dir).isDirectory()) throw new MergeError(`${o.dir}: no such folder`);
  const counts = shardCountsIn(o.dir);
  let n = o.shards;
  if (n === undefined) {
    if (counts.length === 0) throw new MergeError(`${o.dir}: no shard manifest (shard-IIIII-of-NNNNN.manifest.json) found`);
    if (counts.length > 1) throw new MergeError(`${o.dir}: manifests of ${counts.join(', ')} shards are mixed here; say which with --shards`);
    n = counts[0]!;
  }

  // 1. Every shard complete on its own.
  const problems: string[] = [];
  const manifests: ShardManifest[] = [];
  const manifestFiles: string[] = [];
  for (let i = 0; i < n; i++) {
    const stem = shardStem({ index: i, count: n });
    const file = path.join(o.dir, `${stem}.manifest.json`);
    const c = await checkShard(file);
    if (!c.complete) problems.push(`shard ${i} (${stem}): ${c.reason}`);
    else {
      manifests[i] = c.manifest;
      manifestFiles[i] = file;
    }
  }
  // 2. All from the same run definition, blocks contiguous and covering the input.
  const ref = manifests.find((m) => m !== undefined);
  if (ref) {
    for (let i = 0; i < n; i++) {
      const m = manifests[i];
      if (!m) continue;
      const stem = shardStem({ index: i, count: n });
      const r = shardRange(ref.input.documents, { index: i, count: n });
      if (m.input.sha256 !== ref.input.sha256) problems.push(`shard ${i} (${stem}): computed from another input (${m.input.path}) than shard ${manifests.indexOf(ref)}`);
      else if (m.format !== ref.format || canonicalJson(m.settings) !== canonicalJson(ref.settings)) problems.push(`shard ${i} (${stem}): computed with other options than shard ${manifests.indexOf(ref)}`);
      else if (canonicalJson(m.models.map((x) => x.sha256)) !== canonicalJson(ref.models.map((x) => x.sha256))) problems.push(`shard ${i} (${stem}): computed with other model files than shard ${manifests.indexOf(ref)}`);
      else if (m.shard.first !== r.first || m.shard.end !== r.end || m.documents !== r.end - r.first) problems.push(`shard ${i} (${stem}): holds documents ${m.shard.first}..${m.shard.end} (${m.documents}), expected ${r.first}..${r.end}`);
    }
    if (o.input !== undefined) {
      if (!fs.existsSync(o.input)) problems.push(`${o.input}: no such file`);
      else if ((await sha256File(o.input)) !== ref.input.sha256) problems.push(`${o.input}: not the input the shards were computed from (checksum differs)`);
    }
  }
  if (problems.length) {
    const failed = problems.filter((p) => p.startsWith('shard ')).length;
    throw new MergeError(`${o.dir}: ${failed ? `${failed} of ${n} shards not usable` : 'cannot merge'}, nothing written: ${problems.join('; ')}`, problems);
  }

  // 3. Same header and footer everywhere (they come from the same input); then write.
  const outputs = manifests.map((m) => path.join(o.dir, m.output.file));
  const header = readBytes(outputs[0]!, 0, manifests[0]!.output.headerBytes);
  const m0 = manifests[0]!;
  const footer = readBytes(outputs[0]!, m0.output.bytes - m0.output.footerBytes, m0.output.footerBytes);
  manifests.forEach((m, i) => {
    const h = readBytes(outputs[i]!, 0, m.output.headerBytes);
    const f = readBytes(outputs[i]!, m.output.bytes - m.output.footerBytes, m.output.footerBytes);
    if (!h.equals(header) || !f.equals(footer)) throw new MergeError(`${outputs[i]}: collection header or footer differs from ${outputs[0]}, nothing written`);
  });

  const tmp = o.out !== undefined ? `${o.out}.tmp-${process.pid}` : undefined;
  let fd = tmp !== undefined ? fs.openSync(tmp, 'w') : undefined;
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  const emit = async (b: Buffer): Promise<void> => {
    if (!b.length) return;
    hash.update(b);
    bytes += b.length;
    if (fd !== undefined) fs.writeSync(fd, b);
    else await o.write?.(b);
  };
  try {
    await emit(header);
    let wroteDocuments = false;
    for (const [i, m] of manifests.entries()) {
      const start = m.output.headerBytes;
      const end = m.output.bytes - m.output.footerBytes;
      if (end <= start) continue;
      // BioC JSON separates documents with a comma that a shard's first document does not have.
      if (m.format === 'biocjson' && wroteDocuments) await emit(Buffer.from(','));
      for await (const chunk of fs.createReadStream(outputs[i]!, { start, end: end - 1, highWaterMark: 1 << 20 })) await emit(chunk as Buffer);
      wroteDocuments = true;
    }
    await emit(footer);
    if (fd !== undefined) {
      fs.closeSync(fd);
      fd = undefined;
      fs.renameSync(tmp!, o.out!);
    }
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    if (tmp !== undefined) fs.rmSync(tmp, { force: true });
    throw e;
  }
  return {
    shards: n,
    documents: manifests.reduce((s, m) => s + m.documents, 0),
    format: m0.format,
    bytes,
    sha256: hash.digest('hex'),
    ...(o.out !== undefined ? { out: o.out } : {}),
    manifests: manifestFiles,
  };
}

function readBytes(file: string, start: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  if (!length) return b;
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, b, 0, length, start);
  } finally {
    fs.closeSync(fd);
  }
  return b;
}
