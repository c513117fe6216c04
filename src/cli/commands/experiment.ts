/**
 * `biore experiment list|run|report` and `biore baseline`: the relation experiments of
 * docs/results.md (plan in src/core/training/experiments/plan.ts).
 */
import type { Command } from 'commander';
import { resolveNgramConfig, runNgramBaseline, type NgramConfig } from '../../core/training/baselines/ngramLogReg';
import { EXPERIMENTS, findExperiment } from '../../core/training/experiments/plan';
import { writeReport } from '../../core/training/experiments/report';
import { experimentCommand, loadRecords, runExperiment, saveRecord } from '../../core/training/experiments/runner';
import { loadWordVectors } from '../../core/wordvec/wordVectors';
import { UserError } from '../userError';
import { startTrainingRun } from '../trainingRun';

export function registerExperiment(program: Command): void {
  const ex = program.command('experiment').description('the relation experiments behind docs/results.md');
  ex.command('list')
    .description('planned experiments, their commands and whether a result exists')
    .action(() => {
      const done = loadRecords();
      for (const e of EXPERIMENTS) process.stdout.write(`${done.has(e.id) ? '✓' : ' '} ${e.id.padEnd(28)} ${e.group.padEnd(13)} ${experimentCommand(e)}\n`);
    });
  ex.command('run')
    .description('run experiments (in order) and save each result to docs/experiments/<id>.json')
    .argument('<ids...>', 'experiment ids (see `experiment list`)')
    .action(async (ids: string[]) => {
      for (const id of ids) {
        const e = findExperiment(id);
        if (!e) throw new UserError(`unknown experiment "${id}" (see biore experiment list)`);
      }
      const run = startTrainingRun({ describeEval: (ev) => `dev ${Object.entries(ev).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(' ')}`, report: (p) => p.eval !== undefined || p.step % 500 === 0 });
      for (const id of ids) {
        const e = findExperiment(id)!;
        process.stderr.write(`== ${id}: ${experimentCommand(e)}\n`);
        const r = await runExperiment(e, {
          signal: run.signal,
          log: run.onLog,
          onProgress: run.onProgress,
        });
        process.stderr.write(`saved ${saveRecord(r)}\n`);
        process.stdout.write(JSON.stringify({ id: r.id, test: Object.fromEntries(Object.entries(r.test).map(([k, v]) => [k, v.f1])) }) + '\n');
      }
    });
  ex.command('report')
    .description('rebuild the generated section of docs/results.md and docs/low-resource.svg from docs/experiments/*.json')
    .action(() => {
      const rs = loadRecords();
      writeReport(rs);
      process.stderr.write(`report: ${rs.size} experiment results → docs/results.md, docs/low-resource.svg\n`);
    });
  program
    .command('baseline')
    .description('logistic regression on hashed n-grams over the same candidates (key=value: task, epochs, learningRate, noneWeight, ...)')
    .argument('[overrides...]', 'key=value')
    .action(async (overrides: string[]) => {
      let c: NgramConfig;
      try {
        c = resolveNgramConfig(overrides);
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      const r = await runNgramBaseline(c, loadWordVectors('runs/wordvec-sg200').vocab, (l) => process.stderr.write(l + '\n'));
      process.stdout.write(JSON.stringify(r, null, 1) + '\n');
    });
}
