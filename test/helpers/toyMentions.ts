/**
 * A toy mention corpus for tagger tests: one chemical and one disease per sentence among filler
 * words, every fifth document long (more than one static training length). Chemicals share
 * suffixes the word vectors cannot see (two are unknown words): the char encoder has something
 * to learn.
 */
import type { Document } from '../../src/core/document/document';
import { SPECIAL_WORDS, WordVocab } from '../../src/core/wordvec/wordVocab';

export const CHEMS = ['aspirin', 'warfarin', 'heparin', 'lidocaine', 'cocaine', 'zorbarin', 'quelcaine'];
export const DISEASES = ['asthma', 'sepsis', 'anemia', 'gout', 'psoriasis'];
export const FILLERS = ['patients', 'given', 'developed', 'after', 'treatment', 'with', 'severe', 'the', 'was', 'reported'];

export function toyDoc(i: number): Document {
  const c = CHEMS[i % CHEMS.length]!;
  const d = DISEASES[(i * 3 + 1) % DISEASES.length]!;
  const f = (k: number): string => FILLERS[(i + k) % FILLERS.length]!;
  // Every fifth document is long, so batches use more than one static training length.
  const tail = i % 5 === 0 ? Array.from({ length: 14 }, (_, k) => f(k + 4)).join(' ') + ' ' : '';
  const text = `${f(0)} ${f(1)} ${c} ${f(2)} ${d} ${tail}${f(3)} .`;
  const at = (s: string, from = 0): number => text.indexOf(s, from);
  const cs = at(c);
  const ds = at(d, cs + c.length);
  return {
    id: `toy${i}`,
    passages: [
      {
        offset: 0,
        text,
        attributes: {},
        annotations: [
          { id: 'T1', type: 'Chemical', spans: [{ start: cs, end: cs + c.length }], text: c, ids: [], attributes: {} },
          { id: 'T2', type: 'Disease', spans: [{ start: ds, end: ds + d.length }], text: d, ids: [], attributes: {} },
        ],
      },
    ],
    relations: [],
    attributes: {},
  };
}

export function toyVocab(): { vocab: WordVocab; table: Float32Array; dim: number } {
  // zorbarin and quelcaine stay unknown words: only their characters and features tell.
  const words = [...SPECIAL_WORDS, ...CHEMS.slice(0, 5), ...DISEASES, ...FILLERS, '.'];
  const vocab = new WordVocab(words, words.map((_, i) => (i < SPECIAL_WORDS.length ? 0 : 10)));
  const dim = 8;
  return { vocab, table: new Float32Array(vocab.size * dim).map((_, i) => Math.sin(i * 12.9898) * 0.5), dim };
}
