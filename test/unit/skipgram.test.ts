/**
 * The static-word-vector pieces: the word tokenizer (offsets, lowercase, digit class, hyphen
 * compounds), the vocabulary with back-off, the word stream, the negative-sampling table, and
 * skip-gram itself: on a synthetic corpus, words sharing contexts end up closer than unrelated
 * words; a seed fixes the vectors; a vector folder round-trips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cosine, nearest, trainSkipGram, trainSkipGramThreads, unigramTable } from '../../src/core/training/wordvec/skipgram';
import { DOC_BREAK, WordCorpusBuilder } from '../../src/core/training/wordvec/wordCorpus';
import { loadWordVectors, saveWordVectors } from '../../src/core/wordvec/wordVectors';
import { NUM, SPECIAL_WORDS, UNK_ID, WordVocab, tokenizeWords } from '../../src/core/wordvec/wordVocab';

test('tokenizer: lowercase words with original offsets, punctuation, digit class, compounds with parts', () => {
  const text = 'Co-administration of CYP3A4 inhibitors (e.g. Ketoconazole) raised levels 2.5-fold in 1,200 patients.';
  const toks = tokenizeWords(text);
  assert.deepEqual(
    toks.map((t) => t.text),
    ['co-administration', 'of', 'cyp3a4', 'inhibitors', '(', 'e', '.', 'g', '.', 'ketoconazole', ')', 'raised', 'levels', `${NUM}-fold`, 'in', NUM, 'patients', '.'],
  );
  for (const t of toks) assert.equal(text.slice(t.start, t.end).toLowerCase().replace(/^\d[\d.,]*$/, NUM).replace(/^\d[\d.,]*-/, `${NUM}-`), t.text);
  const co = toks[0]!;
  assert.deepEqual(co.parts?.map((p) => [p.text, text.slice(p.start, p.end)]), [
    ['co', 'Co'],
    ['administration', 'administration'],
  ]);
  assert.equal(tokenizeWords('a - b')[1]!.text, '-');
  assert.equal(tokenizeWords('x', 10)[0]!.start, 10);
});

test('vocabulary: min count, frequent compounds whole, rare ones back off to their parts', () => {
  const counts = new Map([
    ['the', 10],
    ['dose-dependent', 4],
    ['co-administration', 1],
    ['co', 1],
    ['administration', 2],
    ['rare', 1],
    ['b', 3],
    ['a', 3],
  ]);
  const v = WordVocab.fromCounts(counts, 2);
  assert.deepEqual(v.words.slice(0, SPECIAL_WORDS.length), SPECIAL_WORDS);
  // Counts include the backed-off compound; ties in code-point order.
  assert.deepEqual(v.words.slice(SPECIAL_WORDS.length), ['the', 'dose-dependent', 'a', 'administration', 'b', 'co']);
  assert.equal(v.counts[v.id('administration')], 3);
  assert.equal(v.counts[v.id('co')], 2);
  assert.ok(!v.has('co-administration') && !v.has('rare'));
  assert.equal(v.counts[UNK_ID], 1);
  const enc = v.encode(tokenizeWords('Dose-dependent co-administration, rare'));
  assert.deepEqual(
    enc.map((e) => v.words[e.id]),
    ['dose-dependent', 'co', 'administration', ',', 'rare'].map((w) => (v.has(w) ? w : '<unk>')),
  );
  assert.deepEqual([enc[1]!.start, enc[1]!.end, enc[2]!.start, enc[2]!.end], [15, 17, 18, 32]);
  const back = WordVocab.fromText(v.toText());
  assert.deepEqual(back.words, v.words);
  assert.deepEqual(back.counts, v.counts);
  assert.throws(() => WordVocab.fromText('x\t1\n'), /id 0 must be <pad>/);
});

test('word stream: one tokenization, ids after the vocabulary, document breaks', () => {
  const b = new WordCorpusBuilder();
  b.add('Low-dose aspirin and aspirin.');
  b.add('low-dose Aspirin');
  b.add('a dose');
  const { vocab, stream } = b.build(2);
  const words = [...stream].map((t) => (t === DOC_BREAK ? '|' : vocab.words[t]));
  assert.deepEqual(words, ['low-dose', 'aspirin', '<unk>', 'aspirin', '<unk>', '|', 'low-dose', 'aspirin', '|', '<unk>', '<unk>', '|']);
  const c = new WordCorpusBuilder();
  c.add('low-dose x');
  c.add('low dose');
  const r = c.build(2);
  // The rare compound expands to its parts in the stream as well.
  assert.deepEqual([...r.stream].map((t) => (t === DOC_BREAK ? '|' : r.vocab.words[t])), ['low', 'dose', '<unk>', '|', 'low', 'dose', '|']);
  assert.equal(b.tokens, 9);
});

test('word stream: --max-vocab raises the minimum count until the vocabulary fits', () => {
  const b = new WordCorpusBuilder();
  b.add('a a a a b b b c c d');
  // Words (besides the reserved ones): at min count 1 a, b, c, d; at 2 a, b, c; at 3 a, b; at 4 a.
  const reserved = SPECIAL_WORDS.length;
  assert.equal(b.minCountFor(reserved + 4, 1), 1);
  assert.equal(b.minCountFor(reserved + 3, 1), 2);
  assert.equal(b.minCountFor(reserved + 2, 1), 3);
  assert.equal(b.minCountFor(reserved + 1, 1), 4);
  assert.equal(b.minCountFor(reserved + 4, 3), 3, 'never below the given minimum');
  assert.equal(b.build(b.minCountFor(reserved + 2, 1)).vocab.size, reserved + 2);
});

test('negative table follows count^0.75 and skips words with count 0', () => {
  const counts = [0, 0, 16, 1, 0, 81];
  const t = unigramTable(counts, 100_000);
  const freq = new Map<number, number>();
  for (const w of t) freq.set(w, (freq.get(w) ?? 0) + 1);
  const z = 16 ** 0.75 + 1 + 81 ** 0.75;
  assert.deepEqual([...freq.keys()].sort(), [2, 3, 5]);
  for (const [w, c] of [[2, 16], [3, 1], [5, 81]] as const) assert.ok(Math.abs(freq.get(w)! / t.length - c ** 0.75 / z) < 1e-3, `word ${w}`);
});

/**
 * Two topics: topic words A (ids 5..9) only ever occur among context words X (15..19), topic
 * words B (10..14) among Y (20..24). Nothing else tells A from B.
 */
function twoTopicCorpus(docs: number, seed: number): { stream: Int32Array; counts: number[] } {
  let s = seed;
  const next = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / 2 ** 24;
  const out: number[] = [];
  const counts = new Array<number>(25).fill(0);
  for (let d = 0; d < docs; d++) {
    const topic = next() < 0.5 ? 0 : 1;
    for (let i = 0; i < 12; i++) {
      const w = i % 2 === 0 ? 5 + topic * 5 + Math.floor(next() * 5) : 15 + topic * 5 + Math.floor(next() * 5);
      out.push(w);
      counts[w]!++;
    }
    out.push(DOC_BREAK);
  }
  return { stream: Int32Array.from(out), counts };
}

test('skip-gram: words sharing contexts end up closer than unrelated words; seeded and deterministic', () => {
  const { stream, counts } = twoTopicCorpus(1500, 7);
  const o = { dim: 24, window: 2, negatives: 5, epochs: 3, sample: 1e-2, learningRate: 0.025, seed: 3 };
  const t0 = performance.now();
  const { vectors, stats } = trainSkipGram(stream, counts, o);
  assert.ok(performance.now() - t0 < 5000);
  assert.equal(stats.streamTokens, 1500 * 12);
  assert.equal(stats.processedTokens, 3 * 1500 * 12);
  assert.ok(stats.trainedTokens < stats.processedTokens, 'subsampling drops some words');
  let same = 0;
  let cross = 0;
  let ns = 0;
  let nc = 0;
  for (let a = 5; a < 15; a++) {
    for (let b = 5; b < 15; b++) {
      if (a === b) continue;
      const c = cosine(vectors, o.dim, a, b);
      if (a < 10 === b < 10) {
        same += c;
        ns++;
      } else {
        cross += c;
        nc++;
      }
    }
    // The nearest other topic word is from the same topic.
    const near = nearest(vectors.subarray(0, 15 * o.dim), o.dim, a, 1, 5)[0]!;
    assert.equal(near.id < 10, a < 10, `nearest topic word of ${a} is ${near.id}`);
  }
  assert.ok(same / ns > cross / nc + 0.5, `mean cosine within topics ${(same / ns).toFixed(3)}, across ${(cross / nc).toFixed(3)}`);
  // Reserved ids (count 0) keep their initial values: never a context, centre or negative.
  const again = trainSkipGram(stream, counts, o).vectors;
  assert.deepEqual(again, vectors);
  const other = trainSkipGram(stream, counts, { ...o, seed: 4 }).vectors;
  assert.notDeepEqual(other, vectors);
  const initOnly = trainSkipGram(Int32Array.from([5, DOC_BREAK]), counts, { ...o, epochs: 1 }).vectors;
  assert.deepEqual(initOnly.subarray(0, 5 * o.dim), vectors.subarray(0, 5 * o.dim));
});

test('skip-gram on 2 worker threads (Hogwild over shared memory) learns the same structure', async () => {
  const { stream, counts } = twoTopicCorpus(1500, 7);
  const o = { dim: 24, window: 2, negatives: 5, epochs: 3, sample: 1e-2, learningRate: 0.025, seed: 3 };
  const { vectors, stats } = await trainSkipGramThreads(stream, counts, o, 2);
  assert.equal(stats.processedTokens, 3 * 1500 * 12);
  let same = 0;
  let cross = 0;
  for (let a = 5; a < 15; a++) {
    for (let b = a + 1; b < 15; b++) {
      if (a < 10 === b < 10) same += cosine(vectors, o.dim, a, b) / 20;
      else cross += cosine(vectors, o.dim, a, b) / 25;
    }
  }
  assert.ok(same > cross + 0.5, `within ${same.toFixed(3)}, across ${cross.toFixed(3)}`);
});

test('vector folder round-trips and rejects a truncated file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wv-'));
  const vocab = WordVocab.fromCounts(new Map([['x', 3], ['y', 2]]), 1);
  const vectors = Float32Array.from({ length: vocab.size * 4 }, (_, i) => i / 7);
  saveWordVectors(dir, { vocab, vectors, dim: 4 }, { params: { window: 5 } });
  const wv = loadWordVectors(dir);
  assert.equal(wv.dim, 4);
  assert.deepEqual(wv.vocab.words, vocab.words);
  assert.deepEqual(wv.vectors, vectors);
  assert.equal((wv.meta['params'] as { window: number }).window, 5);
  assert.match(String(wv.meta['vectorsSha256']), /^[0-9a-f]{64}$/);
  fs.writeFileSync(path.join(dir, 'vectors.f32'), new Uint8Array(8));
  assert.throws(() => loadWordVectors(dir), /expected 7 × 4 × 4/);
  assert.throws(() => loadWordVectors(path.join(dir, 'nope')), /not a word-vector folder/);
});
