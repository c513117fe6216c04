/**
 * `biore bench relations`: latency of relation suggestion per abstract, as a curator meets it —
 * candidate building, encoding and the model pass for every pair of one document — on 1 and 2
 * threads, for each task of the shipped relation models, on documents of the task's test split.
 */
import type { Command } from 'commander';
import { loadSplit } from '../../core/corpora/registry';
import { RELATION_EVAL_TASKS } from '../../core/modelEvaluation/evaluateRelations';
import { loadRelationPredictor } from '../../core/inference/relations/relationPredictor';
import { taskView } from '../../core/inference/relations/taskView';
import { generateCandidates } from '../../core/tasks/candidates';

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

export function registerBenchRelations(bench: Command): void {
  bench
    .command('relations')
    .description('milliseconds per abstract to suggest relations for every candidate pair, 1 and 2 threads')
    .option('--model <dir>', 'relation model folder, or a folder of them', 'models')
    .option('--documents <n>', 'documents per task', '100')
    .option('--json', 'print JSON')
    .action(async (o: { model: string; documents: string; json?: boolean }) => {
      const rows = [];
      for (const threads of [1, 2]) {
        const predictor = await loadRelationPredictor(o.model, { threads });
        try {
          for (const task of predictor.tasks) {
            const spec = Object.values(RELATION_EVAL_TASKS).find((s) => s.task === task)!;
            const docs = (await loadSplit(spec.corpus, spec.split)).documents.slice(0, Number(o.documents));
            await predictor.predict(docs[0]!, { task }); // warm-up
            const ms: number[] = [];
            let pairs = 0;
            for (const d of docs) {
              pairs += generateCandidates(task, taskView(d, task)).length;
              const t0 = performance.now();
              await predictor.predict(d, { task });
              ms.push(performance.now() - t0);
            }
            const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
            rows.push({ task, threads, documents: docs.length, pairsPerDocument: +(pairs / docs.length).toFixed(1), msPerDocumentMean: +mean.toFixed(2), msPerDocumentMedian: +quantile(ms, 0.5).toFixed(2), msPerDocumentP95: +quantile(ms, 0.95).toFixed(2), msPerPair: +((mean * docs.length) / Math.max(1, pairs)).toFixed(3) });
          }
        } finally {
          await predictor.dispose();
        }
      }
      if (o.json) process.stdout.write(JSON.stringify(rows, null, 1) + '\n');
      else for (const r of rows) process.stdout.write(`${r.task.padEnd(9)} threads ${r.threads}  ${r.pairsPerDocument} pairs/doc  mean ${r.msPerDocumentMean} ms  median ${r.msPerDocumentMedian} ms  p95 ${r.msPerDocumentP95} ms  ${r.msPerPair} ms/pair\n`);
    });
}
