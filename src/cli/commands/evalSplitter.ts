import type { Command } from 'commander';
import { dataRoot } from '../../core/corpora/dataRoot';
import { formatSentenceBoundaryReport, runSentenceBoundaryEvaluation } from '../../core/evaluation/sentenceBoundaries';

export function registerEval(program: Command): void {
  const ev = program.command('eval').description('evaluations of core components');
  ev.command('splitter')
    .description('sentence splitter boundary precision/recall against DDI-2013 gold sentences')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const report = await runSentenceBoundaryEvaluation(dataRoot());
      process.stdout.write(opts.json ? JSON.stringify(report, null, 1) + '\n' : formatSentenceBoundaryReport(report) + '\n');
    });
}
