/**
 * The manifest written beside each shard output (`shard-00002-of-00004.manifest.json`). It is
 * written last, atomically, after the output was renamed into place: a manifest whose recorded
 * output checksum matches the file on disk is the proof that the shard finished. A shard is
 * skipped on a rerun only when that holds *and* the rerun would compute the same thing (same
 * input bytes, same partition, same options, same model files); anything else is redone.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { FormatError } from '../shared/errors';
import type { ShardSpec } from './shardPlan';

/** Manifest `kind`, and its schema version (bumped when a field's meaning changes). */
export const SHARD_MANIFEST_KIND = 'biore-annotate-shard';
export const SHARD_MANIFEST_VERSION = 1;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** One model folder the output depends on: its path as given, and a digest over its files. */
export const ModelFingerprintSchema = z.object({
  role: z.string(),
  path: z.string(),
  /** `version` (or `model_type`) from the folder's config.json, when it has one. */
  version: z.string(),
  /** sha256 over the folder's regular files (name, length, bytes), in name order. */
  sha256: Sha256,
});
export type ModelFingerprint = z.infer<typeof ModelFingerprintSchema>;

export const ShardManifestSchema = z.object({
  kind: z.literal(SHARD_MANIFEST_KIND),
  version: z.literal(SHARD_MANIFEST_VERSION),
  input: z.object({ path: z.string(), sha256: Sha256, bytes: z.number().int().nonnegative(), documents: z.number().int().nonnegative() }),
  shard: z.object({ index: z.number().int().nonnegative(), count: z.number().int().positive(), first: z.number().int().nonnegative(), end: z.number().int().nonnegative() }),
  documents: z.number().int().nonnegative(),
  format: z.enum(['pubtator', 'bioc', 'biocjson']),
  /** Output-affecting options, canonical (sorted keys): equal settings ⇒ equal output. */
  settings: z.record(z.string(), z.unknown()),
  models: z.array(ModelFingerprintSchema),
  output: z.object({
    /** File name, relative to the manifest's folder. */
    file: z.string(),
    sha256: Sha256,
    bytes: z.number().int().nonnegative(),
    /** Collection header bytes at the start and footer bytes at the end (BioC); 0 for PubTator. */
    headerBytes: z.number().int().nonnegative(),
    footerBytes: z.number().int().nonnegative(),
  }),
  timings: z.object({ startedAt: z.string(), finishedAt: z.string(), seconds: z.number().nonnegative() }),
  command: z.array(z.string()),
  host: z.string(),
});
export type ShardManifest = z.infer<typeof ShardManifestSchema>;

/** What a run of one shard would compute; compared with a manifest to decide skip or redo. */
export interface ShardIdentity {
  inputSha256: string;
  shard: ShardSpec;
  format: ShardManifest['format'];
  settings: Record<string, unknown>;
  models: readonly ModelFingerprint[];
}

/** sha256 (hex) of a file's bytes, streamed. */
export async function sha256File(file: string): Promise<string> {
  const h = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Fingerprint of a model folder (or a single file): sha256 over every regular file below it,
 * in sorted relative-path order, each as `path NUL length NUL bytes`. Any retrained or replaced
 * file changes it; copying the folder elsewhere does not.
 */
export async function fingerprintModel(role: string, dir: string): Promise<ModelFingerprint> {
  const h = crypto.createHash('sha256');
  const stat = fs.statSync(dir);
  const files = stat.isDirectory() ? listFiles(dir) : [''];
  for (const rel of files) {
    const file = rel ? path.join(dir, rel) : dir;
    h.update(`${rel}\0${fs.statSync(file).size}\0`);
    for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  }
  let version = '';
  const cfgFile = stat.isDirectory() ? path.join(dir, 'config.json') : '';
  if (cfgFile && fs.existsSync(cfgFile)) {
    try {
      const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
      version = [cfg['model_type'], cfg['version']].filter((v) => v !== undefined).join(' ');
    } catch {
      version = 'unreadable config.json';
    }
  }
  return { role, path: dir, version, sha256: h.digest('hex') };
}

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, rel));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/**
 * Read and validate a manifest. Throws {@link FormatError} naming the file (and the line, for
 * broken JSON) when it is not one.
 */
export function readShardManifest(file: string): ShardManifest {
  const text = fs.readFileSync(file, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const pos = /position (\d+)/.exec((e as Error).message);
    const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : undefined;
    throw new FormatError({ source: file, ...(line !== undefined ? { line } : {}) }, `not a shard manifest: ${(e as Error).message.split('\n')[0]}`);
  }
  const r = ShardManifestSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new FormatError({ source: file }, `not a shard manifest: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  return r.data;
}

/** Why a manifest does not describe the run `id` would make; undefined when it does. */
export function manifestMismatch(m: ShardManifest, id: ShardIdentity): string | undefined {
  if (m.input.sha256 !== id.inputSha256) return 'the input changed';
  if (m.shard.index !== id.shard.index || m.shard.count !== id.shard.count) return `it is shard ${m.shard.index}/${m.shard.count}`;
  if (m.format !== id.format) return `its format is ${m.format}`;
  if (canonicalJson(m.settings) !== canonicalJson(id.settings)) return 'the options differ';
  const models = (ms: readonly ModelFingerprint[]): string => ms.map((x) => `${x.role}=${x.sha256}`).join(',');
  if (models(m.models) !== models(id.models)) return 'the model files differ';
  return undefined;
}

/** Result of checking a shard's files on disk. */
export type ShardCheck = { complete: true; manifest: ShardManifest } | { complete: false; reason: string };

/**
 * Is the shard whose manifest is `manifestFile` complete, with an output matching its recorded
 * size and checksum, and (when `id` is given) computed the way `id` asks? Never throws for a
 * missing, broken or stale shard: those are reasons to redo it.
 */
export async function checkShard(manifestFile: string, id?: ShardIdentity): Promise<ShardCheck> {
  if (!fs.existsSync(manifestFile)) return { complete: false, reason: 'no manifest (never run, still running, or stopped before the end)' };
  let m: ShardManifest;
  try {
    m = readShardManifest(manifestFile);
  } catch (e) {
    return { complete: false, reason: (e as Error).message };
  }
  if (id) {
    const why = manifestMismatch(m, id);
    if (why) return { complete: false, reason: `its manifest is stale: ${why}` };
  }
  const out = path.join(path.dirname(manifestFile), m.output.file);
  if (!fs.existsSync(out)) return { complete: false, reason: `${m.output.file} is missing` };
  const size = fs.statSync(out).size;
  if (size !== m.output.bytes) return { complete: false, reason: `${m.output.file} has ${size} bytes, its manifest says ${m.output.bytes}` };
  if ((await sha256File(out)) !== m.output.sha256) return { complete: false, reason: `${m.output.file} does not match its manifest's checksum` };
  return { complete: true, manifest: m };
}

/** Write `text` to `file` through `<file>.tmp-<pid>` and a rename: readers see all or nothing. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
