/**
 * `biore wordvec train` as a function: gather the training text (leak guard on, no test split,
 * de-duplicated), build the vocabulary, train skip-gram vectors, write the vector folder.
 */
import { SPECIAL_WORDS, PAD_ID, UNK_ID, WORD_TOKENIZER } from '../../wordvec/wordVocab';
import { DEFAULT_SKIPGRAM, trainSkipGramThreads, type SkipGramOptions, type SkipGramProgress, type SkipGramStats } from './skipgram';
import { DOC_BREAK, WordCorpusBuilder, corpusHash, loadTrainingText, type TextSource } from './wordCorpus';
import { saveWordVectors } from '../../wordvec/wordVectors';

/** One `biore wordvec train` run. */
export interface WordvecTrainJob {
  /** Output folder (vectors.f32, vocab.tsv, meta.json). */
  out: string;
  options?: Partial<SkipGramOptions>;
  /** Words seen fewer times are unknown (word2vec -min-count). */
  minCount?: number;
  /**
   * At most this many words: the minimum count rises until the vocabulary fits (a tagger ships
   * one vector per word, so its folder size follows the vocabulary).
   */
  maxVocab?: number;
  /** Corpus or corpus:split names; empty = every training split (as pre-training). */
  corpora?: readonly string[];
  /** Stop reading text after this many running tokens (a slice). */
  maxTokens?: number;
  /** Training threads: 1 (default) is deterministic; more run Hogwild workers. */
  threads?: number;
  command?: string;
  onLog?: (line: string) => void;
  onProgress?: (p: SkipGramProgress) => void;
  /** Stops worker threads (threads > 1); the single-threaded loop runs to its end. */
  signal?: AbortSignal;
}

/** What the run did: text size, vocabulary, training statistics, timings, data hash. */
export interface WordvecTrainResult {
  out: string;
  vocabSize: number;
  runningTokens: number;
  unknownTokens: number;
  documents: number;
  sources: TextSource[];
  stats: SkipGramStats;
  seconds: { read: number; vocab: number; train: number };
  dataSha256: string;
}

/** Read the text, build the vocabulary, train, write `job.out`; see the module comment. */
export async function runWordvecTrain(job: WordvecTrainJob): Promise<WordvecTrainResult> {
  const options: SkipGramOptions = { ...DEFAULT_SKIPGRAM, ...job.options };
  let minCount = job.minCount ?? 3;
  const log = job.onLog ?? (() => {});
  const t0 = performance.now();
  const builder = new WordCorpusBuilder();
  const sources = await loadTrainingText(builder, job.corpora ?? [], (done, total, label) => log(`read ${done}/${total} ${label}`), job.maxTokens ?? Infinity);
  const t1 = performance.now();
  if (job.maxVocab !== undefined) minCount = builder.minCountFor(job.maxVocab, minCount);
  const { vocab, stream } = builder.build(minCount);
  let unknown = 0;
  let running = 0;
  for (const t of stream) {
    if (t === DOC_BREAK) continue;
    running++;
    if (t === UNK_ID) unknown++;
  }
  const dataSha256 = corpusHash(stream, vocab);
  const t2 = performance.now();
  log(`text: ${builder.documents} documents, ${running} tokens (${((100 * unknown) / Math.max(1, running)).toFixed(2)}% unknown), vocabulary ${vocab.size} words (min count ${minCount}); read ${((t1 - t0) / 1000).toFixed(1)} s`);
  // Reserved and unknown words are not trained (count 0): the models learn their vectors.
  const counts = vocab.counts.map((c, i) => (i < SPECIAL_WORDS.length ? 0 : c));
  const { vectors, stats } = await trainSkipGramThreads(stream, counts, options, job.threads ?? 1, job.onProgress, job.signal);
  vectors.fill(0, PAD_ID * options.dim, (PAD_ID + 1) * options.dim);
  const t3 = performance.now();
  const seconds = { read: (t1 - t0) / 1000, vocab: (t2 - t1) / 1000, train: (t3 - t2) / 1000 };
  saveWordVectors(
    job.out,
    { vocab, vectors, dim: options.dim },
    {
      params: { ...options, minCount, threads: job.threads ?? 1 },
      tokenizer: WORD_TOKENIZER,
      data: {
        sources,
        documents: builder.documents,
        runningTokens: running,
        unknownTokens: unknown,
        maxTokens: job.maxTokens ?? null,
        sha256: dataSha256,
      },
      stats,
      seconds,
      seed: options.seed,
      command: job.command ?? null,
    },
  );
  return { out: job.out, vocabSize: vocab.size, runningTokens: running, unknownTokens: unknown, documents: builder.documents, sources, stats, seconds, dataSha256 };
}
