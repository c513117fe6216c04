/**
 * `biore extract IN [--out OUT] [--task T] [--model DIR]`: predict relations between the
 * mentions a PubTator / BioC / text file already has, and write the documents with the
 * suggested relations added (score as confidence; status `suggested`), streaming.
 */
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { DOCUMENT_FORMATS, detectFormat, documentWriter, emptyInputError, parseFormatName, readDocuments, type CollectionHeader } from '../../core/formats/formatIo';
import { ModelFolderError, loadRelationPredictor } from '../../core/inference/relations/relationPredictor';
import { TASK_NAMES, type TaskName } from '../../core/tasks/definitions';
import { addSuggestedRelations } from '../../core/curation/suggestionPolicy';
import { progressBar } from '../progress';
import { openOutput } from '../outputFile';
import { UserError } from '../userError';

export function registerExtract(program: Command): void {
  program
    .command('extract')
    .description('predict relations between the mentions of a PubTator, BioC or text file')
    .argument('<in>', 'input file')
    .option('--out <file>', 'output file (default: stdout)')
    .option('--format <format>', `output format (${DOCUMENT_FORMATS.join('|')}); default: the input's`)
    .option('--task <task>', `only this task (${TASK_NAMES.join('|')}); default: every task the models know`)
    .option('--model <dir>', 'relation model folder, or a folder of them', 'models')
    .option('--threads <n>', 'inference threads', '2')
    .action(async (input: string, o: { out?: string; format?: string; task?: string; model: string; threads: string }) => {
      if (!fs.existsSync(input)) throw new UserError(`${input}: no such file`);
      const from = detectFormat(input);
      const to = o.format === undefined ? from : parseFormatName(o.format);
      if (!to) throw new UserError(`unknown format "${o.format}" (use ${DOCUMENT_FORMATS.join(', ')})`);
      if (o.task !== undefined && !(TASK_NAMES as readonly string[]).includes(o.task)) throw new UserError(`unknown task "${o.task}" (use ${TASK_NAMES.join(', ')})`);
      const predictor = await loadRelationPredictor(o.model, { threads: Number(o.threads) }).catch((e: unknown) => {
        throw e instanceof ModelFolderError ? new UserError(e.message) : e;
      });
      const writer = documentWriter(to);
      const out = openOutput(o.out);
      const write = out.write;
      const bar = progressBar('extract', fs.statSync(input).size);
      let header: CollectionHeader = { source: '', date: '', key: '', attributes: {} };
      let docs = 0;
      let relations = 0;
      let restated = 0;
      try {
        for await (const doc of readDocuments(input, from, (h) => (header = h))) {
          if (docs === 0) await write(writer.begin(header));
          // A suggestion the file already states (same type and arguments) is not written twice.
          const r = addSuggestedRelations(doc, await predictor.predict(doc, o.task === undefined ? {} : { task: o.task as TaskName }));
          relations += r.added;
          restated += r.restated;
          await write(writer.document(doc));
          docs++;
          if (o.out) bar.update(out.bytesWritten());
        }
        if (docs === 0) throw emptyInputError(input);
        await write(writer.end());
      } catch (e) {
        bar.stop();
        out.abort();
        throw e;
      } finally {
        await predictor.dispose();
      }
      bar.stop();
      await out.commit();
      process.stderr.write(`extract: ${docs} documents, ${relations} relations suggested, ${restated} more already in the file (tasks ${predictor.tasks.join(', ')})\n`);
    });
}
