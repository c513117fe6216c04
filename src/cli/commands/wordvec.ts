/**
 * `biore wordvec`: the static-word-vector baseline.
 *   train      skip-gram vectors over all training text (leak guard on, no test split)
 *   finetune   CNN relation classifier on those vectors, same splits and scorer as `biore finetune`
 *   lm         pre-train a BiLSTM relation model's LSTM as a language model on the same text
 *   neighbors  nearest words by cosine (a sanity check of a vector folder)
 */
import type { Command } from 'commander';
import { runCnnFinetune } from '../../core/training/cnnRelation/cnnFinetuneJob';
import { DEFAULT_SKIPGRAM } from '../../core/training/wordvec/skipgram';
import { nearest } from '../../core/training/wordvec/skipgram';
import { loadWordVectors } from '../../core/wordvec/wordVectors';
import { runWordvecTrain } from '../../core/training/wordvec/wordvecJob';
import { SPECIAL_WORDS } from '../../core/wordvec/wordVocab';
import { UserError } from '../userError';
import { fmtTime, startTrainingRun } from '../trainingRun';
import { cnnConfigKeys, resolveCnnConfig } from '../../core/training/cnnRelation/cnnConfig';
import { pruneCnnRelationFolder } from '../../core/training/cnnRelation/cnnPrune';
import { LstmLmConfigSchema, resolveLstmLmConfig, runLstmLmPretrain } from '../../core/training/bilstmRelation/lstmLmJob';
import { TrainConfigSchema } from '../../core/training/trainConfig';


/** A positive number option, or a UserError naming the option. */
function num(name: string, raw: string, integer: boolean): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) throw new UserError(`--${name} needs a ${integer ? 'non-negative integer' : 'non-negative number'}, got "${raw}"`);
  return n;
}

interface TrainOpts {
  out: string;
  dim: string;
  window: string;
  negatives: string;
  epochs: string;
  minCount: string;
  maxVocab?: string;
  sample: string;
  alpha: string;
  seed: string;
  threads: string;
  corpora?: string;
  maxTokens?: string;
}

/** Register `biore wordvec train|finetune|neighbors`. */
export function registerWordvec(program: Command): void {
  const wv = program.command('wordvec').description('static word vectors (skip-gram) and the CNN relation baseline');
  const d = DEFAULT_SKIPGRAM;
  wv.command('train')
    .description('train skip-gram vectors on every training split (no test split, leak guard on, de-duplicated)')
    .requiredOption('--out <dir>', 'output folder (vectors.f32, vocab.tsv, meta.json)')
    .option('--dim <n>', 'vector size', String(d.dim))
    .option('--window <n>', 'maximum context distance each side', String(d.window))
    .option('--negatives <n>', 'negative samples per pair', String(d.negatives))
    .option('--epochs <n>', 'passes over the text', String(d.epochs))
    .option('--min-count <n>', 'words seen fewer times are unknown', '3')
    .option('--max-vocab <n>', 'at most N words: raises the minimum count until the vocabulary fits')
    .option('--sample <t>', 'frequent-word subsampling threshold (0: off)', String(d.sample))
    .option('--alpha <lr>', 'starting learning rate (decays linearly)', String(d.learningRate))
    .option('--seed <n>', 'random seed (same seed, same vectors)', String(d.seed))
    .option('--threads <n>', 'training threads: 1 is deterministic (a seed fixes the vectors); more run lock-free workers, about n times faster on free cores', '1')
    .option('--corpora <list>', 'comma-separated corpus or corpus:split names (default: every training split)')
    .option('--max-tokens <n>', 'read only the first N tokens of the text (a slice, e.g. to measure speed)')
    .action(async (o: TrainOpts) => {
      const threads = num('threads', o.threads, true);
      if (threads < 1) throw new UserError('--threads must be at least 1');
      const options = {
        dim: num('dim', o.dim, true),
        window: num('window', o.window, true),
        negatives: num('negatives', o.negatives, true),
        epochs: num('epochs', o.epochs, true),
        sample: num('sample', o.sample, false),
        learningRate: num('alpha', o.alpha, false),
        seed: num('seed', o.seed, true),
      };
      if (options.dim < 1 || options.window < 1 || options.epochs < 1) throw new UserError('--dim, --window and --epochs must be at least 1');
      // No SIGINT handler: the single-threaded loop never yields, so Ctrl-C must keep its default (exit).
      const argv = process.argv.slice(2).join(' ');
      let r;
      try {
        r = await runWordvecTrain({
          out: o.out,
          options,
          minCount: num('min-count', o.minCount, true),
          ...(o.maxVocab === undefined ? {} : { maxVocab: num('max-vocab', o.maxVocab, true) }),
          corpora: o.corpora ? o.corpora.split(',').filter(Boolean) : [],
          ...(o.maxTokens === undefined ? {} : { maxTokens: num('max-tokens', o.maxTokens, true) }),
          threads,
          command: `biore ${argv}`,
          onLog: (l) => process.stderr.write(`wordvec: ${l}\n`),
          onProgress: (p) => {
            const eta = ((p.total - p.processed) / Math.max(1, p.tokensPerSecond)) | 0;
            process.stderr.write(
              `epoch ${p.epoch} ${((100 * p.processed) / Math.max(1, p.total)).toFixed(1)}% alpha ${p.learningRate.toFixed(5)} ${Math.round(p.tokensPerSecond)} words/s elapsed ${fmtTime(p.elapsedSeconds)} eta ${fmtTime(eta)}\n`,
            );
          },
        });
      } catch (e) {
        const m = (e as Error).message;
        if (/unknown corpus|may not feed training|is not under|has no split/.test(m)) throw new UserError(m);
        throw e;
      }
      process.stdout.write(JSON.stringify(r, null, 1) + '\n');
    });

  wv.command('finetune')
    .description(`train the CNN relation classifier on word vectors; key=value overrides (vectors=DIR task=ddi outDir=... maxSteps=... windows=3,4,5 ...). Keys: ${cnnConfigKeys().join(', ')}`)
    .option('--no-resume', 'start from scratch even if <outDir>/checkpoint.bin exists')
    .argument('[overrides...]', 'config overrides key=value')
    .action(async (overrides: string[], o: { resume: boolean }) => {
      try {
        resolveCnnConfig(overrides);
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      const run = startTrainingRun({
        describeEval: (ev) => `dev ${Object.entries(ev).filter(([k]) => k !== 'trainLoss' && k !== 'evalLoss').map(([k, v]) => `${k === 'f1' ? 'F1' : k === 'precision' ? 'P' : k === 'recall' ? 'R' : k} ${v.toFixed(2)}`).join(' ')}`,
      });
      let r;
      try {
        r = await runCnnFinetune({ overrides, ...run, resume: o.resume, command: `biore wordvec finetune ${overrides.join(' ')}`.trim() });
      } catch (e) {
        if (/not a word-vector folder/.test((e as Error).message)) throw new UserError((e as Error).message);
        throw e;
      }
      process.stdout.write(JSON.stringify({ dev: r.dev, test: r.test, examples: r.examples, bestModel: r.bestModel, bestStep: r.summary.bestStep, steps: r.summary.steps, stoppedBy: r.summary.stoppedBy, seconds: r.summary.seconds, history: r.summary.history }, null, 1) + '\n');
    });

  wv.command('lm')
    .description(`pre-train the LSTM of a BiLSTM relation model as a forward + backward language model on the vectors' training text (then \`wordvec finetune family=bilstm initFrom=<outDir>/best\`); key=value overrides. Keys: ${[...Object.keys(LstmLmConfigSchema.shape), ...Object.keys(TrainConfigSchema.shape)].join(', ')}`)
    .option('--no-resume', 'start from scratch even if <outDir>/checkpoint.bin exists')
    .argument('[overrides...]', 'config overrides key=value')
    .action(async (overrides: string[], o: { resume: boolean }) => {
      try {
        resolveLstmLmConfig(overrides);
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      const run = startTrainingRun({ describeEval: (ev) => `held-out loss ${ev['evalLoss']?.toFixed(4)} perplexity ${ev['perplexity']?.toFixed(1)}` });
      let r;
      try {
        r = await runLstmLmPretrain({ overrides, ...run, resume: o.resume, command: `biore wordvec lm ${overrides.join(' ')}`.trim(), onLog: (l) => process.stderr.write(`lm: ${l}\n`) });
      } catch (e) {
        if (/not a word-vector folder/.test((e as Error).message)) throw new UserError((e as Error).message);
        throw e;
      }
      process.stdout.write(JSON.stringify({ best: r.summary.best, bestStep: r.summary.bestStep, bestModel: r.bestModel, steps: r.summary.steps, stoppedBy: r.summary.stoppedBy, seconds: r.summary.seconds, text: r.text, history: r.summary.history }, null, 1) + '\n');
    });

  wv.command('prune')
    .description('re-export a CNN relation folder keeping only its N most frequent words (the rest read as unknown)')
    .requiredOption('--from <dir>', 'relation model folder')
    .requiredOption('--to <dir>', 'destination folder (may be the same)')
    .requiredOption('--keep-words <n>', 'words to keep, the reserved ones included')
    .option('--max-words <n>', 'also read candidates in a window of at most N words at prediction (default: as trained)')
    .option('--half-weights', 'store the other matrices (LSTM, attention, classifier) as float16')
    .action((o: { from: string; to: string; keepWords: string; maxWords?: string; halfWeights?: boolean }) => {
      let r;
      try {
        const command = `biore wordvec prune --from ${o.from} --to ${o.to} --keep-words ${o.keepWords}${o.maxWords ? ` --max-words ${o.maxWords}` : ''}${o.halfWeights ? ' --half-weights' : ''}`;
        r = pruneCnnRelationFolder(o.from, o.to, num('keep-words', o.keepWords, true), command, o.maxWords === undefined ? undefined : num('max-words', o.maxWords, true), o.halfWeights === true);
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      process.stdout.write(JSON.stringify({ to: o.to, words: r.words, modelBytes: r.bytes }) + '\n');
    });

  wv.command('neighbors')
    .description('nearest words by cosine similarity')
    .argument('<dir>', 'word-vector folder')
    .argument('<words...>', 'words to look up (lowercase, as tokenized)')
    .option('-k <n>', 'neighbours per word', '10')
    .action((dir: string, words: string[], o: { k: string }) => {
      let v;
      try {
        v = loadWordVectors(dir);
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      const k = num('k', o.k, true);
      for (const w of words) {
        if (!v.vocab.has(w)) {
          process.stdout.write(`${w}: not in the vocabulary\n`);
          continue;
        }
        const near = nearest(v.vectors, v.dim, v.vocab.id(w), k, SPECIAL_WORDS.length);
        process.stdout.write(`${w}: ${near.map((n) => `${v.vocab.words[n.id]} ${n.cosine.toFixed(3)}`).join(', ')}\n`);
      }
    });
}
