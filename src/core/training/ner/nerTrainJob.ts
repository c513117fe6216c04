/**
 * One `biore ner train` run: load the training sources (leak guard on, test splits refused),
 * hold out a share of each source's documents for model selection, encode, train the tagger with
 * the shared loop, keep the best held-out F1 step as an exported model folder.
 */
import * as path from 'node:path';
import { loadSplit, findCorpus } from '../../corpora/registry';
import type { Document } from '../../document/document';
import { TrainConfigSchema, resolveFamilyConfig, type TrainConfig } from '../trainConfig';
import type { TrainProgress, TrainSummary } from '../trainer';
import { runTrainingJob } from '../trainingJob';
import { loadWordVectors } from '../../wordvec/wordVectors';
import { UNK_ID, type WordVocab } from '../../wordvec/wordVocab';
import { taggerWordTable } from './nerEnsemble';
import { loadGazetteer } from '../../inference/mentions/gazetteer';
import { encodeTrainingDocuments, isHeldOut, type GoldAlignmentStats, type NerExample } from '../../inference/mentions/nerExamples';
import { NER_TRAIN_DEFAULTS, NerConfigSchema, createNerBackend, nerCharScheme, nerVocabulary, type NerConfig } from './nerModel';
import type { NerType } from '../../inference/mentions/tags';

/** Types each training corpus annotates (what its O tags deny). */
export const CORPUS_NER_TYPES: Record<string, readonly NerType[]> = {
  bc5cdr: ['Chemical', 'Disease'],
  'ncbi-disease': ['Disease'],
  bc2gm: ['Gene'],
  jnlpba: ['Gene'],
  drugprot: ['Chemical', 'Gene'],
  chemprot: ['Chemical', 'Gene'],
  biored: ['Chemical', 'Gene', 'Disease'],
  ddi: ['Chemical'],
};

/** Parse key=value overrides into the loop config and the tagger config. */
export function resolveNerConfig(pairs: readonly string[]): { train: TrainConfig; ner: NerConfig } {
  // Tagger keys are taken as spelled (no kebab-case), as they always were.
  const { train, model } = resolveFamilyConfig(NerConfigSchema, NER_TRAIN_DEFAULTS, pairs, 'NER', 'classify', (k) => k);
  return { train, ner: model };
}

/** Keys resolveNerConfig understands. */
export function nerConfigKeys(): string[] {
  return [...Object.keys(NerConfigSchema.shape), ...Object.keys(TrainConfigSchema.shape)];
}

/** A parsed `corpus:split` source. */
export interface NerSource {
  corpus: string;
  split: string;
  types: readonly NerType[];
  /** Times each training sentence is repeated per pass (`corpus:split*2`), default 1. */
  repeat: number;
}

/** Parse the sources string; test splits and corpora without NER types are refused. */
export function parseSources(s: string): NerSource[] {
  return s.split(',').map((spec) => {
    const [item, times] = spec.split('*') as [string, string | undefined];
    const repeat = times === undefined ? 1 : Number(times);
    if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`${spec}: the repeat count must be a positive integer`);
    const [corpus, split] = item.split(':') as [string, string | undefined];
    const info = findCorpus(corpus);
    if (!info) throw new Error(`unknown corpus "${corpus}"`);
    const sp = info.splits.find((x) => x.name === (split ?? 'train'));
    if (!sp) throw new Error(`corpus ${corpus} has no split "${split ?? 'train'}"`);
    if (sp.protectedTest || sp.role === 'test') throw new Error(`${corpus}:${sp.name} is a held-out test split and may not feed training`);
    const types = CORPUS_NER_TYPES[corpus];
    if (!types) throw new Error(`corpus ${corpus} has no mention types the tagger uses`);
    return { corpus, split: sp.name, types, repeat };
  });
}

/** The held-out rule lives with the examples so that evaluation (below training) can reuse it. */
export { isHeldOut } from '../../inference/mentions/nerExamples';

export interface NerTrainJob {
  overrides: readonly string[];
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  onLog?: (line: string) => void;
  resume?: boolean;
  command?: string;
}

export interface NerTrainResult {
  summary: TrainSummary;
  dev: Record<string, number> | undefined;
  examples: { train: number; dev: number };
  bestModel: string;
}

/** Train the tagger; the best held-out F1 model is written to `<outDir>/best`. */
export async function runNerTrain(job: NerTrainJob): Promise<NerTrainResult> {
  const { train: config, ner } = resolveNerConfig(job.overrides);
  const log = job.onLog ?? (() => {});
  const sources = parseSources(ner.sources);
  let vocab: WordVocab;
  let table: Float32Array;
  let wordDim: number;
  let vectorsRecord: Record<string, unknown>;
  if (ner.wordTable) {
    if (ner.tuneEmbeddings || ner.centerVectors) throw new Error(`wordTable=${ner.wordTable}: the shared table must stay as it is; add tuneEmbeddings=false centerVectors=false`);
    const shared = taggerWordTable(ner.wordTable);
    ({ vocab, table, wordDim } = shared);
    vectorsRecord = { wordTable: ner.wordTable, tableSha256: shared.sha256 };
    log(`vocabulary: ${vocab.size} words with the word table of the tagger in ${ner.wordTable} (frozen)`);
  } else {
    const wv = loadWordVectors(ner.vectors);
    ({ vocab, table } = nerVocabulary(wv, ner.centerVectors));
    wordDim = wv.dim;
    vectorsRecord = { dir: ner.vectors, sha256: wv.meta['vectorsSha256'] ?? null };
    log(`vocabulary: ${vocab.size} words (vector vocabulary ${wv.vocab.size} minus hyphenated compounds)`);
  }
  if (ner.dictionaryAbbreviations && !ner.dictionary) throw new Error('dictionaryAbbreviations=true needs dictionary=<vocabulary file>');
  const gazetteer = ner.dictionary ? loadGazetteer(ner.dictionary).withAbbreviations(ner.dictionaryAbbreviations) : undefined;
  if (gazetteer) log(`dictionary features: ${gazetteer.names.size} chemical and disease names from ${ner.dictionary}`);
  const enc = { vocab, buckets: ner.buckets, maxTokens: ner.maxTokens, chars: nerCharScheme(ner), gazetteer };
  const trainEx: NerExample[] = [];
  const devEx: NerExample[] = [];
  const data: Record<string, unknown>[] = [];
  for (const s of sources) {
    const loaded = await loadSplit(s.corpus, s.split);
    const docs: Document[] = loaded.documents;
    const tr = docs.filter((d) => !isHeldOut(d.id, ner.devShare));
    const dv = docs.filter((d) => isHeldOut(d.id, ner.devShare));
    const stats: GoldAlignmentStats = { mentions: 0, misaligned: 0, overlapping: 0, crossSentence: 0 };
    const a = encodeTrainingDocuments(tr, s.corpus, s.types, enc, stats);
    const b = encodeTrainingDocuments(dv, s.corpus, s.types, enc);
    for (let r = 0; r < s.repeat; r++) trainEx.push(...a);
    devEx.push(...b);
    const tokens = a.reduce((n, e) => n + e.words.length, 0);
    const unk = a.reduce((n, e) => n + e.words.filter((w) => w === UNK_ID).length, 0);
    log(
      `${s.corpus}:${s.split}${s.repeat > 1 ? `×${s.repeat}` : ''} [${s.types.join(',')}]: ${tr.length} train docs (${a.length} sentences, ${tokens} tokens, ${((100 * unk) / Math.max(1, tokens)).toFixed(2)}% unknown words), ${dv.length} held-out docs (${b.length} sentences); leak guard removed ${loaded.leakGuardRemoved}; mentions ${stats.mentions}: ${stats.misaligned} not on token boundaries, ${stats.overlapping} overlapping (dropped), ${stats.crossSentence} across sentences`,
    );
    data.push({ corpus: s.corpus, split: s.split, types: s.types, repeat: s.repeat, trainDocuments: tr.length, heldOutDocuments: dv.length, trainSentences: a.length, trainTokens: tokens, leakGuardRemoved: loaded.leakGuardRemoved, alignment: stats });
  }
  const backend = await createNerBackend({ config, ner, vocab, table, wordDim, train: trainEx, dev: devEx });
  const a = backend.arch;
  const encoder = a.encoder === 'bilstm' ? `bilstm ${a.hidden} per direction` : `layers ${a.layers.join(',')} × ${a.filters} filters`;
  const chars = a.chars ? ` + char CNN ${a.chars.filters} (${a.chars.dim}d chars, width ${a.chars.width}, ${a.chars.maxChars} per word)` : '';
  log(`tagger: ${encoder}, words ${a.wordDim}d + features ${a.featDim}d (${a.buckets} buckets)${chars}, ${a.tuneRows} tuned word rows`);
  const meta = {
    seed: config.seed,
    command: job.command ?? `biore ner train ${job.overrides.join(' ')}`.trim(),
    data: { sources: data, heldOutShare: ner.devShare, vectors: vectorsRecord },
  };
  const summary = await runTrainingJob(backend, { config, resolved: { train: config, ner }, meta, select: { metric: 'f1', mode: 'max' }, controls: job });
  return { summary, dev: summary.best, examples: { train: trainEx.length, dev: devEx.length }, bestModel: path.join(config.outDir, 'best') };
}
