/**
 * The cluster deployment files, checked without a cluster: the Kubernetes Indexed Job and the
 * Slurm array script call `annotate --shard <index>/<n>` with the index the scheduler sets, and n
 * agrees everywhere; the shell scripts parse; the scale:slurm driver rejects bad arguments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const read = (p: string): string => fs.readFileSync(path.join(ROOT, p), 'utf8');

/** The scalar after `key:` on its own line (first occurrence), quotes removed. */
function field(yaml: string, key: string): string | undefined {
  const m = new RegExp(`^\\s*-?\\s*${key}:\\s*(.+?)\\s*$`, 'm').exec(yaml);
  return m?.[1]?.replace(/^"(.*)"$/, '$1');
}

test('the Kubernetes manifest is an Indexed Job whose pods run shard $JOB_COMPLETION_INDEX of n', () => {
  const y = read('deploy/k8s/annotate-indexed-job.yaml');
  assert.doesNotMatch(y, /\t/, 'YAML must not hold tabs');
  assert.equal(field(y, 'apiVersion'), 'batch/v1');
  assert.equal(field(y, 'kind'), 'Job');
  assert.equal(field(y, 'completionMode'), 'Indexed');
  assert.equal(field(y, 'restartPolicy'), 'Never');
  const n = Number(field(y, 'completions'));
  assert.ok(Number.isInteger(n) && n >= 1);
  assert.ok(Number(field(y, 'parallelism')) <= n);
  const shards = /name: BIORE_SHARDS\s*\n\s*value:\s*"(\d+)"/.exec(y);
  assert.equal(Number(shards?.[1]), n, 'BIORE_SHARDS equals completions');
  const args = y.slice(y.indexOf('args:'), y.indexOf('env:')).replace(/\s+/g, ' ');
  assert.match(args, /node dist\/cli\.js annotate "\$BIORE_IN" --shard "\$JOB_COMPLETION_INDEX\/\$BIORE_SHARDS" --out "\$BIORE_OUT"/);
  for (const v of ['BIORE_IN', 'BIORE_OUT', 'BIORE_MODELS']) assert.match(y, new RegExp(`name: ${v}\\s*\\n\\s*value: /data/`), `${v} on the shared volume`);
  assert.match(y, /claimName: biore-data/);
});

test('the Slurm array script runs shard $SLURM_ARRAY_TASK_ID of $BIORE_SHARDS, and the scripts parse', () => {
  const s = read('deploy/slurm/annotate-array.sbatch');
  assert.match(s, /^#SBATCH --cpus-per-task=\d+$/m);
  assert.match(s, /^#SBATCH --mem=\S+$/m);
  assert.match(s, /annotate "\$BIORE_IN" \\\n\s*--shard "\$SLURM_ARRAY_TASK_ID\/\$BIORE_SHARDS" --out "\$BIORE_OUT"/);
  for (const f of ['deploy/slurm/annotate-array.sbatch', 'deploy/slurm/local-cluster.sh', 'deploy/slurm/throughput.sh', 'test/slurm/run.sh']) {
    const r = spawnSync('bash', ['-n', path.join(ROOT, f)], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${f}: ${r.stderr}`);
  }
  const r = spawnSync('bash', [path.join(ROOT, 'deploy/slurm/local-cluster.sh'), 'restart'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /usage: local-cluster\.sh start\|stop\|status/);
});

test('scale:slurm rejects bad arguments with a usage line, before touching any cluster', () => {
  const run = (...args: string[]): { code: number | null; stderr: string } => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'deploy/slurm/scale.mjs'), ...args], { encoding: 'utf8' });
    return { code: r.status, stderr: r.stderr };
  };
  assert.match(run('in.pubtator').stderr, /expected IN and OUTDIR/);
  assert.match(run('in', 'out', '--shards', '0').stderr, /--shards "0": expected an integer/);
  assert.match(run('in', 'out', '--shards', '2', '--format', 'text').stderr, /--format "text"/);
  assert.match(run('in', 'out', '--shards', '2', '--bogus', '1').stderr, /unknown option --bogus/);
  const missing = run(path.join(ROOT, 'no-such-input.pubtator'), '/tmp/x', '--shards', '2');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no-such-input\.pubtator: no such file/);
});
