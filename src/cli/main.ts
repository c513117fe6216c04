/**
 * `biore`: the command-line face of the core. Thin: parse arguments, call core, print.
 * Every failure caused by input (FormatError, missing files, system errors such as a full disk)
 * prints one line naming the file and exits with status 1. A reader that closes the pipe early
 * (`biore convert ... - | head`) ends the command quietly. Anything else is a bug: one line too,
 * with the stack only under BIORE_DEBUG=1.
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
    if (isBrokenPipe(e)) return 0;
    if (isSystemError(e)) {
      process.stderr.write(`biore: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/** Node's system errors (ENOENT, EISDIR, EACCES, ENOSPC, ...) carry `code` and `syscall`; their message names the path. */
function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  const x = e as NodeJS.ErrnoException | undefined;
  return typeof x?.code === 'string' && typeof x.syscall === 'string' && typeof x.message === 'string';
}

function isBrokenPipe(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

// The reader of our stdout went away (`| head`): stop at once and quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const detail = process.env['BIORE_DEBUG'] ? ((e as Error).stack ?? String(e)) : `${(e as Error).message ?? String(e)} (BIORE_DEBUG=1 prints the stack)`;
    process.stderr.write(`biore: internal error: ${detail}\n`);
    process.exitCode = 2;
  },
);
