/**
 * Pre-training data, prepared once (nanoGPT's prepare.py): the text of every training split
 * (the leak guard applied through the registry; no test split, no protected document), de-
 * duplicated across corpora, tokenized, split into a training and a held-out stream by a hash
 * of each document, and written as token-id files with a word-start bit per token (for whole-
 * word masking). Training then reads the id files, not the corpora.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSplit } from '../../corpora/registry';
import { normalizeKey } from '../../corpora/leakGuard';
import { documentText } from '../../document/document';
import type { BioTokenizer } from '../../tokenizer/tokenizer';
import { trainingSplits } from '../../tokenizer/wordpieceTrainer';

/** A token stream: ids and word-start flags, documents separated by [SEP]. */
export interface TokenStream {
  ids: Int32Array;
  /** 1 where a token starts a word (not a `##` continuation). */
  wordStart: Uint8Array;
}

export interface PreparedData {
  train: TokenStream;
  heldOut: TokenStream;
  meta: {
    sources: { corpus: string; split: string; documents: number; duplicates: number }[];
    trainDocuments: number;
    heldOutDocuments: number;
    trainTokens: number;
    heldOutTokens: number;
    /** SHA-256 of the training and held-out token streams: the "data hashes" saved with models. */
    trainSha256: string;
    heldOutSha256: string;
    tokenizerSha256: string;
  };
}

/** Deterministic held-out membership from the document's normalized text. */
function isHeldOut(key: string, share: number): boolean {
  const h = crypto.createHash('sha1').update(key).digest();
  return h.readUInt32BE(0) / 2 ** 32 < share;
}

class StreamBuilder {
  private ids: number[] = [];
  private starts: number[] = [];
  documents = 0;

  add(tokens: readonly string[], ids: readonly number[], sep: number): void {
    for (let i = 0; i < ids.length; i++) {
      this.ids.push(ids[i]!);
      this.starts.push(tokens[i]!.startsWith('##') ? 0 : 1);
    }
    this.ids.push(sep);
    this.starts.push(1);
    this.documents++;
  }

  build(): TokenStream {
    return { ids: Int32Array.from(this.ids), wordStart: Uint8Array.from(this.starts) };
  }
}

function sha256(a: ArrayBufferView): string {
  return crypto.createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
}

/**
 * Tokenize the training text. `selection` restricts corpora (as trainingSplits takes it);
 * `onProgress` gets (done, total) split counts.
 */
export async function preparePretrainData(
  tokenizer: BioTokenizer,
  tokenizerFile: string,
  heldOutShare: number,
  selection: readonly string[] = [],
  onProgress?: (done: number, total: number, label: string) => void,
): Promise<PreparedData> {
  const splits = trainingSplits(selection);
  const seen = new Set<string>();
  const train = new StreamBuilder();
  const held = new StreamBuilder();
  const sources: PreparedData['meta']['sources'] = [];
  const { cls, sep } = tokenizer.specialIds;
  let done = 0;
  for (const s of splits) {
    onProgress?.(done, splits.length, `${s.corpus}:${s.split}`);
    const loaded = await loadSplit(s.corpus, s.split);
    let documents = 0;
    let duplicates = 0;
    for (const doc of loaded.documents) {
      const text = documentText(doc).trim();
      if (!text) continue;
      const key = normalizeKey(text);
      if (seen.has(key)) {
        duplicates++;
        continue;
      }
      seen.add(key);
      documents++;
      const enc = tokenizer.encodeWithoutOffsets(text);
      // Drop the template's [CLS]/[SEP]: sequences get their own when packed.
      const keep = enc.ids.map((_id, i) => i).filter((i) => enc.ids[i] !== cls && enc.ids[i] !== sep);
      const target = isHeldOut(key, heldOutShare) ? held : train;
      target.add(
        keep.map((i) => enc.tokens[i]!),
        keep.map((i) => enc.ids[i]!),
        sep,
      );
    }
    sources.push({ corpus: s.corpus, split: s.split, documents, duplicates });
    done++;
  }
  onProgress?.(done, splits.length, 'done');
  const t = train.build();
  const h = held.build();
  return {
    train: t,
    heldOut: h,
    meta: {
      sources,
      trainDocuments: train.documents,
      heldOutDocuments: held.documents,
      trainTokens: t.ids.length,
      heldOutTokens: h.ids.length,
      trainSha256: sha256(t.ids),
      heldOutSha256: sha256(h.ids),
      tokenizerSha256: crypto.createHash('sha256').update(fs.readFileSync(tokenizerFile)).digest('hex'),
    },
  };
}

/** Write prepared data into `dir` (train.ids, train.starts, heldout.*, meta.json). */
export function savePreparedData(dir: string, d: PreparedData): void {
  fs.mkdirSync(dir, { recursive: true });
  const put = (name: string, a: ArrayBufferView): void => fs.writeFileSync(path.join(dir, name), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  put('train.ids', d.train.ids);
  put('train.starts', d.train.wordStart);
  put('heldout.ids', d.heldOut.ids);
  put('heldout.starts', d.heldOut.wordStart);
  fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(d.meta, null, 1) + '\n');
}

/** Read data written by savePreparedData; throws naming the folder when incomplete. */
export function loadPreparedData(dir: string): PreparedData {
  const read = (name: string): Buffer => {
    const f = path.join(dir, name);
    if (!fs.existsSync(f)) throw new Error(`${dir}: missing ${name}; run \`biore pretrain prepare\` first`);
    return fs.readFileSync(f);
  };
  const ints = (b: Buffer): Int32Array => {
    const a = new Int32Array(b.length / 4);
    new Uint8Array(a.buffer).set(b);
    return a;
  };
  return {
    train: { ids: ints(read('train.ids')), wordStart: new Uint8Array(read('train.starts')) },
    heldOut: { ids: ints(read('heldout.ids')), wordStart: new Uint8Array(read('heldout.starts')) },
    meta: JSON.parse(read('meta.json').toString('utf8')) as PreparedData['meta'],
  };
}

/** Markers the trainer needs from the tokenizer. */
export interface SpecialIds {
  cls: number;
  sep: number;
  mask: number;
  pad: number;
}
