/**
 * The skip-gram training text: the same documents the encoder pre-trains on (every training
 * split, no test split, the leak guard applied by the registry; see pretrainData.ts), de-
 * duplicated by normalized text, tokenized once into word ids.
 *
 * Tokens are interned into a temporary dictionary of every distinct token while reading, so the
 * text is tokenized once; the vocabulary (with its minimum count and compound back-off) is then
 * applied to the dictionary, not to the running text.
 */
import * as crypto from 'node:crypto';
import { normalizeKey, sentenceKeys } from '../../corpora/leakGuard';
import { findCorpus, loadSplit, splitAvailable } from '../../corpora/registry';
import { documentText } from '../../document/document';
import { trainingSplits } from '../../tokenizer/wordpieceTrainer';
import { UNK_ID, WordVocab, isCompound, tokenizeWords } from '../../wordvec/wordVocab';

/** Document separator in a word stream (windows never cross it). */
export const DOC_BREAK = -1;

/** Where the text came from, per split. */
export interface TextSource {
  corpus: string;
  split: string;
  documents: number;
  duplicates: number;
  /** Raw-text documents dropped because they hold a sentence of a mention-tagger test set. */
  taggerTestSentences?: number;
}

/**
 * The mention-tagger test sets (BioBERT's NER releases): sentences without document ids, so the
 * PMID leak guard cannot see them inside raw text. pubmed-text/SOURCE.md lists raw-text rows that
 * hold whole test abstracts or single test sentences; those rows are dropped by text.
 */
export const TAGGER_TEST_CORPORA = ['bc2gm', 'jnlpba', 'ncbi-disease', 'linnaeus', 's800'];

/**
 * A test sentence found in more raw-text documents than this is boilerplate ("The authors declare
 * that they have no competing interests"), not a leaked test abstract: it does not drop them.
 */
export const BOILERPLATE_DOCUMENTS = 3;

async function taggerTestSentenceKeys(): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const corpus of TAGGER_TEST_CORPORA) {
    const test = findCorpus(corpus)?.splits.find((s) => s.name === 'test');
    if (!test || !splitAvailable(test)) continue; // not under the data root: nothing to guard against
    for (const d of (await loadSplit(corpus, 'test')).documents) for (const k of sentenceKeys(documentText(d))) keys.add(k);
  }
  return keys;
}

/** A tokenized text collection, word ids not yet assigned. */
export class WordCorpusBuilder {
  private readonly types = new Map<string, number>();
  private readonly typeText: string[] = [];
  private readonly typeCount: number[] = [];
  private stream = new Int32Array(1 << 16);
  private length = 0;
  documents = 0;

  private push(v: number): void {
    if (this.length === this.stream.length) {
      const bigger = new Int32Array(this.stream.length * 2);
      bigger.set(this.stream);
      this.stream = bigger;
    }
    this.stream[this.length++] = v;
  }

  /** Add one document's text. */
  add(text: string): void {
    for (const t of tokenizeWords(text)) {
      let id = this.types.get(t.text);
      if (id === undefined) {
        id = this.typeText.length;
        this.types.set(t.text, id);
        this.typeText.push(t.text);
        this.typeCount.push(0);
      }
      this.typeCount[id]!++;
      this.push(id);
    }
    this.push(DOC_BREAK);
    this.documents++;
  }

  /** Running tokens added so far (separators excluded). */
  get tokens(): number {
    return this.length - this.documents;
  }

  private countMap(): Map<string, number> {
    return new Map(this.typeText.map((w, i) => [w, this.typeCount[i]!]));
  }

  /** The smallest minimum count, from `from` up, whose vocabulary has at most `maxWords` words. */
  minCountFor(maxWords: number, from: number): number {
    const counts = this.countMap();
    let m = Math.max(1, from);
    while (WordVocab.fromCounts(counts, m).size > maxWords) m++;
    return m;
  }

  /** The vocabulary of the text with `minCount`, and the text as word ids (DOC_BREAK between documents). */
  build(minCount: number): { vocab: WordVocab; stream: Int32Array } {
    const vocab = WordVocab.fromCounts(this.countMap(), minCount);
    return { vocab, stream: this.streamFor(vocab) };
  }

  /**
   * The text as ids of an existing vocabulary (e.g. the one of trained vectors), DOC_BREAK
   * between documents; a word it lacks backs off to its hyphen parts as in `build`, else UNK.
   */
  streamFor(vocab: WordVocab): Int32Array {
    // Each temporary type maps to one id, or to its parts' ids when a rare compound backs off.
    const single = new Int32Array(this.typeText.length);
    const expanded = new Map<number, number[]>();
    this.typeText.forEach((w, i) => {
      if (vocab.has(w) || !isCompound(w)) {
        single[i] = vocab.id(w);
        return;
      }
      const ids = w.split('-').map((p) => vocab.id(p));
      if (ids.length === 1) single[i] = ids[0] ?? UNK_ID;
      else expanded.set(i, ids);
    });
    let n = 0;
    for (let i = 0; i < this.length; i++) {
      const t = this.stream[i]!;
      n += t === DOC_BREAK ? 1 : (expanded.get(t)?.length ?? 1);
    }
    const stream = new Int32Array(n);
    let k = 0;
    for (let i = 0; i < this.length; i++) {
      const t = this.stream[i]!;
      if (t === DOC_BREAK) stream[k++] = DOC_BREAK;
      else {
        const parts = expanded.get(t);
        if (parts) for (const p of parts) stream[k++] = p;
        else stream[k++] = single[t]!;
      }
    }
    return stream;
  }
}

/**
 * Read every training split (or `selection`, as `trainingSplits` takes it) through the registry,
 * skipping documents whose normalized text was already seen. With `maxTokens` reading stops once
 * the builder holds that many tokens (a prefix of the text, for speed measurements and smoke runs).
 */
export async function loadTrainingText(
  builder: WordCorpusBuilder,
  selection: readonly string[] = [],
  onProgress?: (done: number, total: number, label: string) => void,
  maxTokens = Infinity,
): Promise<TextSource[]> {
  const splits = trainingSplits(selection);
  const seen = new Set<string>();
  const sources: TextSource[] = [];
  const testKeys = splits.some((s) => s.role === 'pretrain') ? await taggerTestSentenceKeys() : new Set<string>();
  // Raw-text documents wait until every split is read: whether a test sentence is boilerplate
  // depends on how many raw documents share it.
  const pending: Array<{ text: string; hits: string[]; source: TextSource }> = [];
  const rawDocsWith = new Map<string, number>();
  for (const [i, s] of splits.entries()) {
    if (builder.tokens >= maxTokens) break;
    onProgress?.(i, splits.length, `${s.corpus}:${s.split}`);
    const loaded = await loadSplit(s.corpus, s.split);
    const src: TextSource = { corpus: s.corpus, split: s.split, documents: 0, duplicates: 0 };
    if (s.role === 'pretrain') src.taggerTestSentences = 0;
    for (const doc of loaded.documents) {
      if (builder.tokens >= maxTokens) break;
      const text = documentText(doc).trim();
      if (!text) continue;
      const key = normalizeKey(text);
      if (seen.has(key)) {
        src.duplicates++;
        continue;
      }
      seen.add(key);
      if (s.role !== 'pretrain') {
        src.documents++;
        builder.add(text);
        continue;
      }
      const hits = testKeys.size ? [...new Set(sentenceKeys(text).filter((k) => testKeys.has(k)))] : [];
      for (const k of hits) rawDocsWith.set(k, (rawDocsWith.get(k) ?? 0) + 1);
      pending.push({ text, hits, source: src });
    }
    sources.push(src);
  }
  for (const p of pending) {
    if (builder.tokens >= maxTokens) break;
    if (p.hits.some((k) => rawDocsWith.get(k)! <= BOILERPLATE_DOCUMENTS)) {
      p.source.taggerTestSentences!++;
      continue;
    }
    p.source.documents++;
    builder.add(p.text);
  }
  onProgress?.(splits.length, splits.length, 'done');
  return sources;
}

/** SHA-256 of a word stream and its vocabulary: the data hash saved with vectors. */
export function corpusHash(stream: Int32Array, vocab: WordVocab): string {
  return crypto
    .createHash('sha256')
    .update(new Uint8Array(stream.buffer, stream.byteOffset, stream.byteLength))
    .update(vocab.toText())
    .digest('hex');
}
