/**
 * Run one planned experiment and keep its result as JSON (docs/experiments/<id>.json): the
 * command that reproduces it, dev and test numbers, wall time and throughput, the machine.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveNgramConfig, runNgramBaseline } from '../baselines/ngramLogReg';
import { runCnnFinetune } from '../cnnRelation/cnnFinetuneJob';
import type { TrainProgress } from '../trainer';
import { loadWordVectors } from '../../wordvec/wordVectors';
import { EXPERIMENT_DIR, type Experiment } from './plan';

export const RESULTS_DIR = 'docs/experiments';

/** What docs/experiments/<id>.json holds. */
export interface ExperimentRecord {
  id: string;
  group: string;
  what: string;
  command: string;
  date: string;
  machine: string;
  wallSeconds: number;
  tokensPerSecond?: number;
  steps?: number;
  bestStep?: number;
  dev?: Record<string, number>;
  test: Record<string, { precision: number; recall: number; f1: number; byType?: Record<string, { f1: number }>; ece?: number; withDocumentRules?: { f1: number } }>;
  model?: string;
}

/** The CLI line that reproduces an experiment by itself. */
export function experimentCommand(e: Experiment): string {
  return e.kind === 'cnn' ? `node dist/cli.js wordvec finetune ${e.overrides.join(' ')}` : `node dist/cli.js baseline ${e.overrides.join(' ')}`;
}

export async function runExperiment(e: Experiment, o: { log?: (s: string) => void; onProgress?: (p: TrainProgress) => void; signal?: AbortSignal } = {}): Promise<ExperimentRecord> {
  const log = o.log ?? (() => {});
  for (const dep of e.after) {
    if (!fs.existsSync(path.join(EXPERIMENT_DIR, dep, 'best', 'config.json'))) throw new Error(`experiment ${e.id} needs ${dep} first (biore experiment run ${dep})`);
  }
  const t0 = performance.now();
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}`;
  const base = { id: e.id, group: e.group, what: e.what, command: experimentCommand(e), date: new Date().toISOString(), machine };
  if (e.kind === 'ngram') {
    const cfg = resolveNgramConfig(e.overrides);
    const r = await runNgramBaseline(cfg, loadWordVectors('runs/wordvec-sg200').vocab, log);
    return { ...base, wallSeconds: r.seconds, dev: r.dev, test: { [cfg.task]: r.test } };
  }
  let last: TrainProgress | undefined;
  const r = await runCnnFinetune({
    overrides: e.overrides,
    command: base.command,
    resume: false,
    onLog: log,
    onProgress: (p) => {
      last = p;
      o.onProgress?.(p);
    },
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return {
    ...base,
    wallSeconds: +((performance.now() - t0) / 1000).toFixed(1),
    ...(last ? { tokensPerSecond: Math.round(last.tokensPerSecond) } : {}),
    steps: r.summary.steps,
    ...(r.summary.bestStep === undefined ? {} : { bestStep: r.summary.bestStep }),
    ...(r.dev ? { dev: r.dev } : {}),
    test: r.test as ExperimentRecord['test'],
    model: r.bestModel,
  };
}

export function saveRecord(r: ExperimentRecord, dir = RESULTS_DIR): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${r.id}.json`);
  fs.writeFileSync(file, JSON.stringify(r, null, 1) + '\n');
  return file;
}

export function loadRecords(dir = RESULTS_DIR): Map<string, ExperimentRecord> {
  const out = new Map<string, ExperimentRecord>();
  if (!fs.existsSync(dir)) return out;
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
    const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as ExperimentRecord;
    out.set(r.id, r);
  }
  return out;
}
