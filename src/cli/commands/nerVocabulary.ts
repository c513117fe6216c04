/**
 * The vocabulary side of `biore ner`: `ner lexicon --vocabularies DIR` writes the compressed
 * vocabulary next to the lexicon, and `ner normalization-dev` scores matcher settings on dev.
 */
import type { Command } from 'commander';
import * as path from 'node:path';
import type { Lexicon } from '../../core/inference/normalization/lexicon';
import { loadSources, normalizationDev, optionGrid } from '../../core/modelEvaluation/normalizationDev';
import { VOCABULARY_FILE, buildVocabulary, saveVocabulary } from '../../core/inference/normalization/vocabularyLexicon';
import { UserError } from '../userError';

/**
 * Build the vocabulary from `vocabularies` (types from the lexicon's training sources, MeSH
 * epoch from `epochSources`), write it next to `out`, and record it in the lexicon's header.
 */
export async function writeVocabularyNextTo(lexicon: Lexicon, out: string, o: { sources: string; epochSources: string; vocabularies: string }): Promise<void> {
  let training;
  let epochDocs;
  try {
    training = await loadSources(o.sources, true);
    epochDocs = await loadSources(o.epochSources, true);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const build = buildVocabulary(o.vocabularies, training, epochDocs);
  const file = path.join(path.dirname(out), VOCABULARY_FILE);
  const command = `biore ner lexicon --sources ${o.sources} --vocabularies ${o.vocabularies} --epoch-sources ${o.epochSources}`;
  const bytes = saveVocabulary(file, build, command);
  lexicon.header = [`#command\t${command}`, `#sources\t${o.sources}`, `#vocabulary\t${VOCABULARY_FILE}\tnames=${build.entries.length}\tbytes=${bytes}\tepoch=D${build.epoch}`];
  process.stderr.write(`vocabulary: ${build.entries.length} names (epoch D${build.epoch}) -> ${file} (${bytes} bytes)\n`);
}

export function registerVocabularyCommands(ner: Command): void {
  ner
    .command('normalization-dev')
    .description('score normalization settings on dev (BC5CDR dev chemicals/diseases, BioRED dev genes) with a lexicon from training splits only')
    .requiredOption('--vocabularies <dir>', 'raw vocabularies folder (e.g. ../shared/data/vocabularies)')
    .option('--sources <list>', 'training splits for the lexicon (no dev, no test)', 'bc5cdr:train,biored:train')
    .option('--epoch-sources <list>', 'splits whose highest MeSH descriptor is the epoch', 'bc5cdr:train')
    .option('--predicted <dir>', 'score from this tagger\'s mentions instead of the gold mentions')
    .option('--sweep <key=v1,v2...>', 'matcher option values to try (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--json', 'print JSON')
    .action(async (o: { vocabularies: string; sources: string; epochSources: string; predicted?: string; sweep: string[]; json?: boolean }) => {
      let grid;
      try {
        grid = optionGrid(o.sweep);
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      const r = await normalizationDev({ vocabularies: o.vocabularies, lexiconSources: o.sources, epochSources: o.epochSources, grid, ...(o.predicted ? { predicted: o.predicted } : {}), onLog: (l) => process.stderr.write(l + '\n') });
      if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
    });
}
