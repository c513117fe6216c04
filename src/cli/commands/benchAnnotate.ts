/**
 * `biore bench annotate`: abstracts per second for the full `annotate` pipeline (mention tagger,
 * normalization, relation models when present) on 1 and 2 threads, and the process's peak memory.
 * The abstracts are BC5CDR test texts with their annotations removed (timing only, no scores).
 */
import type { Command } from 'commander';
import { loadSplit } from '../../core/corpora/registry';
import { annotateDocuments } from '../../core/curation/annotate';
import { bareCopy } from '../../core/modelEvaluation/evaluateMentions';
import { loadLexicon } from '../../core/inference/normalization/conceptMatcher';
import { loadNerTagger } from '../../core/inference/mentions/nerTagger';
import { ModelFolderError, loadRelationPredictor } from '../../core/inference/relations/relationPredictor';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LEXICON_FILE } from '../../core/inference/modelFolders';
import { DEFAULT_NER_MODEL } from './annotate';

export function registerBenchAnnotate(bench: Command): void {
  bench
    .command('annotate')
    .description('full annotation (mentions, normalization, relations): abstracts/s on 1 and 2 threads, peak memory')
    .option('--model <dir>', 'mention tagger folder', DEFAULT_NER_MODEL)
    .option('--relations <dir>', 'relation model folder(s) ("none" to skip)', 'models')
    .option('--documents <n>', 'abstracts to annotate per setting', '200')
    .option('--json', 'print JSON')
    .action(async (o: { model: string; relations: string; documents: string; json?: boolean }) => {
      const docs = (await loadSplit('bc5cdr', 'test')).documents.slice(0, Number(o.documents));
      const lexFile = path.join(o.model, LEXICON_FILE);
      const lexicon = fs.existsSync(lexFile) ? loadLexicon(lexFile) : undefined;
      const rows: { threads: number; relations: string; documents: number; seconds: number; abstractsPerSecond: number; mentions: number; relationsSuggested: number }[] = [];
      for (const threads of [1, 2]) {
        const tagger = await loadNerTagger(o.model, { threads });
        let predictor;
        if (o.relations !== 'none') {
          try {
            predictor = await loadRelationPredictor(o.relations, { threads });
          } catch (e) {
            if (!(e instanceof ModelFolderError)) throw e;
          }
        }
        const batch = docs.map(bareCopy);
        const t0 = performance.now();
        const reports = await annotateDocuments(batch, { tagger, ...(lexicon ? { lexicon } : {}), ...(predictor ? { relations: predictor } : {}) });
        const seconds = (performance.now() - t0) / 1000;
        rows.push({
          threads,
          relations: predictor ? predictor.tasks.join(',') : 'none',
          documents: batch.length,
          seconds: +seconds.toFixed(2),
          abstractsPerSecond: +(batch.length / seconds).toFixed(1),
          mentions: reports.reduce((n, r) => n + r.mentions, 0),
          relationsSuggested: reports.reduce((n, r) => n + r.relations, 0),
        });
        await tagger.dispose();
        await predictor?.dispose();
      }
      const peakMemoryMB = Math.round(process.resourceUsage().maxRSS / 1024);
      if (o.json) process.stdout.write(JSON.stringify({ rows, peakMemoryMB }) + '\n');
      else {
        for (const r of rows) process.stdout.write(`threads ${r.threads}: ${r.abstractsPerSecond} abstracts/s (${r.documents} in ${r.seconds} s; relations: ${r.relations})\n`);
        process.stdout.write(`peak memory ${peakMemoryMB} MB\n`);
      }
    });
}
