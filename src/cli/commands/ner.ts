/**
 * `biore ner train|repack|ensemble|held-out|calibrate|fit-rules|lexicon`: the mention tagger, its
 * ensembles, its score calibration, its decode-time rules and the normalization lexicon.
 */
import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LEXICON_SOURCES, buildTrainingLexicon } from '../../core/inference/normalization/lexicon';
import { registerVocabularyCommands, writeVocabularyNextTo } from './nerVocabulary';
import { nerConfigKeys, resolveNerConfig, runNerTrain } from '../../core/training/ner/nerTrainJob';
import { repackNerFolder } from '../../core/training/ner/nerModel';
import { calibrateTaggerFolder } from '../../core/modelEvaluation/calibrateMentions';
import { fitTaggerRules } from '../../core/modelEvaluation/fitMentionRules';
import { scoreHeldOutMentions } from '../../core/modelEvaluation/heldOutMentions';
import { buildNerEnsemble } from '../../core/training/ner/nerEnsemble';
import { UserError } from '../userError';
import { startTrainingRun } from '../trainingRun';


/**
 * Run a command on a tagger folder and print its report as JSON; a folder that is not a tagger or
 * lacks the records the command needs is the user's error (a message, no stack).
 */
async function printForTaggerFolder(run: () => Promise<unknown>): Promise<void> {
  let r;
  try {
    r = await run();
  } catch (e) {
    const m = (e as Error).message;
    if (/config\.json|not a mention tagger|is missing|unknown corpus|not available/.test(m)) throw new UserError(m);
    throw e;
  }
  process.stdout.write(JSON.stringify(r, null, 1) + '\n');
}

export function registerNer(program: Command): void {
  const ner = program.command('ner').description('mention tagger (Chemical, Gene, Disease) and concept normalization');

  ner
    .command('train')
    .description(`train the mention tagger (encoder=cnn, or encoder=bilstm with a char CNN) on word vectors; key=value overrides. Keys: ${nerConfigKeys().join(', ')}`)
    .option('--no-resume', 'start from scratch even if <outDir>/checkpoint.bin exists')
    .argument('[overrides...]', 'config overrides key=value')
    .action(async (overrides: string[], o: { resume: boolean }) => {
      try {
        resolveNerConfig(overrides);
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      const run = startTrainingRun({
        describeEval: (ev) => `held-out P ${ev['precision']!.toFixed(1)} R ${ev['recall']!.toFixed(1)} F1 ${ev['f1']!.toFixed(2)} ${Object.entries(ev).filter(([k]) => k.startsWith('f1.')).map(([k, v]) => `${k.slice(3)} ${v.toFixed(1)}`).join(' ')}`,
      });
      let r;
      try {
        r = await runNerTrain({ overrides, ...run, resume: o.resume, command: `biore ner train ${overrides.join(' ')}`.trim() });
      } catch (e) {
        const m = (e as Error).message;
        if (/not a word-vector folder|unknown corpus|may not feed training|has no split|no mention types/.test(m)) throw new UserError(m);
        throw e;
      }
      process.stdout.write(JSON.stringify({ dev: r.dev, examples: r.examples, bestModel: r.bestModel, bestStep: r.summary.bestStep, steps: r.summary.steps, stoppedBy: r.summary.stoppedBy, seconds: r.summary.seconds, history: r.summary.history }, null, 1) + '\n');
    });

  ner
    .command('repack')
    .description('re-export a tagger folder with its word table as int8 rows (half the size of float16)')
    .requiredOption('--from <dir>', 'tagger folder')
    .requiredOption('--to <dir>', 'destination folder (may be the same)')
    .action((o: { from: string; to: string }) => {
      const r = repackNerFolder(o.from, o.to);
      process.stdout.write(JSON.stringify({ to: o.to, modelBytes: r.bytes }) + '\n');
    });

  ner
    .command('held-out')
    .description("strict mention F1 of a tagger folder on the held-out documents of its training run (the score training selects on; the tagger alone, no rules or consistency)")
    .option('--model <dir>', 'tagger folder', 'models/ner')
    .option('--threads <n>', 'onnxruntime threads', (v) => Number(v), 2)
    .action((o: { model: string; threads: number }) => printForTaggerFolder(() => scoreHeldOutMentions(o.model, { threads: o.threads, onLog: (l) => process.stderr.write(`${l}\n`) })));

  ner
    .command('ensemble')
    .description("one tagger folder whose graph averages the CRF scores of several taggers sharing the first one's word table (the others trained with wordTable=<first>); prints each member's and the ensemble's held-out F1")
    .requiredOption('--members <dirs>', 'comma-separated tagger folders; the first one gives the word table and side files')
    .requiredOption('--to <dir>', 'new folder')
    .option('--weights <list>', 'one positive weight per member (default equal)')
    .option('--threads <n>', 'onnxruntime threads', (v) => Number(v), 2)
    .action(async (o: { members: string; to: string; weights?: string; threads: number }) => {
      const members = o.members.split(',').filter((m) => m !== '');
      let built;
      try {
        built = buildNerEnsemble(members, o.to, { ...(o.weights ? { weights: o.weights.split(',').map(Number) } : {}), command: `biore ner ensemble --members ${o.members} --to ${o.to}${o.weights ? ` --weights ${o.weights}` : ''}` });
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      const heldOut = [];
      for (const dir of [...members, o.to]) heldOut.push(await scoreHeldOutMentions(dir, { threads: o.threads, onLog: (l) => process.stderr.write(`${dir}: ${l}\n`) }));
      process.stdout.write(JSON.stringify({ ...built, heldOut, next: `biore ner fit-rules --model ${o.to}, then biore ner calibrate --model ${o.to}` }, null, 1) + '\n');
    });

  ner
    .command('calibrate')
    .description("fit the tagger folder's mention score calibration (Platt scaling of its scores, one precision for mentions document consistency adds) on the held-out documents of its training run, and record it in its config.json")
    .option('--model <dir>', 'tagger folder', 'models/ner')
    .option('--threads <n>', 'onnxruntime threads', (v) => Number(v), 2)
    .option('--by-type', 'one scaling per mention type (measured no better on held-out documents; see calibrateMentions.ts)')
    .action((o: { model: string; threads: number; byType?: boolean }) => printForTaggerFolder(() => calibrateTaggerFolder(o.model, { threads: o.threads, byType: o.byType === true, onLog: (l) => process.stderr.write(`${l}\n`) })));

  ner
    .command('fit-rules')
    .description("choose the tagger folder's decode-time mention rules (chemical prefixes, short-form veto, receptor ligands) by strict mention F1 on the held-out documents of its training run for one target corpus, and record them in its config.json; refit the calibration afterwards")
    .option('--model <dir>', 'tagger folder', 'models/ner')
    .option('--target <corpus>', 'the training corpus whose annotation guidelines the rules follow', 'bc5cdr')
    .option('--threads <n>', 'onnxruntime threads', (v) => Number(v), 2)
    .action((o: { model: string; target: string; threads: number }) => printForTaggerFolder(() => fitTaggerRules(o.model, { target: o.target, threads: o.threads, onLog: (l) => process.stderr.write(`${l}\n`) })));

  ner
    .command('lexicon')
    .description('build the normalization lexicon (surface form -> MeSH / NCBI Gene id) from training annotations')
    .option('--sources <list>', 'corpus:split list (test splits refused)', LEXICON_SOURCES)
    .option('--out <file>', 'output TSV', 'models/ner/lexicon.tsv')
    .option('--vocabularies <dir>', 'also build vocabulary.tsv.br next to --out from these vocabularies (e.g. ../shared/data/vocabularies)')
    .option('--epoch-sources <list>', 'corpus:split list whose highest MeSH descriptor is the MeSH epoch', 'bc5cdr:train,bc5cdr:dev')
    .action(async (o: { sources: string; out: string; vocabularies?: string; epochSources: string }) => {
      let r;
      try {
        r = await buildTrainingLexicon(o.sources);
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      fs.mkdirSync(path.dirname(o.out), { recursive: true });
      if (o.vocabularies) await writeVocabularyNextTo(r.lexicon, o.out, { ...o, vocabularies: o.vocabularies });
      r.lexicon.save(o.out);
      process.stderr.write(`lexicon: ${r.lexicon.size} entries from ${r.documents} documents (${r.sources.join(', ')}) -> ${o.out}\n`);
    });

  registerVocabularyCommands(ner);
}
