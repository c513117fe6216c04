/**
 * The vocabulary side of `biore ner`: `ner lexicon --vocabularies DIR` writes the compressed
 * vocabulary next to the lexicon, and `ner normalization-dev` scores matcher settings on dev.
 */
import type { Command } from 'commander';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Lexicon } from '../../core/inference/normalization/lexicon';
import { loadSources, normalizationDev, optionGrid } from '../../core/modelEvaluation/normalizationDev';
import { VOCABULARY_FILE, buildVocabulary, vocabularyBytes } from '../../core/inference/normalization/vocabularyLexicon';
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
  const data = vocabularyBytes(build, command);
  // A tagger trained with dictionary features (mentions/gazetteer.ts) refuses a vocabulary file other
  // than its own: do not replace it under the tagger's feet.
  const recorded = taggerDictionarySha(path.dirname(out));
  const sha = crypto.createHash('sha256').update(data).digest('hex');
  if (recorded && recorded !== sha && fs.existsSync(file)) {
    throw new UserError(`${file}: the tagger in ${path.dirname(out)} reads this file's names as dictionary features (sha256 ${recorded.slice(0, 12)}…) and the rebuilt vocabulary differs (${sha.slice(0, 12)}…); write the lexicon to another folder (--out) or retrain the tagger with dictionary=<the new file>`);
  }
  fs.writeFileSync(file, data);
  const bytes = data.length;
  lexicon.header = [`#command\t${command}`, `#sources\t${o.sources}`, `#vocabulary\t${VOCABULARY_FILE}\tnames=${build.entries.length}\tbytes=${bytes}\tepoch=D${build.epoch}`];
  process.stderr.write(`vocabulary: ${build.entries.length} names (epoch D${build.epoch}) -> ${file} (${bytes} bytes)\n`);
}

/** The sha256 of the vocabulary file a tagger folder's dictionary features were trained with, if any. */
function taggerDictionarySha(dir: string): string | undefined {
  try {
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { features?: { dictionary?: { sha256?: unknown } } };
    const sha = cfg.features?.dictionary?.sha256;
    return typeof sha === 'string' ? sha : undefined;
  } catch {
    return undefined;
  }
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
