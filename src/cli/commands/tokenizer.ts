/**
 * `biore tokenizer train|stats`: learn the WordPiece vocabulary from training text only, and
 * measure a tokenizer on corpus text (tokens per word, split words, UNK rate, throughput).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { findCorpus, loadSplit } from '../../core/corpora/registry';
import { DEFAULT_NORMALIZER } from '../../core/tokenizer/offsetAligner';
import { BioTokenizer } from '../../core/tokenizer/tokenizer';
import { buildTokenizerJson, writeTokenizerDirectory, META_FILE, type TokenizerMeta } from '../../core/tokenizer/tokenizerJson';
import {
  DEFAULT_EXTRA_SPECIAL_TOKENS,
  DEFAULT_TRAINER_OPTIONS,
  WordCounter,
  countTrainingText,
  trainWordPiece,
  trainingSplits,
  CORE_SPECIAL_TOKENS,
} from '../../core/tokenizer/wordpieceTrainer';
import { UserError } from '../userError';

/** Figures of one tokenizer on one set of texts. */
export interface TokenizerStats {
  texts: number;
  chars: number;
  /** Whitespace-separated words. */
  whitespaceWords: number;
  /** Words after BERT pre-tokenization (punctuation split off); added tokens included. */
  preTokenWords: number;
  /** Tokens without [CLS]/[SEP]. */
  tokens: number;
  tokensPerWhitespaceWord: number;
  /** % of whitespace words that became more than one token. */
  whitespaceWordsSplitPct: number;
  tokensPerPreTokenWord: number;
  /** % of pre-tokenized words cut into two or more WordPiece pieces. */
  preTokenWordsSplitPct: number;
  unkTokens: number;
  /** % of tokens that are [UNK]. */
  unkPct: number;
  /** Library alone (ids, no offsets): tokens per second. */
  libraryTokensPerSecond: number;
  /** `BioTokenizer.encode` (library + offset alignment). */
  withOffsetsTokensPerSecond: number;
  /** Our pure-TS reference encoder, with offsets. */
  referenceTokensPerSecond: number;
  /** Characters per second through `encode`. */
  withOffsetsCharsPerSecond: number;
  /** % of texts where library and reference encoders give the same ids and offsets. */
  referenceAgreementPct: number;
  alignmentFallbacks: number;
}

function seconds(f: () => void): number {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/**
 * Measure `tok` on `texts` (each encoded alone, no truncation, no template tokens counted).
 * Throughput is one timed pass per encoder after a short warm-up, on the calling thread.
 */
export function measureTokenizer(tok: BioTokenizer, texts: readonly string[]): TokenizerStats {
  let chars = 0;
  let wsWords = 0;
  let wsSplit = 0;
  let preWords = 0;
  let preSplit = 0;
  let tokens = 0;
  let unk = 0;
  let agree = 0;
  const fallbacks0 = tok.alignmentFallbacks;
  for (const text of texts) {
    chars += text.length;
    const e = tok.encode(text, { addSpecialTokens: false });
    const r = tok.encodeReference(text, { addSpecialTokens: false });
    if (JSON.stringify([e.ids, e.offsets]) === JSON.stringify([r.ids, r.offsets])) agree++;
    tokens += e.ids.length;
    for (const id of e.ids) if (id === tok.specialIds.unk) unk++;
    // Pieces per pre-tokenized word, from wordIds.
    const perWord = new Map<number, number>();
    for (const w of e.wordIds) if (w !== null) perWord.set(w, (perWord.get(w) ?? 0) + 1);
    preWords += perWord.size;
    for (const n of perWord.values()) if (n > 1) preSplit++;
    // Tokens per whitespace word: a token belongs to the whitespace word its start falls in.
    const ws = [...text.matchAll(/\S+/g)].map((m) => [m.index, m.index + m[0].length] as const);
    wsWords += ws.length;
    const counts = new Array<number>(ws.length).fill(0);
    let k = 0;
    for (const [s] of e.offsets) {
      while (k < ws.length && ws[k]![1] <= s) k++;
      if (k < ws.length) counts[k]!++;
    }
    for (const c of counts) if (c > 1) wsSplit++;
  }
  const warm = texts.slice(0, 50);
  for (const t of warm) {
    tok.encodeWithoutOffsets(t);
    tok.encode(t);
    tok.encodeReference(t);
  }
  const lib = seconds(() => {
    for (const t of texts) tok.encodeWithoutOffsets(t);
  });
  const withOffsets = seconds(() => {
    for (const t of texts) tok.encode(t, { addSpecialTokens: false });
  });
  const ref = seconds(() => {
    for (const t of texts) tok.encodeReference(t, { addSpecialTokens: false });
  });
  const pct = (a: number, b: number): number => (b === 0 ? 0 : (100 * a) / b);
  return {
    texts: texts.length,
    chars,
    whitespaceWords: wsWords,
    preTokenWords: preWords,
    tokens,
    tokensPerWhitespaceWord: wsWords ? tokens / wsWords : 0,
    whitespaceWordsSplitPct: pct(wsSplit, wsWords),
    tokensPerPreTokenWord: preWords ? tokens / preWords : 0,
    preTokenWordsSplitPct: pct(preSplit, preWords),
    unkTokens: unk,
    unkPct: pct(unk, tokens),
    libraryTokensPerSecond: tokens / lib,
    withOffsetsTokensPerSecond: tokens / withOffsets,
    referenceTokensPerSecond: tokens / ref,
    withOffsetsCharsPerSecond: chars / withOffsets,
    referenceAgreementPct: pct(agree, texts.length),
    alignmentFallbacks: tok.alignmentFallbacks - fallbacks0,
  };
}

/** `a,b c` → `['a', 'b', 'c']`: options accept commas, spaces, or repeated values. */
function listOption(values: string[] | string | undefined): string[] {
  if (values === undefined) return [];
  return (Array.isArray(values) ? values : [values]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UserError(`${flag} must be a positive integer (got "${v}")`);
  return n;
}

async function passagesOf(item: string): Promise<string[]> {
  const [name, split] = item.split(':') as [string, string | undefined];
  const corpus = findCorpus(name);
  if (!corpus) throw new UserError(`unknown corpus "${name}" (see biore corpus list)`);
  if (split === undefined || !corpus.splits.some((s) => s.name === split)) {
    throw new UserError(`give corpus:split (splits of ${name}: ${corpus.splits.map((s) => s.name).join(', ')})`);
  }
  const loaded = await loadSplit(name, split);
  return loaded.documents.flatMap((d) => d.passages.map((p) => p.text)).filter((t) => t.length > 0);
}

const fmt = (x: number, d = 2): string => x.toFixed(d);

/**
 * Add `tokenizer train` and `tokenizer stats` to the CLI. Training reads only splits that
 * `isTrainingSplit` allows (train/all/pretrain, never test or protected), through the leak guard.
 */
export function registerTokenizer(program: Command): void {
  const cmd = program.command('tokenizer').description('WordPiece tokenizer: train it from training text, measure it');
  cmd
    .command('train')
    .description('learn a WordPiece vocabulary from training splits only (never test) and write tokenizer.json, vocab.txt, tokenizer_config.json, tokenizer_meta.json')
    .requiredOption('--out <dir>', 'output folder')
    .option('--vocab-size <n>', 'vocabulary size, special tokens included', String(DEFAULT_TRAINER_OPTIONS.vocabSize))
    .option('--corpora <items...>', 'corpus or corpus:split items, comma- or space-separated (default: every train/all/pretrain split present)')
    .option('--min-frequency <n>', 'least count of a pair to merge', String(DEFAULT_TRAINER_OPTIONS.minFrequency))
    .option('--limit-alphabet <n>', 'most distinct characters kept', String(DEFAULT_TRAINER_OPTIONS.limitAlphabet))
    .option('--extra-tokens <items...>', 'more added (never split) tokens after the default markers and task tags')
    .option('--json', 'print the training record as JSON')
    .action(async (opts: { out: string; vocabSize: string; corpora?: string[]; minFrequency: string; limitAlphabet: string; extraTokens?: string[]; json?: boolean }) => {
      const vocabSize = positiveInt(opts.vocabSize, '--vocab-size');
      const minFrequency = positiveInt(opts.minFrequency, '--min-frequency');
      const limitAlphabet = positiveInt(opts.limitAlphabet, '--limit-alphabet');
      const extraSpecialTokens = [...DEFAULT_EXTRA_SPECIAL_TOKENS, ...listOption(opts.extraTokens)];
      let splits;
      try {
        splits = trainingSplits(listOption(opts.corpora));
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      if (splits.length === 0) throw new UserError('no training split found under the data folder (set BIORE_DATA)');
      const specialTokens = [...new Set([...CORE_SPECIAL_TOKENS, ...extraSpecialTokens])];
      const counter = new WordCounter(DEFAULT_NORMALIZER, specialTokens);
      const t0 = performance.now();
      const sources = await countTrainingText(splits, counter);
      const t1 = performance.now();
      const result = trainWordPiece(counter.counts, { vocabSize, minFrequency, limitAlphabet, extraSpecialTokens });
      const t2 = performance.now();
      const json = buildTokenizerJson(result.vocab, { specialTokens: result.specialTokens });
      const loadSeconds = sources.reduce((n, s) => n + s.loadSeconds, 0);
      const meta: TokenizerMeta = {
        createdBy: 'biore tokenizer train',
        created: new Date().toISOString(),
        trainer: { algorithm: 'wordpiece (BPE-style frequency merges, ## continuation)', vocabSize, minFrequency, limitAlphabet, stoppedBy: result.stoppedBy, skippedWords: result.skippedWords, normalizer: DEFAULT_NORMALIZER },
        sources: sources.map((s) => ({ ...s, loadSeconds: +s.loadSeconds.toFixed(2), countSeconds: +s.countSeconds.toFixed(2) })),
        textSha256: counter.digest(),
        texts: counter.texts,
        chars: counter.totalChars,
        words: counter.totalWords,
        uniqueWords: result.uniqueWords,
        vocabSize: result.vocab.length,
        merges: result.merges,
        alphabetSize: result.alphabetSize,
        seconds: {
          loadText: +loadSeconds.toFixed(2),
          countWords: +((t1 - t0) / 1000 - loadSeconds).toFixed(2),
          merge: +((t2 - t1) / 1000).toFixed(2),
          total: +((t2 - t0) / 1000).toFixed(2),
        },
      };
      writeTokenizerDirectory(opts.out, json, result.specialTokens, meta);
      // Load what was written through the library: a JSON it cannot read must fail here, not later.
      BioTokenizer.fromDirectory(opts.out);
      if (opts.json) {
        process.stdout.write(JSON.stringify(meta, null, 1) + '\n');
        return;
      }
      const w = process.stdout.write.bind(process.stdout);
      w(`tokenizer written to ${opts.out} (tokenizer.json, vocab.txt, tokenizer_config.json, ${META_FILE})\n`);
      w(`training text: ${sources.map((s) => `${s.corpus}:${s.split}`).join(', ')}\n`);
      w(`  ${counter.texts} passages, ${counter.totalChars} chars, ${counter.totalWords} words, ${result.uniqueWords} unique, sha256 ${meta.textSha256.slice(0, 16)}…\n`);
      w(`vocabulary: ${result.vocab.length} (${result.specialTokens.length} special, alphabet ${result.alphabetSize}, ${result.merges} merges, stopped by ${result.stoppedBy})\n`);
      w(`seconds: load ${meta.seconds['loadText']}, count ${meta.seconds['countWords']}, merge ${meta.seconds['merge']}, total ${meta.seconds['total']}\n`);
    });

  cmd
    .command('stats')
    .description('tokens per word, % words split, UNK rate and encode throughput (library alone, with offsets, reference) on corpus text')
    .requiredOption('--tokenizer <dir>', 'folder with tokenizer.json')
    .option('--eval <items...>', 'corpus:split items, comma- or space-separated', ['bc5cdr:dev', 'ddi:train'])
    .option('--json', 'print JSON')
    .action(async (opts: { tokenizer: string; eval: string[]; json?: boolean }) => {
      if (!fs.existsSync(path.join(opts.tokenizer, 'tokenizer.json'))) throw new UserError(`${opts.tokenizer}: no tokenizer.json there`);
      const tok = BioTokenizer.fromDirectory(opts.tokenizer);
      const rows: ({ eval: string } & TokenizerStats)[] = [];
      for (const item of listOption(opts.eval)) rows.push({ eval: item, ...measureTokenizer(tok, await passagesOf(item)) });
      if (opts.json) {
        process.stdout.write(JSON.stringify({ tokenizer: opts.tokenizer, vocabSize: tok.vocabSize, rows }, null, 1) + '\n');
        return;
      }
      const head = ['text', 'passages', 'ws words', 'tokens', 'tok/ws word', '% ws split', 'tok/word', '% words split', 'UNK %', 'lib tok/s', 'offsets tok/s', 'ref tok/s', 'agree %'];
      const body = rows.map((r) => [
        r.eval,
        String(r.texts),
        String(r.whitespaceWords),
        String(r.tokens),
        fmt(r.tokensPerWhitespaceWord, 3),
        fmt(r.whitespaceWordsSplitPct),
        fmt(r.tokensPerPreTokenWord, 3),
        fmt(r.preTokenWordsSplitPct),
        fmt(r.unkPct, 3),
        fmt(r.libraryTokensPerSecond, 0),
        fmt(r.withOffsetsTokensPerSecond, 0),
        fmt(r.referenceTokensPerSecond, 0),
        fmt(r.referenceAgreementPct),
      ]);
      const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
      const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
      process.stdout.write(`tokenizer ${opts.tokenizer}: ${tok.vocabSize} ids\n`);
      process.stdout.write([line(head), ...body.map(line)].join('\n') + '\n');
      const fallbacks = rows.reduce((n, r) => n + r.alignmentFallbacks, 0);
      if (fallbacks > 0) process.stdout.write(`alignment fallbacks (offsets of a section, not a token): ${fallbacks}\n`);
    });
}
