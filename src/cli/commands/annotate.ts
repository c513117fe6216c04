/**
 * `biore annotate IN [--out OUT] [--format F]`: find mentions (when the input has none, or with
 * --redetect), normalize them to concept ids, suggest relations with the shipped relation models,
 * and write the documents, streaming in batches with a progress bar on stderr.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { DOCUMENT_FORMATS, detectFormat, documentWriter, emptyInputError, parseFormatName, readDocuments, type CollectionHeader } from '../../core/formats/formatIo';
import type { Document } from '../../core/document/document';
import { annotateDocuments, pubTatorLayout, type RelationSuggester } from '../../core/curation/annotate';
import { LEXICON_FILE, bundledModelsRoot, bundledTaggerFolder } from '../../core/inference/modelFolders';
import type { Lexicon } from '../../core/inference/normalization/lexicon';
import { loadLexicon } from '../../core/inference/normalization/conceptMatcher';
import { loadNerTagger, type NerTagger } from '../../core/inference/mentions/nerTagger';
import { NER_TYPES, type NerType } from '../../core/inference/mentions/tags';
import { ModelFolderError, loadRelationPredictor, type RelationPredictor } from '../../core/inference/relations/relationPredictor';
import { selectPredictions } from '../../core/curation/suggestionPolicy';
import { checkTasksLoaded, parseRelationOptions, relationOptions, type RelationCliOptions } from '../relationOptions';
import { progressBar } from '../progress';
import { openOutput } from '../outputFile';
import { UserError } from '../userError';
import { planAnnotateShard, runAnnotateShard } from './annotateShard';

/** The package's own models/ folder (not the working folder's): the default relation models. */
export const DEFAULT_MODELS = bundledModelsRoot();
/** Default tagger folder shipped in the package's models/. */
export const DEFAULT_NER_MODEL = bundledTaggerFolder();

interface AnnotateCliOptions extends RelationCliOptions {
  out?: string;
  format?: string;
  model: string;
  lexicon?: string;
  relations?: string;
  redetect?: boolean;
  types?: string;
  threads: string;
  shard?: string;
}

export function registerAnnotate(program: Command): void {
  const command = program
    .command('annotate')
    .description('find chemical, gene and disease mentions, normalize them, and suggest relations (text, PubTator or BioC input)')
    .argument('<in>', 'input file (.txt, .pubtator, .xml BioC, .json BioC JSON)')
    .option('--out <file>', 'output file (default: stdout)')
    .option('--format <format>', `output format (${DOCUMENT_FORMATS.join('|')}); default: the input's (PubTator for text)`)
    .option('--model <dir>', 'mention tagger folder', DEFAULT_NER_MODEL)
    .option('--lexicon <file>', `normalization lexicon (default: <model>/${LEXICON_FILE})`)
    .option('--relations <dir>', `relation model folder, or a folder of them (default: the package's models/ when it holds any; "none" to skip)`)
    .option('--redetect', 'detect mentions even where the input already has some (replacing them)')
    .option('--types <list>', `mention types to detect, comma-separated (${NER_TYPES.join(',')})`)
    .option('--threads <n>', 'inference threads', '2')
    .option('--shard <i/n>', 'annotate only shard i of n (contiguous blocks of documents, from 0); --out is then a folder getting the shard output and its manifest; a finished shard is skipped (see biore merge)')
;
  relationOptions(command).action(async (input: string, o: AnnotateCliOptions) => {
      if (!fs.existsSync(input)) throw new UserError(`${input}: no such file`);
      const from = detectFormat(input);
      const to = o.format === undefined ? (from === 'text' ? 'pubtator' : from) : parseFormatName(o.format);
      if (!to) throw new UserError(`unknown format "${o.format}" (use ${DOCUMENT_FORMATS.join(', ')})`);
      const selection = parseRelationOptions(o);
      const types = o.types?.split(',').map((t) => t.trim());
      if (types?.some((t) => !(NER_TYPES as readonly string[]).includes(t))) throw new UserError(`--types: use ${NER_TYPES.join(', ')}`);
      const threads = Number(o.threads);
      const shardPlan = o.shard === undefined ? undefined : await planAnnotateShard(input, from, to, o.lexicon ?? path.join(o.model, LEXICON_FILE), { ...o, shard: o.shard, selection });
      if (shardPlan?.status === 'complete') {
        process.stderr.write(`annotate: shard ${o.shard} already complete (${shardPlan.manifest.documents} documents, ${shardPlan.manifestFile}); skipped\n`);
        return;
      }
      let tagger: NerTagger;
      try {
        tagger = await loadNerTagger(o.model, { threads });
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      const lexFile = o.lexicon ?? path.join(o.model, LEXICON_FILE);
      let lexicon: Lexicon | undefined;
      if (fs.existsSync(lexFile)) lexicon = loadLexicon(lexFile);
      else if (o.lexicon) throw new UserError(`${lexFile}: no such file`);
      let predictor: RelationPredictor | undefined;
      if (o.relations !== 'none') {
        try {
          predictor = await loadRelationPredictor(o.relations ?? DEFAULT_MODELS, { threads });
          checkTasksLoaded(selection, predictor.tasks, o.relations ?? DEFAULT_MODELS);
        } catch (e) {
          if (!(e instanceof ModelFolderError)) throw e;
          if (o.relations !== undefined) throw new UserError(e.message);
          process.stderr.write(`annotate: no relation model (${e.message}); mentions only\n`);
        }
      }
      const relations: RelationSuggester | undefined = predictor
        ? {
            predict: async (doc, po) => {
              const r = selectPredictions(await predictor.predict(doc, { ...(selection.tasks ? { tasks: selection.tasks } : {}), ...(po?.signal ? { signal: po.signal } : {}) }), selection);
              for (const p of r) p.relation.attributes['task'] = p.task;
              return r;
            },
          }
        : undefined;
      const ac = new AbortController();
      const annotateBatch = (docs: Document[]): ReturnType<typeof annotateDocuments> =>
        annotateDocuments(docs, { tagger, ...(lexicon ? { lexicon } : {}), ...(relations ? { relations } : {}), ...(o.redetect ? { redetect: true } : {}), ...(types ? { types: types as NerType[] } : {}), signal: ac.signal });
      if (shardPlan) {
        await runAnnotateShard(shardPlan, { annotateBatch, abort: ac, ...(to === 'pubtator' ? { layout: pubTatorLayout } : {}), dispose: async () => (await tagger.dispose(), await predictor?.dispose()) });
        return;
      }
      const writer = documentWriter(to, { scores: o.scores === true });
      const out = openOutput(o.out);
      const write = out.write;
      const onInt = (): void => ac.abort();
      process.once('SIGINT', onInt);
      const size = fs.statSync(input).size;
      const bar = progressBar('annotate', size);
      let header: CollectionHeader = { source: '', date: '', key: '', attributes: {} };
      let docs = 0;
      let mentions = 0;
      let suggested = 0;
      let readChars = 0;
      const batch: Document[] = [];
      const flush = async (): Promise<void> => {
        if (!batch.length) return;
        const reports = await annotateBatch(batch);
        for (const [i, d] of batch.entries()) {
          mentions += reports[i]!.mentions;
          suggested += reports[i]!.relations;
          await write(writer.document(to === 'pubtator' ? pubTatorLayout(d) : d));
        }
        batch.length = 0;
        bar.update(Math.min(size, readChars));
      };
      try {
        for await (const doc of readDocuments(input, from, (h) => (header = h))) {
          if (docs === 0) await write(writer.begin(header));
          docs++;
          readChars += doc.passages.reduce((n, p) => n + p.text.length + 4, 0);
          batch.push(doc);
          if (batch.length >= 32) await flush();
        }
        await flush();
        if (docs === 0) throw emptyInputError(input);
        await write(writer.end());
      } catch (e) {
        bar.stop();
        out.abort();
        if (ac.signal.aborted) throw new UserError('interrupted');
        throw e;
      } finally {
        process.removeListener('SIGINT', onInt);
        await tagger.dispose();
        await predictor?.dispose();
      }
      bar.stop();
      await out.commit();
      process.stderr.write(`annotate: ${docs} documents, ${mentions} mentions, ${suggested} relations suggested${predictor ? ` (tasks ${(selection.tasks ?? predictor.tasks).join(', ')}${selection.minScore !== undefined ? `, score >= ${selection.minScore}` : ''})` : ''}\n`);
    });
}
