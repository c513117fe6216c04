/**
 * Sharded annotate (src/core/batch): the partition, the shard run with a fake annotator (no
 * model), skip and redo on reruns, and merge, which must reproduce the single-process bytes.
 * The last tests run the real CLI (`annotate --shard`, `merge`) on the bundled sample.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { documentWriter, readDocuments, type CollectionHeader } from '../../src/core/formats/formatIo';
import type { Document } from '../../src/core/document/document';
import { parseShardSpec, shardRange, shardStem } from '../../src/core/batch/shardPlan';
import { checkShard, readShardManifest } from '../../src/core/batch/shardManifest';
import { planShard, shardFiles, writeShard, type ShardFormat, type ShardJob } from '../../src/core/batch/shardRun';
import { MergeError, mergeShards } from '../../src/core/batch/shardMerge';
import { FormatError } from '../../src/core/shared/errors';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'biore-batch-'));
}

/** A PubTator file of `n` documents (title + abstract, no mentions). */
function pubtatorInput(dir: string, n: number): string {
  const file = path.join(dir, 'in.pubtator');
  const docs: string[] = [];
  for (let i = 0; i < n; i++) docs.push(`${1000 + i}|t|Aspirin study ${i}.\n${1000 + i}|a|Aspirin caused ulcers in patient ${i}.\n`);
  fs.writeFileSync(file, docs.join('\n') + '\n');
  return file;
}

/** The fake annotator: one Chemical mention on the title's first word, and a document attribute. */
async function fakeAnnotate(docs: Document[]): Promise<void> {
  for (const d of docs) {
    const p = d.passages[0]!;
    const w = p.text.split(' ')[0]!;
    p.annotations.push({ id: 'N1', type: 'Chemical', spans: [{ start: p.offset, end: p.offset + w.length }], text: w, ids: ['D001241'], attributes: {} });
  }
}

/** What one process writes: every document annotated, in input order, one writer. */
async function singleProcess(input: string, format: ShardFormat): Promise<Buffer> {
  let header: CollectionHeader = { source: '', date: '', key: '', attributes: {} };
  const docs: Document[] = [];
  for await (const d of readDocuments(input, 'pubtator', (h) => (header = h))) docs.push(d);
  await fakeAnnotate(docs);
  const w = documentWriter(format);
  return Buffer.from(w.begin(header) + docs.map((d) => w.document(d)).join('') + w.end(), 'utf8');
}

function job(input: string, outDir: string, index: number, count: number, format: ShardFormat = 'pubtator', settings: Record<string, unknown> = { redetect: false }): ShardJob {
  return { input, from: 'pubtator', format, outDir, shard: { index, count }, settings, models: [], command: ['test'] };
}

/** Plan and (when needed) write every shard; returns the shards that were computed. */
async function runAll(input: string, outDir: string, count: number, format: ShardFormat = 'pubtator'): Promise<number[]> {
  const computed: number[] = [];
  for (let i = 0; i < count; i++) {
    const plan = await planShard(job(input, outDir, i, count, format));
    if (plan.status === 'complete') continue;
    await writeShard(plan, { annotate: fakeAnnotate, batchSize: 3 });
    computed.push(i);
  }
  return computed;
}

test('parseShardSpec accepts i/n and names what is wrong otherwise', () => {
  assert.deepEqual(parseShardSpec('3/4'), { index: 3, count: 4 });
  assert.deepEqual(parseShardSpec(' 0 / 1 '), { index: 0, count: 1 });
  assert.throws(() => parseShardSpec('4/4'), /i must be below n/);
  assert.throws(() => parseShardSpec('0/0'), /n must be between 1/);
  assert.throws(() => parseShardSpec('1-4'), /expected i\/n/);
  assert.throws(() => parseShardSpec('-1/4'), /expected i\/n/);
  assert.equal(shardStem({ index: 2, count: 4 }), 'shard-00002-of-00004');
});

test('shard blocks are contiguous, disjoint, cover every document once, and differ in size by at most one', () => {
  fc.assert(
    fc.property(fc.nat({ max: 5000 }), fc.integer({ min: 1, max: 300 }), (total, n) => {
      let next = 0;
      const sizes: number[] = [];
      for (let i = 0; i < n; i++) {
        const r = shardRange(total, { index: i, count: n });
        assert.equal(r.first, next);
        assert.ok(r.end >= r.first);
        sizes.push(r.end - r.first);
        next = r.end;
      }
      assert.equal(next, total);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
    }),
  );
  // MEDLINE-sized and larger inputs with the most shards: exact integer blocks.
  assert.deepEqual(shardRange(36_000_000, { index: 99998, count: 99999 }), { first: 35999639, end: 36000000 });
  assert.deepEqual(shardRange(2 ** 50, { index: 99998, count: 99999 }), { first: 1125888647730964, end: 2 ** 50 });
});

for (const format of ['pubtator', 'bioc', 'biocjson'] as const) {
  test(`merge of ${format} shards equals the single-process output byte for byte (n = 1, 3, 7 > documents)`, async () => {
    const dir = tmpDir();
    const input = pubtatorInput(dir, 5);
    const want = await singleProcess(input, format);
    for (const n of [1, 3, 7]) {
      const out = path.join(dir, `shards-${n}`);
      assert.deepEqual(await runAll(input, out, n, format), [...Array(n).keys()]);
      const merged = path.join(dir, `merged-${n}`);
      const r = await mergeShards({ dir: out, out: merged, input });
      assert.equal(r.documents, 5);
      assert.equal(r.shards, n);
      assert.ok(fs.readFileSync(merged).equals(want), `n=${n}: merged bytes differ`);
    }
  });
}

test('each shard output is a complete file of its format with its block of documents', async () => {
  const dir = tmpDir();
  const input = pubtatorInput(dir, 5);
  await runAll(input, dir, 2, 'biocjson');
  const text = fs.readFileSync(shardFiles(dir, { index: 1, count: 2 }, 'biocjson').output, 'utf8');
  const parsed = JSON.parse(text) as { documents: { id: string }[] };
  assert.deepEqual(
    parsed.documents.map((d) => d.id),
    ['1002', '1003', '1004'],
  );
  const m = readShardManifest(shardFiles(dir, { index: 1, count: 2 }, 'biocjson').manifest);
  assert.deepEqual(m.shard, { index: 1, count: 2, first: 2, end: 5 });
  assert.equal(m.input.documents, 5);
  assert.equal(m.documents, 3);
});

test('a complete shard is skipped on rerun; a partial, corrupted or stale one is redone', async () => {
  const dir = tmpDir();
  const input = pubtatorInput(dir, 6);
  const out = path.join(dir, 'out');
  assert.deepEqual(await runAll(input, out, 3), [0, 1, 2]);
  assert.deepEqual(await runAll(input, out, 3), []);
  const files = (i: number): { output: string; manifest: string } => shardFiles(out, { index: i, count: 3 }, 'pubtator');

  // Output cut short after the manifest was written.
  fs.truncateSync(files(0).output, 10);
  // Output replaced by other bytes of the same length.
  const o1 = fs.readFileSync(files(1).output);
  o1[0] = o1[0] === 0x31 ? 0x32 : 0x31;
  fs.writeFileSync(files(1).output, o1);
  // Manifest gone (the task died between renaming the output and writing the manifest).
  fs.rmSync(files(2).manifest);
  const reasons = await Promise.all([0, 1, 2].map(async (i) => planShard(job(input, out, i, 3))));
  assert.match(reasons[0]!.status === 'todo' ? reasons[0]!.reason : '', /has 10 bytes/);
  assert.match(reasons[1]!.status === 'todo' ? reasons[1]!.reason : '', /checksum/);
  assert.match(reasons[2]!.status === 'todo' ? reasons[2]!.reason : '', /no manifest/);
  assert.deepEqual(await runAll(input, out, 3), [0, 1, 2]);
  assert.deepEqual(await runAll(input, out, 3), []);

  // Other options or another input: the manifest is stale.
  const other = await planShard(job(input, out, 0, 3, 'pubtator', { redetect: true }));
  assert.equal(other.status, 'todo');
  assert.match(other.status === 'todo' ? other.reason : '', /options differ/);
  fs.appendFileSync(input, '2000|t|More.\n2000|a|Text.\n\n');
  const changed = await planShard(job(input, out, 0, 3));
  assert.match(changed.status === 'todo' ? changed.reason : '', /input changed/);
});

test('an aborted shard leaves neither output, temporary file nor manifest, and merge names it', async () => {
  const dir = tmpDir();
  const input = pubtatorInput(dir, 8);
  const out = path.join(dir, 'out');
  await runAll(input, out, 2);
  const plan = await planShard(job(input, out, 1, 2, 'pubtator', { redetect: 'again' }));
  assert.equal(plan.status, 'todo');
  const ac = new AbortController();
  let batches = 0;
  await assert.rejects(
    writeShard(plan as Extract<typeof plan, { status: 'todo' }>, {
      batchSize: 1,
      signal: ac.signal,
      annotate: async (docs) => {
        if (++batches === 2) ac.abort();
        await fakeAnnotate(docs);
      },
    }),
  );
  const left = fs.readdirSync(out).filter((f) => f.includes('00001-of-00002'));
  assert.deepEqual(left, ['shard-00001-of-00002.pubtator'], 'only the old output remains, its manifest was removed first');
  assert.equal((await checkShard(shardFiles(out, { index: 1, count: 2 }, 'pubtator').manifest)).complete, false);
  const merged = path.join(dir, 'merged.pubtator');
  await assert.rejects(mergeShards({ dir: out, out: merged }), (e: unknown) => e instanceof MergeError && /1 of 2 shards/.test(e.message) && /shard 1 \(shard-00001-of-00002\): no manifest/.test(e.message) && !/shard 0 \(/.test(e.message));
  assert.equal(fs.existsSync(merged), false);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('merged')), []);
});

test('merge refuses mixed runs, a missing folder, a broken manifest and the wrong input, naming each', async () => {
  const dir = tmpDir();
  const input = pubtatorInput(dir, 4);
  const out = path.join(dir, 'out');
  await runAll(input, out, 2);
  await assert.rejects(mergeShards({ dir: path.join(dir, 'nope') }), /no such folder/);
  await assert.rejects(mergeShards({ dir: out, input: path.join(dir, 'in.pubtator'), shards: 3 }), /shard 2 \(shard-00002-of-00003\): no manifest/);

  // Shard 1 recomputed with other options: merge names it.
  const plan = await planShard(job(input, out, 1, 2, 'pubtator', { redetect: true }));
  await writeShard(plan as Extract<typeof plan, { status: 'todo' }>, { annotate: fakeAnnotate });
  await assert.rejects(mergeShards({ dir: out }), /shard 1 \(shard-00001-of-00002\): computed with other options/);
  await runAll(input, out, 2);

  // Manifests of another n beside these: merge asks which.
  await runAll(input, out, 3);
  await assert.rejects(mergeShards({ dir: out }), /manifests of 2, 3 shards are mixed here; say which with --shards/);
  assert.equal((await mergeShards({ dir: out, shards: 3 })).documents, 4);

  // Another input than the one the shards were computed from.
  const other = pubtatorInput(tmpDir(), 4);
  fs.appendFileSync(other, ' ');
  await assert.rejects(mergeShards({ dir: out, shards: 2, input: other }), /not the input the shards were computed from/);

  // A manifest that is not JSON: a FormatError naming the file and the line when it is read.
  const mf = shardFiles(out, { index: 0, count: 2 }, 'pubtator').manifest;
  fs.writeFileSync(mf, '{\n "kind": "biore-annotate-shard",\n oops\n}\n');
  assert.throws(
    () => readShardManifest(mf),
    (e: unknown) => e instanceof FormatError && e.message.startsWith(`${mf}:3`) && /not a shard manifest/.test(e.message),
  );
  await assert.rejects(mergeShards({ dir: out, shards: 2 }), new RegExp(`shard 0 \\(shard-00000-of-00002\\): ${mf.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3`));
});

// ── The CLI (bundled dist/cli.js, shipped models) ──────────────────────────────────────────────
const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const skip = !fs.existsSync(CLI) && 'dist/cli.js not built (npm run build)';

function biore(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('annotate --shard and merge on the sample equal one annotate run (with an empty shard), and a rerun skips', { skip }, () => {
  const dir = tmpDir();
  const sample = path.join(ROOT, 'samples', 'sample.pubtator');
  const single = biore('annotate', sample, '--format', 'pubtator', '--relations', 'none');
  assert.equal(single.code, 0, single.stderr);
  const out = path.join(dir, 'shards');
  for (const i of [0, 1]) {
    const r = biore('annotate', sample, '--format', 'pubtator', '--relations', 'none', '--shard', `${i}/2`, '--out', out);
    assert.equal(r.code, 0, r.stderr);
  }
  const again = biore('annotate', sample, '--format', 'pubtator', '--relations', 'none', '--shard', '1/2', '--out', out);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /shard 1\/2 already complete/);
  const m = biore('merge', out);
  assert.equal(m.code, 0, m.stderr);
  assert.equal(m.stdout, single.stdout);
});

test('annotate --shard and merge reject bad input with one line naming it', { skip }, () => {
  const sample = path.join(ROOT, 'samples', 'sample.pubtator');
  const cases: [string[], RegExp][] = [
    [['annotate', sample, '--shard', '2/2', '--out', tmpDir()], /^biore: --shard "2\/2": i must be below n/],
    [['annotate', sample, '--shard', 'x', '--out', tmpDir()], /^biore: --shard "x": expected i\/n/],
    [['annotate', sample, '--shard', '0/2'], /^biore: --shard needs --out DIR/],
    [['annotate', sample, '--shard', '0/2', '--format', 'text', '--out', tmpDir()], /^biore: --shard: plain text output/],
    [['merge', tmpDir()], /^biore: merge .*: no shard manifest/],
    [['merge', tmpDir(), '--shards', 'two'], /^biore: --shards "two"/],
  ];
  for (const [args, re] of cases) {
    const r = biore(...args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
