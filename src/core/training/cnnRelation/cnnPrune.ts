/** Shrinking an exported CNN relation folder to its most frequent words. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Autodiff } from '../../engine/autodiff';
import { RELATION_MODEL_TYPES, readModelConfig, readModelWeights, writeModelFolder } from '../../inference/modelFolders';
import { VOCAB_FILE } from '../../wordvec/wordVectors';
import { SPECIAL_WORDS, WordVocab } from '../../wordvec/wordVocab';
import type { CnnConfig } from './cnnConfig';
import { buildRelationGraph, type RelationArch } from './relationGraph';

/**
 * Re-export a relation folder keeping only the `keepWords` most frequent words of its vocabulary
 * (ids are in frequency order, the reserved words first): every other word reads as unknown. The
 * word table is most of a folder's size, and blinding already hides the argument names, so the
 * rare rows buy little (measured per task in docs/results.md before a pruned folder ships).
 * `maxWords` also shortens the window a candidate is read in at prediction (`max_words`): a
 * BiLSTM's cost grows with it, and the training window may be longer than latency allows.
 * `halfWeights` stores every other matrix (LSTM, attention, classifier, position tables) as
 * float16, cast to float32 when the model loads: a BiLSTM's recurrent weights are the second
 * largest part of a folder, and ensembles multiply it.
 */
export function pruneCnnRelationFolder(from: string, to: string, keepWords: number, command = `biore wordvec prune --from ${from} --to ${to} --keep-words ${keepWords}`, maxWords?: number, halfWeights = false): { bytes: number; words: number } {
  const cfg = readModelConfig(from);
  if (!RELATION_MODEL_TYPES.has(String(cfg['model_type']))) throw new Error(`${from}: not a relation model folder (model_type ${String(cfg['model_type'])})`);
  const arch = cfg['architecture'] as RelationArch;
  const vocab = WordVocab.load(path.join(from, VOCAB_FILE));
  if (!Number.isInteger(keepWords) || keepWords <= SPECIAL_WORDS.length) throw new Error(`keep at least ${SPECIAL_WORDS.length + 1} words`);
  const n = Math.min(keepWords, vocab.size);
  const weights = readModelWeights(from);
  const table = weights.get('emb.word');
  if (!table || table.length !== vocab.size * arch.wordDim) throw new Error(`${from}: the word table does not match vocab.tsv`);
  const kept = new Map(weights);
  kept.set('emb.word', table.slice(0, n * arch.wordDim));
  const storage = ((cfg['cnn'] as Partial<CnnConfig> | undefined)?.wordTable ?? 'int8') as 'int8' | 'fp16';
  const ex = new Autodiff('cnn-relation', { training: false, weights: kept, halfWeights });
  const pruned = { ...arch, vocabSize: n };
  ex.g.output(buildRelationGraph(ex, pruned, { kind: 'folded', data: kept.get('emb.word')!, storage }).logits, 'logits');
  const bytes = ex.g.toBytes();
  const small = new WordVocab(vocab.words.slice(0, n), vocab.counts.slice(0, n));
  if (maxWords !== undefined && (!Number.isInteger(maxWords) || maxWords < 8)) throw new Error('--max-words must be an integer of at least 8');
  const window = maxWords === undefined ? {} : { max_words: maxWords, trained_max_words: cfg['trained_max_words'] ?? cfg['max_words'] };
  writeModelFolder(to, bytes, { ...cfg, ...window, architecture: pruned, pruned: { keepWords: n, of: vocab.size, command, ...(halfWeights ? { weights: 'float16' } : {}) } });
  fs.writeFileSync(path.join(to, VOCAB_FILE), small.toText());
  return { bytes: bytes.length, words: n };
}
