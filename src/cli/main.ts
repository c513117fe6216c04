/**
 * `biore`: the command-line face of the core. Thin: parse arguments, call core, print.
 * Every failure caused by input (FormatError, missing files) prints one line naming the file and
 * exits with status 1; only programming errors print a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { FormatError } from '../core/shared/errors';
import { registerConvert } from './commands/convert';
import { registerCorpus } from './commands/corpus';
import { registerScore } from './commands/score';
import { registerBench } from './commands/bench';
import { registerEval } from './commands/evalSplitter';
import { registerInspect } from './commands/inspect';
import { registerPretrain } from './commands/pretrain';
import { registerTokenizer } from './commands/tokenizer';
import { registerFinetune } from './commands/finetune';
import { registerWordvec } from './commands/wordvec';
import { registerNer } from './commands/ner';
import { registerAnnotate } from './commands/annotate';
import { registerEvaluate } from './commands/evaluate';
import { registerExtract } from './commands/extract';
import { registerExperiment } from './commands/experiment';
import { registerMerge } from './commands/merge';
import { UserError } from './userError';

function buildProgram(): Command {
  const program = new Command('biore')
    .description('BioRE Curator: biomedical mentions and relations, offline')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerInspect(program);
  registerConvert(program);
  registerCorpus(program);
  registerScore(program);
  registerEval(program);
  registerBench(program);
  registerPretrain(program);
  registerTokenizer(program);
  registerFinetune(program);
  registerWordvec(program);
  registerNer(program);
  registerAnnotate(program);
  registerMerge(program);
  registerExtract(program);
  registerEvaluate(program);
  registerExperiment(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof FormatError || e instanceof UserError) {
      process.stderr.write(`biore: ${e.message}\n`);
      return 1;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
      process.stderr.write(`biore: ${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`biore: internal error: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 2;
  },
);
