#!/usr/bin/env node
// Sharded `biore annotate` as a Slurm job array: submit deploy/slurm/annotate-array.sbatch with
// --array=0-(n-1), wait for every task (polling squeue), merge the shards with `biore merge`
// (which checks every manifest), and print one JSON summary on stdout. Progress goes to stderr.
//
//   node deploy/slurm/scale.mjs IN OUTDIR --shards N [--json] [--cpus-per-task C] [--mem M (1500M)]
//        [--time T] [--partition P] [--models DIR] [--format pubtator|bioc|biocjson]
//   npm run scale:slurm -- IN OUTDIR --shards N --json
//
// When no Slurm controller answers (`scontrol ping`), the local one-node cluster of
// deploy/slurm/local-cluster.sh is started for this run and stopped at the end; a cluster that
// was already running is used and left running. Rerunning the same command after a failed or
// cancelled task recomputes only the shards without a complete manifest.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SBATCH_SCRIPT = path.join(ROOT, 'deploy', 'slurm', 'annotate-array.sbatch');
const CLUSTER_SCRIPT = path.join(ROOT, 'deploy', 'slurm', 'local-cluster.sh');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const EXT = { pubtator: '.pubtator', bioc: '.xml', biocjson: '.json' };

const log = (s) => process.stderr.write(`scale:slurm: ${s}\n`);
class UsageError extends Error {}

function parseArgs(argv) {
  const o = { positional: [], json: false, cpusPerTask: '1', mem: '', time: '', partition: '', models: path.join(ROOT, 'models'), format: 'pubtator', shards: undefined };
  const flags = { '--shards': 'shards', '--cpus-per-task': 'cpusPerTask', '--mem': 'mem', '--time': 'time', '--partition': 'partition', '--models': 'models', '--format': 'format' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') o.json = true;
    else if (a === '--help' || a === '-h') throw new UsageError('');
    else if (a.startsWith('--')) {
      const [k, inline] = a.split(/=(.*)/s, 2);
      const key = flags[k];
      if (!key) throw new UsageError(`unknown option ${k}`);
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${k} needs a value`);
      o[key] = v;
    } else o.positional.push(a);
  }
  if (o.positional.length !== 2) throw new UsageError('expected IN and OUTDIR');
  const n = Number(o.shards);
  if (!Number.isInteger(n) || n < 1 || n > 99999) throw new UsageError(`--shards "${o.shards ?? ''}": expected an integer from 1 to 99999`);
  if (!(o.format in EXT)) throw new UsageError(`--format "${o.format}": use pubtator, bioc or biocjson`);
  return { ...o, shards: n, input: path.resolve(o.positional[0]), outDir: path.resolve(o.positional[1]) };
}

/** Run a command; returns { code, stdout, stderr } (code -1 when it could not start). */
function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  return { code: r.error ? -1 : (r.status ?? -1), stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error.message) : '') };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function clusterAnswers() {
  const r = sh('scontrol', ['ping'], { timeout: 15000 });
  return r.code === 0 && /is UP/.test(r.stdout);
}

/** Per-task states: sacct when accounting is on, else scontrol (kept MinJobAge seconds). */
function taskStates(jobId) {
  const states = {};
  const acct = sh('sacct', ['-j', jobId, '-X', '-n', '-P', '-o', 'JobID,State']);
  if (acct.code === 0 && acct.stdout.trim()) {
    for (const line of acct.stdout.trim().split('\n')) {
      const [id, state] = line.split('|');
      const m = /_(\d+)$/.exec(id);
      if (m) states[m[1]] = state.split(' ')[0];
    }
    if (Object.keys(states).length) return states;
  }
  const r = sh('scontrol', ['-o', 'show', 'job', jobId]);
  for (const line of r.stdout.split('\n')) {
    const t = /ArrayTaskId=(\d+)\b/.exec(line);
    const s = /JobState=(\S+)/.exec(line);
    if (t && s) states[t[1]] = s[1];
  }
  return states;
}

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message ? `scale:slurm: ${e.message}\n` : ''}usage: npm run scale:slurm -- IN OUTDIR --shards N [--json] [--cpus-per-task C] [--mem M] [--time T] [--partition P] [--models DIR] [--format F]\n`);
    return 2;
  }
  if (!fs.existsSync(o.input)) throw new Error(`${o.input}: no such file`);
  if (!fs.existsSync(CLI)) {
    log('dist/cli.js missing; building');
    const b = sh(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    if (b.code !== 0) throw new Error('build failed (node esbuild.mjs)');
  }
  fs.mkdirSync(path.join(o.outDir, 'logs'), { recursive: true });
  const t0 = Date.now();
  const startedAtIso = new Date(t0).toISOString();

  let startedCluster = false;
  let jobId = '';
  let finished = false;
  const stopCluster = () => {
    if (!startedCluster) return;
    startedCluster = false;
    log('stopping the local cluster this run started');
    sh('bash', [CLUSTER_SCRIPT, 'stop'], { stdio: ['ignore', 'ignore', 'inherit'] });
  };
  const onSignal = (sig) => {
    if (jobId && !finished) sh('scancel', [jobId]);
    stopCluster();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);

  try {
    if (!clusterAnswers()) {
      log('no Slurm controller answers; starting the local one-node cluster (deploy/slurm/local-cluster.sh)');
      const r = sh('bash', [CLUSTER_SCRIPT, 'start'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const m = /export SLURM_CONF=(\S+)/.exec(r.stdout);
      if (r.code !== 0 || !m) throw new Error('the local cluster did not start (see the lines above)');
      // A cluster of that folder that already runs is used and left alone: stop only what we start.
      startedCluster = !/^# started: none$/m.test(r.stdout);
      process.env.SLURM_CONF = m[1];
      if (!clusterAnswers()) throw new Error(`the local cluster does not answer (SLURM_CONF=${m[1]})`);
    }

    // 1500 MB per task (peak 0.73 GB measured), unless the nodes have less per CPU (a small
    // laptop or CI machine as the local cluster): a request above a node's memory is refused.
    if (!o.mem) {
      const info = sh('sinfo', ['-h', '-o', '%m %c']);
      const perCpu = info.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number)).filter(([m, c]) => m > 0 && c > 0).map(([m, c]) => Math.floor(m / c));
      o.mem = `${Math.min(1500, ...(perCpu.length ? perCpu : [1500]))}M`;
    }
    const args = [
      '--parsable',
      `--array=0-${o.shards - 1}`,
      `--cpus-per-task=${o.cpusPerTask}`,
      `--mem=${o.mem}`,
      `--chdir=${ROOT}`,
      `--output=${path.join(o.outDir, 'logs', 'slurm-%A_%a.out')}`,
      `--export=ALL,BIORE_IN=${o.input},BIORE_OUT=${o.outDir},BIORE_SHARDS=${o.shards},BIORE_ROOT=${ROOT},BIORE_MODELS=${path.resolve(o.models)},BIORE_FORMAT=${o.format},BIORE_NODE=${process.execPath}`,
      ...(o.time ? [`--time=${o.time}`] : []),
      ...(o.partition ? [`--partition=${o.partition}`] : []),
      SBATCH_SCRIPT,
    ];
    const sub = sh('sbatch', args);
    if (sub.code !== 0) throw new Error(`sbatch failed: ${(sub.stderr || sub.stdout).trim().split('\n').pop()}`);
    jobId = sub.stdout.trim().split(';')[0];
    fs.writeFileSync(path.join(o.outDir, 'job.json'), `${JSON.stringify({ jobId, shards: o.shards, submittedAt: new Date().toISOString() })}\n`);
    log(`submitted array job ${jobId} (${o.shards} tasks); logs in ${path.join(o.outDir, 'logs')}`);

    // Wait until no task of the job is pending or running.
    for (;;) {
      const q = sh('squeue', ['-h', '-j', jobId, '-o', '%i']);
      if (q.code !== 0 && !/Invalid job id/i.test(q.stderr)) throw new Error(`squeue failed: ${q.stderr.trim()}`);
      if (q.code !== 0 || !q.stdout.trim()) break;
      await sleep(1000);
    }
    finished = true;
    const states = taskStates(jobId);
    const stateCounts = {};
    for (const s of Object.values(states)) stateCounts[s] = (stateCounts[s] ?? 0) + 1;
    log(`array job ${jobId} done: ${JSON.stringify(stateCounts)}`);

    const merged = path.join(o.outDir, `merged${EXT[o.format]}`);
    const mr = sh(process.execPath, [CLI, 'merge', o.outDir, '--shards', String(o.shards), '--input', o.input, '--out', merged, '--json'], { cwd: ROOT });
    const seconds = (Date.now() - t0) / 1000;
    // Which shards this run computed (manifest written after it started) and which it skipped.
    const computed = [];
    const skipped = [];
    const stem = (i) => `shard-${String(i).padStart(5, '0')}-of-${String(o.shards).padStart(5, '0')}`;
    for (let i = 0; i < o.shards; i++) {
      const f = path.join(o.outDir, `${stem(i)}.manifest.json`);
      if (!fs.existsSync(f)) continue;
      try {
        const m = JSON.parse(fs.readFileSync(f, 'utf8'));
        (m.timings.startedAt >= startedAtIso ? computed : skipped).push(i);
      } catch {
        /* merge names a broken manifest */
      }
    }
    const base = { engine: 'slurm', jobId, shards: o.shards, tasks: states, computed, skipped, seconds };
    if (mr.code !== 0) {
      const error = (mr.stderr.trim().split('\n').pop() ?? 'merge failed').replace(/^biore: /, '');
      return { code: 1, summary: { ...base, ok: false, documents: null, merged: null, manifests: [], error } };
    }
    const r = JSON.parse(mr.stdout);
    const docsPerSecond = r.documents / seconds;
    return { code: 0, summary: { ...base, ok: true, documents: r.documents, merged: r.out, sha256: r.sha256, manifests: r.manifests, documentsPerSecond: Number(docsPerSecond.toFixed(2)) } };
  } finally {
    stopCluster();
  }
}

main().then(
  (r) => {
    if (typeof r === 'number') {
      process.exitCode = r;
      return;
    }
    process.stdout.write(r.summary && process.argv.includes('--json') ? `${JSON.stringify(r.summary)}\n` : `${JSON.stringify(r.summary, null, 1)}\n`);
    if (!r.summary.ok) log(r.summary.error);
    process.exitCode = r.code;
  },
  (e) => {
    process.stderr.write(`scale:slurm: ${e.message}\n`);
    process.exitCode = 1;
  },
);
