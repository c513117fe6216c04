/**
 * WordPiece vocabulary training, from training text only.
 *
 * The algorithm is the one Hugging Face's WordPiece trainer uses (BPE merges with a `##`
 * continuation prefix), written from its description: words are counted once after the same
 * normalization and pre-tokenization the tokenizer applies; every word starts as its characters
 * (`n`, `##f`, `##κ`, `##b`); the most frequent adjacent pair is merged, again and again, and each
 * merged symbol becomes a vocabulary entry (`nf`, `##κb`). Encoding then uses greedy
 * longest-match-first, as WordPiece does. Training works on unique words with counts, so its cost
 * grows with the vocabulary of the corpus, not its length.
 *
 * Deterministic: equal counts are broken by the pair's strings, the alphabet is sorted, and the
 * text order fixes the hash. Which text is allowed in is decided here too: only splits whose role
 * is train, all or pretrain, never a protected test split and never a split named like a test.
 */
import * as crypto from 'node:crypto';
import { CORPORA, loadSplit, splitAvailable, type SplitInfo } from '../corpora/registry';
import { dataRoot } from '../corpora/dataRoot';
import { OffsetAligner, type NormalizerConfig } from './offsetAligner';

/** Core special tokens, with their fixed ids: `[PAD]`=0, `[UNK]`=1, `[CLS]`=2, `[SEP]`=3, `[MASK]`=4. */
export const CORE_SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/** Entity markers for marked-sentence relation models (`<e1>aspirin</e1> ... <e2>warfarin</e2>`). */
export const ENTITY_MARKERS = ['<e1>', '</e1>', '<e2>', '</e2>'] as const;

/** Task tags a multi-task model can prepend (one per relation corpus family). */
export const TASK_TAGS = ['[DDI]', '[CDR]', '[DRUGPROT]', '[BIORED]', '[CHEMPROT]', '[PPI]', '[GDA]'] as const;

/** Entity types that get typed markers `[TYPE]` ... `[/TYPE]`. */
export const MARKER_TYPES = ['CHEMICAL', 'GENE', 'DISEASE', 'VARIANT', 'SPECIES', 'CELLLINE', 'DRUG'] as const;

/** BioBERT-style entity masks (GAD and EU-ADR texts carry `@GENE$` and `@DISEASE$`). */
export const ENTITY_MASKS = ['@CHEMICAL$', '@GENE$', '@DISEASE$', '@DRUG$', '@VARIANT$'] as const;

/** Every extra special token, in id order after the core ones (ids 5, 6, ...). */
export const DEFAULT_EXTRA_SPECIAL_TOKENS: readonly string[] = [
  ...ENTITY_MARKERS,
  ...TASK_TAGS,
  ...MARKER_TYPES.flatMap((t) => [`[${t}]`, `[/${t}]`]),
  ...ENTITY_MASKS,
];

export interface TrainerOptions {
  /** Target vocabulary size, special tokens included (default 30000). */
  vocabSize: number;
  /** Pairs seen fewer times than this are never merged (default 2). */
  minFrequency: number;
  /** Keep at most this many distinct characters, the most frequent (default 1000). */
  limitAlphabet: number;
  /** Words longer than this many code points are skipped (the encoder maps them to [UNK]). */
  maxInputCharsPerWord: number;
  /** Prefix of word-internal pieces (default `##`). */
  continuingSubwordPrefix: string;
  /** Special tokens after the core five (default DEFAULT_EXTRA_SPECIAL_TOKENS). */
  extraSpecialTokens: readonly string[];
}

export const DEFAULT_TRAINER_OPTIONS: TrainerOptions = {
  vocabSize: 30000,
  minFrequency: 2,
  limitAlphabet: 1000,
  maxInputCharsPerWord: 100,
  continuingSubwordPrefix: '##',
  extraSpecialTokens: DEFAULT_EXTRA_SPECIAL_TOKENS,
};

/** What training produced. */
export interface TrainResult {
  /** Tokens in id order: specials, alphabet (`c` then `##c`), then merged pieces in merge order. */
  vocab: string[];
  /** Ids 0 .. specialTokens.length-1 of `vocab`. */
  specialTokens: string[];
  alphabetSize: number;
  merges: number;
  /** Why merging stopped. */
  stoppedBy: 'vocab-size' | 'min-frequency';
  uniqueWords: number;
  /** Unique words left out: too long, or holding a character outside the kept alphabet. */
  skippedWords: number;
}

/** Counts normalized words of training text (the same pipeline the tokenizer encodes with). */
export class WordCounter {
  readonly counts = new Map<string, number>();
  /** Pre-tokenized words seen, with repetition. */
  totalWords = 0;
  totalChars = 0;
  texts = 0;
  private readonly aligner: OffsetAligner;
  private readonly hash = crypto.createHash('sha256');

  /**
   * @param normalizer the normalizer the trained tokenizer will use
   * @param addedTokens contents never split (skipped when they occur in training text)
   */
  constructor(normalizer: NormalizerConfig, addedTokens: readonly string[]) {
    this.aligner = new OffsetAligner(normalizer, addedTokens);
  }

  /** Count the words of one text (a passage); also feeds the training-text hash. */
  add(text: string): void {
    this.hash.update(text);
    // A separator that cannot occur in text keeps ["ab", "c"] and ["a", "bc"] apart in the hash.
    this.hash.update('\u0000');
    this.texts++;
    this.totalChars += text.length;
    this.aligner.words(text, (w) => {
      this.totalWords++;
      this.counts.set(w, (this.counts.get(w) ?? 0) + 1);
    });
  }

  /** SHA-256 (hex) of every text added, in order. */
  digest(): string {
    return this.hash.copy().digest('hex');
  }
}

/** A binary max-heap of candidate merges, ordered by count, then by the pair's strings. */
class PairHeap {
  private readonly counts: number[] = [];
  private readonly keys: number[] = [];
  constructor(private readonly before: (countA: number, keyA: number, countB: number, keyB: number) => boolean) {}

  get size(): number {
    return this.keys.length;
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.keys.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(this.counts[i]!, this.keys[i]!, this.counts[p]!, this.keys[p]!)) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** Remove the top; returns [count, key]. Caller checks size first. */
  pop(): [number, number] {
    const top: [number, number] = [this.counts[0]!, this.keys[0]!];
    const lastCount = this.counts.pop()!;
    const lastKey = this.keys.pop()!;
    const n = this.keys.length;
    if (n > 0) {
      this.counts[0] = lastCount;
      this.keys[0] = lastKey;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < n && this.before(this.counts[l]!, this.keys[l]!, this.counts[best]!, this.keys[best]!)) best = l;
        if (r < n && this.before(this.counts[r]!, this.keys[r]!, this.counts[best]!, this.keys[best]!)) best = r;
        if (best === i) break;
        this.swap(i, best);
        i = best;
      }
    }
    return top;
  }

  private swap(a: number, b: number): void {
    const c = this.counts[a]!;
    this.counts[a] = this.counts[b]!;
    this.counts[b] = c;
    const k = this.keys[a]!;
    this.keys[a] = this.keys[b]!;
    this.keys[b] = k;
  }
}

/** Pair keys pack two symbol ids; 2^22 symbols is far above any vocabulary we train. */
const SYMBOL_BITS = 2 ** 22;

/**
 * Learn a WordPiece vocabulary from word counts (see the module comment for the algorithm).
 *
 * @param counts normalized pre-tokenized words and how often each occurs
 * @param options vocabulary size, thresholds and special tokens; missing fields take the defaults
 * @returns the vocabulary in id order and a summary; the alphabet is always complete (both `c`
 *   and `##c` for every kept character), even where that exceeds `vocabSize`
 */
export function trainWordPiece(counts: ReadonlyMap<string, number>, options: Partial<TrainerOptions> = {}): TrainResult {
  const opts: TrainerOptions = { ...DEFAULT_TRAINER_OPTIONS, ...options };
  const prefix = opts.continuingSubwordPrefix;
  const specialTokens = [...new Set<string>([...CORE_SPECIAL_TOKENS, ...opts.extraSpecialTokens])];

  // Sorted words make every later step independent of Map insertion order.
  const entries = [...counts.entries()].filter(([w, n]) => n > 0 && w.length > 0);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

  // Alphabet: the most frequent characters (code points), ties by code point.
  const charFreq = new Map<string, number>();
  for (const [w, n] of entries) {
    for (const ch of w) charFreq.set(ch, (charFreq.get(ch) ?? 0) + n);
  }
  const byFreq = [...charFreq.entries()].sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0]));
  const alphabet = byFreq.slice(0, Math.max(0, opts.limitAlphabet)).map(([c]) => c);
  alphabet.sort(compareCodePoints);
  const inAlphabet = new Set(alphabet);

  const vocab: string[] = [...specialTokens];
  const inVocab = new Set(vocab);
  const addToVocab = (t: string): void => {
    if (!inVocab.has(t)) {
      inVocab.add(t);
      vocab.push(t);
    }
  };
  for (const c of alphabet) addToVocab(c);
  for (const c of alphabet) addToVocab(prefix + c);

  // Symbols: interned strings. A merged string reached by two different pairs is one symbol.
  const symbols: string[] = [];
  const symbolId = new Map<string, number>();
  const intern = (s: string): number => {
    let id = symbolId.get(s);
    if (id === undefined) {
      id = symbols.length;
      symbols.push(s);
      symbolId.set(s, id);
    }
    return id;
  };

  const words: Int32Array[] = [];
  const lengths: number[] = [];
  const freqs: number[] = [];
  let skippedWords = 0;
  for (const [w, n] of entries) {
    const chars = [...w];
    if (chars.length > opts.maxInputCharsPerWord || chars.some((c) => !inAlphabet.has(c))) {
      skippedWords++;
      continue;
    }
    const ids = new Int32Array(chars.length);
    chars.forEach((c, k) => (ids[k] = intern(k === 0 ? c : prefix + c)));
    words.push(ids);
    lengths.push(ids.length);
    freqs.push(n);
  }

  // Pair statistics. `where` lists may hold stale or repeated word indices: checked on use.
  const pairCount = new Map<number, number>();
  const where = new Map<number, number[]>();
  const addPair = (a: number, b: number, n: number, w: number): void => {
    const key = a * SYMBOL_BITS + b;
    pairCount.set(key, (pairCount.get(key) ?? 0) + n);
    let list = where.get(key);
    if (list === undefined) where.set(key, (list = []));
    if (list[list.length - 1] !== w) list.push(w);
  };
  const removePair = (a: number, b: number, n: number): void => {
    const key = a * SYMBOL_BITS + b;
    const left = (pairCount.get(key) ?? 0) - n;
    if (left > 0) pairCount.set(key, left);
    else pairCount.delete(key);
  };
  for (let w = 0; w < words.length; w++) {
    const ids = words[w]!;
    for (let k = 0; k + 1 < ids.length; k++) addPair(ids[k]!, ids[k + 1]!, freqs[w]!, w);
  }

  const compareKeys = (x: number, y: number): number => {
    const xa = symbols[Math.floor(x / SYMBOL_BITS)]!;
    const ya = symbols[Math.floor(y / SYMBOL_BITS)]!;
    if (xa !== ya) return xa < ya ? -1 : 1;
    const xb = symbols[x % SYMBOL_BITS]!;
    const yb = symbols[y % SYMBOL_BITS]!;
    return xb < yb ? -1 : xb > yb ? 1 : 0;
  };
  const heap = new PairHeap((ca, ka, cb, kb) => ca > cb || (ca === cb && compareKeys(ka, kb) < 0));
  for (const [key, n] of pairCount) heap.push(n, key);

  let merges = 0;
  let stoppedBy: TrainResult['stoppedBy'] = 'min-frequency';
  const seen = new Int32Array(words.length).fill(-1);
  while (heap.size > 0) {
    if (vocab.length >= opts.vocabSize) {
      stoppedBy = 'vocab-size';
      break;
    }
    const [count, key] = heap.pop();
    const current = pairCount.get(key) ?? 0;
    if (current !== count) {
      // Stale entry: counts only shrink in place (growth pushes a fresh entry), so re-queue.
      if (current > 0) heap.push(current, key);
      continue;
    }
    if (count < opts.minFrequency) break;
    const a = Math.floor(key / SYMBOL_BITS);
    const b = key % SYMBOL_BITS;
    const merged = symbols[a]! + symbols[b]!.slice(symbols[b]!.startsWith(prefix) ? prefix.length : 0);
    const m = intern(merged);
    addToVocab(merged);
    merges++;
    const list = where.get(key) ?? [];
    where.delete(key);
    pairCount.delete(key);
    const grown = new Set<number>();
    for (const w of list) {
      if (seen[w] === merges) continue;
      seen[w] = merges;
      const ids = words[w]!;
      const n = freqs[w]!;
      let len = lengths[w]!;
      let k = 0;
      while (k + 1 < len) {
        if (ids[k] !== a || ids[k + 1] !== b) {
          k++;
          continue;
        }
        // Replace ids[k], ids[k+1] with m, fixing the neighbouring pairs' counts.
        if (k > 0) {
          removePair(ids[k - 1]!, a, n);
          addPair(ids[k - 1]!, m, n, w);
          grown.add(ids[k - 1]! * SYMBOL_BITS + m);
        }
        if (k + 2 < len) {
          // When the next pair is (b, a) followed by b again, it is merged next round of the loop;
          // its (b, a) count must still go.
          removePair(b, ids[k + 2]!, n);
          addPair(m, ids[k + 2]!, n, w);
          grown.add(m * SYMBOL_BITS + ids[k + 2]!);
        }
        ids[k] = m;
        ids.copyWithin(k + 1, k + 2, len);
        len--;
        k++;
      }
      lengths[w] = len;
    }
    // Pairs whose counts went up get a fresh heap entry (stale ones are skipped on pop).
    for (const g of grown) {
      const c = pairCount.get(g);
      if (c !== undefined && c > 0) heap.push(c, g);
    }
  }
  if (heap.size === 0 && vocab.length >= opts.vocabSize) stoppedBy = 'vocab-size';

  return {
    vocab,
    specialTokens,
    alphabetSize: alphabet.length,
    merges,
    stoppedBy,
    uniqueWords: entries.length,
    skippedWords,
  };
}

function compareCodePoints(a: string, b: string): number {
  return a.codePointAt(0)! - b.codePointAt(0)!;
}

/** A corpus split chosen as training text. */
export interface TrainingSplit {
  corpus: string;
  split: string;
  role: string;
}

/**
 * True when a split may feed tokenizer training: role train, all or pretrain, not protected, and
 * not named like a test set (conservative: `test`, `test-ner`, `test_gs` ... all stay out).
 */
export function isTrainingSplit(s: SplitInfo): boolean {
  return !s.protectedTest && (s.role === 'train' || s.role === 'all' || s.role === 'pretrain') && !/test/i.test(s.name);
}

/**
 * The splits to train on. `selection` items are `corpus` (all its training splits) or
 * `corpus:split`; empty means every training split present under the data root. Naming a split
 * that may not feed training throws, rather than silently training on it or dropping it.
 */
export function trainingSplits(selection: readonly string[] = [], root = dataRoot()): TrainingSplit[] {
  const out: TrainingSplit[] = [];
  const push = (corpus: string, s: SplitInfo): void => {
    if (!out.some((x) => x.corpus === corpus && x.split === s.name)) out.push({ corpus, split: s.name, role: s.role });
  };
  if (selection.length === 0) {
    for (const c of CORPORA) for (const s of c.splits) if (isTrainingSplit(s) && splitAvailable(s, root)) push(c.name, s);
    return out;
  }
  for (const item of selection) {
    const [name, splitName] = item.split(':') as [string, string | undefined];
    const corpus = CORPORA.find((c) => c.name === name);
    if (!corpus) throw new Error(`unknown corpus "${name}" (known: ${CORPORA.map((c) => c.name).join(', ')})`);
    if (splitName === undefined) {
      const ok = corpus.splits.filter(isTrainingSplit);
      if (ok.length === 0) throw new Error(`corpus ${name} has no split that may feed training`);
      for (const s of ok) {
        if (!splitAvailable(s, root)) throw new Error(`${name}:${s.name} is not under ${root}`);
        push(name, s);
      }
      continue;
    }
    const s = corpus.splits.find((x) => x.name === splitName);
    if (!s) throw new Error(`corpus ${name} has no split "${splitName}" (splits: ${corpus.splits.map((x) => x.name).join(', ')})`);
    if (!isTrainingSplit(s)) {
      throw new Error(`${name}:${splitName} (role ${s.role}${s.protectedTest ? ', protected test' : ''}) may not feed training: only train, all and pretrain splits not named test`);
    }
    if (!splitAvailable(s, root)) throw new Error(`${name}:${splitName} is not under ${root}`);
    push(name, s);
  }
  return out;
}

/** Per-split account of the training text, recorded in tokenizer_meta.json. */
export interface TrainingTextSource extends TrainingSplit {
  documents: number;
  passages: number;
  /** Passages skipped because an identical text was already counted (ChemProt repeats DrugProt). */
  duplicatePassages: number;
  chars: number;
  leakGuardRemoved: number;
  /** Wall-clock seconds reading the split (through the leak guard) and counting its words. */
  loadSeconds: number;
  countSeconds: number;
}

/**
 * Load the splits (through the registry, so the leak guard applies) and count their words.
 * Each passage counts once per distinct text, in split order.
 */
export async function countTrainingText(splits: readonly TrainingSplit[], counter: WordCounter, root = dataRoot()): Promise<TrainingTextSource[]> {
  const seen = new Set<string>();
  const sources: TrainingTextSource[] = [];
  for (const s of splits) {
    const info = CORPORA.find((c) => c.name === s.corpus)?.splits.find((x) => x.name === s.split);
    // Checked again here so no caller can route a test split into training.
    if (!info || !isTrainingSplit(info)) throw new Error(`${s.corpus}:${s.split} may not feed training`);
    const t0 = performance.now();
    const loaded = await loadSplit(s.corpus, s.split, root);
    const t1 = performance.now();
    const src: TrainingTextSource = {
      ...s,
      documents: loaded.documents.length,
      passages: 0,
      duplicatePassages: 0,
      chars: 0,
      leakGuardRemoved: loaded.leakGuardRemoved,
      loadSeconds: (t1 - t0) / 1000,
      countSeconds: 0,
    };
    for (const d of loaded.documents) {
      for (const p of d.passages) {
        if (p.text.length === 0) continue;
        if (seen.has(p.text)) {
          src.duplicatePassages++;
          continue;
        }
        seen.add(p.text);
        src.passages++;
        src.chars += p.text.length;
        counter.add(p.text);
      }
    }
    src.countSeconds = (performance.now() - t1) / 1000;
    sources.push(src);
  }
  return sources;
}
