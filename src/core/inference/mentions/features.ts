/**
 * Token inputs of the mention tagger: word ids into the skip-gram vocabulary, and hashed
 * spelling features (prefixes, suffixes, word shape, the exact word) that carry what lowercase
 * word vectors cannot: capitals and digits in gene names (`BRCA1`, `IL-6`), chemical suffixes
 * (`-ine`, `-ide`, `-ol`), disease suffixes (`-itis`, `-emia`), and the identity of words outside
 * the vector vocabulary.
 *
 * Tokens are the word tokenizer's (wordVocab.ts) with hyphenated compounds always split into
 * their parts: mention boundaries often fall inside a compound (`cisplatin-induced`,
 * `5-FU-treated`), and the tagger must be able to stop there. The hyphen itself is no token; the
 * features of the parts record that they were joined.
 *
 * Features are hashed (FNV-1a) into `buckets` rows, bucket 0 reserved; the hash and slot names
 * are part of the model's contract (config.json records `features`).
 */
import type { Span } from '../../document/document';
import { NUM, UNK_ID, tokenizeWords, type WordVocab } from '../../wordvec/wordVocab';

/** A tagger token: offsets in the document, original surface, joined to neighbours by a hyphen. */
export interface NerToken extends Span {
  surface: string;
  /** Lowercased, digits-only parts as `<num>` (the vector vocabulary's form). */
  norm: string;
  hyphenLeft: boolean;
  hyphenRight: boolean;
}

/** Feature slots per token. */
export const FEATURE_SLOTS = 10;

/** Contract recorded in config.json so that a runtime can check it hashes alike. */
export const FEATURE_SCHEME = { kind: 'biore-ner-features', version: 1, hash: 'fnv1a32', slots: ['word', 'pre2', 'pre3', 'pre4', 'suf2', 'suf3', 'suf4', 'suf5', 'shape', 'context'] } as const;

/**
 * Version 2: the same slots plus `dict`, the token's place in a vocabulary name (gazetteer.ts),
 * hashed like the others from `d:<tag>`. Its config.json record also names the vocabulary file
 * and its sha256.
 */
export const DICTIONARY_FEATURE_SCHEME = { ...FEATURE_SCHEME, version: 2, slots: [...FEATURE_SCHEME.slots, 'dict'] } as const;

/** Hashed id of a dictionary tag (`B-D`, `O` …; gazetteer.ts) in [1, buckets). */
export function dictionaryFeature(tag: string, buckets: number): number {
  return 1 + (fnv1a(`d:${tag}`) % (buckets - 1));
}

/** Tokens of `text` (offsets relative to `text` plus `base`). */
export function nerTokens(text: string, base = 0): NerToken[] {
  const out: NerToken[] = [];
  for (const w of tokenizeWords(text, base)) {
    if (!w.parts) {
      out.push({ start: w.start, end: w.end, surface: text.slice(w.start - base, w.end - base), norm: w.text, hyphenLeft: false, hyphenRight: false });
      continue;
    }
    w.parts.forEach((p, i) => {
      if (p.end === p.start) return;
      out.push({ start: p.start, end: p.end, surface: text.slice(p.start - base, p.end - base), norm: p.text, hyphenLeft: i > 0, hyphenRight: i < w.parts!.length - 1 });
    });
  }
  return out;
}

/** 32-bit FNV-1a of a string's UTF-16 code units. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Word shape with runs collapsed: `BRCA1` → `Xd`, `Interleukin` → `Xx`, `mRNA` → `xX`. */
export function wordShape(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = /\p{Lu}/u.test(ch) ? 'X' : /\p{Ll}/u.test(ch) ? 'x' : /\p{N}/u.test(ch) ? 'd' : /[α-ωΑ-Ω]/u.test(ch) ? 'g' : ch;
    if (!out.endsWith(c)) out += c;
  }
  return out.slice(0, 6);
}

function lengthBucket(n: number): string {
  return n <= 3 ? String(n) : n <= 5 ? '4-5' : n <= 8 ? '6-8' : '9+';
}

/** The FEATURE_SLOTS hashed feature ids of a token, each in [1, buckets). */
export function tokenFeatures(t: NerToken, buckets: number, out: Int32Array = new Int32Array(FEATURE_SLOTS), at = 0): Int32Array {
  const low = t.surface.toLowerCase();
  const short = t.surface.length <= 4 ? t.surface : '';
  const values = [
    `w:${low}`,
    `p2:${low.slice(0, 2)}`,
    `p3:${low.slice(0, 3)}`,
    `p4:${low.slice(0, 4)}`,
    `s2:${low.slice(-2)}`,
    `s3:${low.slice(-3)}`,
    `s4:${low.slice(-4)}`,
    `s5:${low.slice(-5)}`,
    // Short tokens keep their exact casing (`Ca`, `CO`, `IL`): the shape alone cannot tell them apart.
    `sh:${wordShape(t.surface)}:${short}`,
    `c:${t.hyphenLeft ? 1 : 0}${t.hyphenRight ? 1 : 0}:${lengthBucket(t.surface.length)}`,
  ];
  for (let k = 0; k < FEATURE_SLOTS; k++) out[at + k] = 1 + (fnv1a(values[k]!) % (buckets - 1));
  return out;
}

/** Word id of a token in the vector vocabulary, limited to the first `maxWords` ids (else unknown). */
export function tokenWordId(vocab: WordVocab, t: NerToken, maxWords = Infinity): number {
  const id = vocab.id(t.norm === NUM ? NUM : t.norm);
  return id < maxWords ? id : UNK_ID;
}

// ---------------------------------------------------------------------------------- characters

/**
 * The character alphabet of the tagger's char encoder: printable ASCII without the space (tokens
 * never hold one) and the Greek letters of names like `TNF-α` or `β-blocker`. Id 0 is padding,
 * 1 every other character, then 2 + the index in this string. Fixed, and recorded in config.json
 * (`chars.alphabet`), so a runtime rebuilds the same ids from the folder alone.
 */
export const CHAR_ALPHABET: string = [
  ...Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)),
  ...Array.from({ length: 0x3c9 - 0x391 + 1 }, (_, i) => String.fromCharCode(0x391 + i)).filter((c) => /\p{L}/u.test(c)),
].join('');

/** Char id of padding and of characters outside the alphabet. */
export const CHAR_PAD = 0;
export const CHAR_UNKNOWN = 1;

/** What a tagger with a char encoder records in config.json (`chars`) and its runtime needs. */
export interface CharScheme {
  kind: 'biore-ner-chars';
  version: 1;
  alphabet: string;
  /** Characters per word; longer words keep their first ⌈maxChars/2⌉ and last ⌊maxChars/2⌋. */
  maxChars: number;
  truncation: 'head+tail';
}

/** The scheme for `maxChars` characters per word over CHAR_ALPHABET. */
export function charScheme(maxChars: number): CharScheme {
  return { kind: 'biore-ner-chars', version: 1, alphabet: CHAR_ALPHABET, maxChars, truncation: 'head+tail' };
}

const charTables = new Map<string, ReadonlyMap<string, number>>();

/** Ids of a scheme's alphabet (character → 2 + index), built once per alphabet. */
export function charTable(scheme: Pick<CharScheme, 'alphabet'>): ReadonlyMap<string, number> {
  let t = charTables.get(scheme.alphabet);
  if (!t) charTables.set(scheme.alphabet, (t = new Map(Array.from(scheme.alphabet, (c, i) => [c, 2 + i] as const))));
  return t;
}

/**
 * Write a token's `maxChars` char ids at `out[at…]` (CHAR_PAD after the word). A longer word keeps
 * its head and its tail rather than only its head, because the suffix (`-itis`, `-mab`, `-ase`)
 * is what names a class of chemical, disease or protein.
 */
export function tokenCharIds(surface: string, table: ReadonlyMap<string, number>, maxChars: number, out: Uint8Array, at: number): void {
  let chars = Array.from(surface);
  if (chars.length > maxChars) chars = [...chars.slice(0, Math.ceil(maxChars / 2)), ...chars.slice(chars.length - Math.floor(maxChars / 2))];
  chars.forEach((c, i) => (out[at + i] = table.get(c) ?? CHAR_UNKNOWN));
  out.fill(CHAR_PAD, at + chars.length, at + maxChars);
}
