/**
 * A word-vector folder: `vectors.f32` (rows of `dim` little-endian float32, row i = word i),
 * `vocab.tsv` (`word<TAB>count`, line i = word i) and `meta.json` (dims, hyper-parameters,
 * tokenizer, data sources and hash, timing, the command that made it).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WordVocab } from './wordVocab';

export const VECTORS_FILE = 'vectors.f32';
export const VOCAB_FILE = 'vocab.tsv';
export const META_FILE = 'meta.json';

/** Loaded word vectors. */
export interface WordVectors {
  vocab: WordVocab;
  /** [vocab.size, dim] row-major. */
  vectors: Float32Array;
  dim: number;
  meta: Record<string, unknown>;
}

/** SHA-256 of the vector bytes (recorded by models built on them). */
export function vectorsHash(vectors: Float32Array): string {
  return crypto.createHash('sha256').update(new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength)).digest('hex');
}

/** Write a vector folder; `meta` gets `dim`, `vocabSize` and `vectorsSha256` added. */
export function saveWordVectors(dir: string, wv: Omit<WordVectors, 'meta'>, meta: Record<string, unknown>): void {
  if (wv.vectors.length !== wv.vocab.size * wv.dim) throw new Error(`word vectors: ${wv.vectors.length} floats for ${wv.vocab.size} words of ${wv.dim}`);
  if (os.endianness() !== 'LE') throw new Error('word vectors: only little-endian machines are supported');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, VECTORS_FILE), new Uint8Array(wv.vectors.buffer, wv.vectors.byteOffset, wv.vectors.byteLength));
  wv.vocab.save(path.join(dir, VOCAB_FILE));
  const full = { format: 'biore-wordvec', version: 1, dim: wv.dim, vocabSize: wv.vocab.size, vectorsSha256: vectorsHash(wv.vectors), ...meta };
  fs.writeFileSync(path.join(dir, META_FILE), JSON.stringify(full, null, 1) + '\n');
}

/** Read a vector folder; throws naming the folder when a file is missing or sizes disagree. */
export function loadWordVectors(dir: string): WordVectors {
  for (const f of [VECTORS_FILE, VOCAB_FILE, META_FILE]) {
    if (!fs.existsSync(path.join(dir, f))) throw new Error(`${dir}: no ${f} (not a word-vector folder; run \`biore wordvec train --out ${dir}\`)`);
  }
  const meta = JSON.parse(fs.readFileSync(path.join(dir, META_FILE), 'utf8')) as Record<string, unknown>;
  const vocab = WordVocab.load(path.join(dir, VOCAB_FILE));
  const dim = meta['dim'];
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim <= 0) throw new Error(`${dir}/${META_FILE}: no valid dim`);
  const bytes = fs.readFileSync(path.join(dir, VECTORS_FILE));
  if (bytes.length !== vocab.size * dim * 4) throw new Error(`${dir}/${VECTORS_FILE}: ${bytes.length} bytes, expected ${vocab.size} × ${dim} × 4`);
  const vectors = new Float32Array(vocab.size * dim);
  new Uint8Array(vectors.buffer).set(bytes);
  return { vocab, vectors, dim, meta };
}
