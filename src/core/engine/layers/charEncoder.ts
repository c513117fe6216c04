/**
 * A character-level word encoder (a char CNN with max-pool, after Ma & Hovy 2016): each word's
 * characters are embedded, convolved with a same-padded window, passed through ReLU and
 * max-pooled over the word, giving word features for the chemical and gene names that word
 * vectors miss. Padded characters are zeroed before the convolution and after the ReLU, so a
 * word's vector does not depend on how far its row is padded (ReLU outputs are ≥ 0, so zeros at
 * padding never win the max over a real character).
 */
import type { Autodiff, Param } from '../autodiff';
import type { Dim, Value } from '../graph';

export interface CharCnnParams {
  /** Character embeddings [alphabet, charDim]; row 0 is padding. */
  readonly emb: Param;
  /** Convolution [width·charDim, filters] and bias [filters]. */
  readonly w: Param;
  readonly b: Param;
  readonly width: number;
  readonly filters: number;
}

export function charCnnParams(ad: Autodiff, prefix: string, alphabet: number, charDim: number, filters: number, width = 3): CharCnnParams {
  if (width % 2 !== 1) throw new Error('char CNN width must be odd (same padding)');
  return {
    emb: ad.param(`${prefix}.emb`, [alphabet, charDim], { kind: 'uniform', limit: Math.sqrt(3 / charDim) }),
    w: ad.param(`${prefix}.w`, [width * charDim, filters], { kind: 'uniform', limit: Math.sqrt(6 / (width * charDim + filters)) }),
    b: ad.param(`${prefix}.b`, [filters], { kind: 'zeros' }, true),
    width,
    filters,
  };
}

/**
 * Encode chars int64 [B, T, L] with charMask float [B, T, L] (1 on real characters, first in
 * each word) into [B, T, filters]; words without characters encode to zeros. L must be static.
 */
export function charCnn(ad: Autodiff, chars: Value, charMask: Value, p: CharCnnParams): Value {
  const g = ad.g;
  const [B, T, L] = chars.shape as [Dim, Dim, Dim];
  if (typeof L !== 'number') throw new Error('charCnn needs a static characters-per-word length');
  const m4 = g.op('Unsqueeze', [charMask, g.constI64([3])], {}, [B, T, L, 1]);
  const x = ad.mul(ad.gather(p.emb, chars), m4);
  const half = (p.width - 1) / 2;
  // Window j sees the character at offset j − half (zeros beyond the word).
  const cols = Array.from({ length: p.width }, (_, j) => {
    const off = j - half;
    if (off === 0) return x;
    if (Math.abs(off) >= L) return ad.scale(x, 0);
    return off > 0 ? ad.pad(ad.slice(x, 2, off, L), 2, 0, off) : ad.pad(ad.slice(x, 2, 0, L + off), 2, -off, 0);
  });
  const conv = ad.relu(ad.linear(cols.length === 1 ? cols[0]! : ad.concat(cols, -1), p.w, p.b));
  return ad.reduceMax(ad.mul(conv, m4), 2, false);
}

/** Characters of each word as ids for charCnn: 0 = padding, 1 = unknown, then `alphabet`. */
export function charIds(words: readonly (readonly string[])[], alphabet: ReadonlyMap<string, number>, maxChars: number): { ids: BigInt64Array; mask: Float32Array; B: number; T: number; L: number } {
  const B = words.length;
  const T = Math.max(1, ...words.map((w) => w.length));
  const L = maxChars;
  const ids = new BigInt64Array(B * T * L);
  const mask = new Float32Array(B * T * L);
  words.forEach((row, b) =>
    row.forEach((w, t) => {
      const chars = Array.from(w).slice(0, L);
      chars.forEach((ch, c) => {
        ids[(b * T + t) * L + c] = BigInt(alphabet.get(ch) ?? 1);
        mask[(b * T + t) * L + c] = 1;
      });
    }),
  );
  return { ids, mask, B, T, L };
}
