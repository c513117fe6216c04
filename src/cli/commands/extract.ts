/**
 * `biore extract IN [--out OUT] [--tasks T,...] [--min-score S] [--scores] [--model DIR]`: predict relations between the
 * mentions a PubTator / BioC / text file already has, and write the documents with the
 * suggested relations added (score as confidence; status `suggested`), streaming.
 */
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { DOCUMENT_FORMATS, detectFormat, documentWriter, emptyInputError, parseFormatName, readDocuments, type CollectionHeader } from '../../core/formats/formatIo';
import { ModelFolderError, loadRelationPredictor } from '../../core/inference/relations/relationPredictor';
import { addSuggestedRelations, selectPredictions } from '../../core/curation/suggestionPolicy';
import { DEFAULT_MODELS } from './annotate';
import { checkTasksLoaded, parseRelationOptions, relationOptions, type RelationCliOptions } from '../relationOptions';
import { progressBar } from '../progress';
import { openOutput } from '../outputFile';
import { UserError } from '../userError';

export function registerExtract(program: Command): void {
  const command = program
    .command('extract')
    .description('predict relations between the mentions of a PubTator, BioC or text file')
    .argument('<in>', 'input file')
    .option('--out <file>', 'output file (default: stdout)')
    .option('--format <format>', `output format (${DOCUMENT_FORMATS.join('|')}); default: the input's`)
    .option('--model <dir>', "relation model folder, or a folder of them (default: the package's models/)")
    .option('--threads <n>', 'inference threads', '2');
  relationOptions(command).action(async (input: string, o: { out?: string; format?: string; model?: string; threads: string } & RelationCliOptions) => {
      if (!fs.existsSync(input)) throw new UserError(`${input}: no such file`);
      const from = detectFormat(input);
      const to = o.format === undefined ? from : parseFormatName(o.format);
      if (!to) throw new UserError(`unknown format "${o.format}" (use ${DOCUMENT_FORMATS.join(', ')})`);
      const selection = parseRelationOptions(o);
      const modelDir = o.model ?? DEFAULT_MODELS;
      const predictor = await loadRelationPredictor(modelDir, { threads: Number(o.threads) }).catch((e: unknown) => {
        throw e instanceof ModelFolderError ? new UserError(e.message) : e;
      });
      try {
        checkTasksLoaded(selection, predictor.tasks, modelDir);
      } catch (e) {
        await predictor.dispose();
        throw e;
      }
      const writer = documentWriter(to, { scores: o.scores === true });
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
          const predicted = await predictor.predict(doc, selection.tasks ? { tasks: selection.tasks } : {});
          const r = addSuggestedRelations(doc, selectPredictions(predicted, selection));
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
      process.stderr.write(`extract: ${docs} documents, ${relations} relations suggested, ${restated} more already in the file (tasks ${(selection.tasks ?? predictor.tasks).join(', ')}${selection.minScore !== undefined ? `, score >= ${selection.minScore}` : ''})\n`);
    });
}
