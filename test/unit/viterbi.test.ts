/**
 * Viterbi decoding of a linear-chain CRF in TypeScript, plain and BIO-constrained, against
 * brute-force enumeration of every path (no onnxruntime).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bioConstraints, pathScore, viterbiBatch, viterbiDecode, type CrfScores, type TagConstraints } from '../../src/core/inference/sequence/viterbi';

function rand(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return ((s / 2 ** 32) * 2 - 1) * scale;
  });
}

function scores(seed: number, k: number): CrfScores {
  return { tags: k, transitions: rand(k * k, seed, 1), start: rand(k, seed + 1, 1), end: rand(k, seed + 2, 1) };
}

function allPaths(L: number, k: number): number[][] {
  let out: number[][] = [[]];
  for (let t = 0; t < L; t++) out = out.flatMap((p) => Array.from({ length: k }, (_, j) => [...p, j]));
  return out;
}

function bruteBest(em: ArrayLike<number>, L: number, crf: CrfScores, c?: TagConstraints): number[] {
  let best: number[] = [];
  let bestScore = -Infinity;
  for (const p of allPaths(L, crf.tags)) {
    if (c && (!c.start[p[0]!] || p.some((k, t) => t > 0 && !c.transitions[p[t - 1]! * crf.tags + k]))) continue;
    const s = pathScore(em, p, crf);
    if (s > bestScore) {
      bestScore = s;
      best = p;
    }
  }
  return best;
}

test('Viterbi finds the best path; BIO-constrained Viterbi the best valid one', () => {
  const labels = ['O', 'B-Chemical', 'I-Chemical', 'B-Disease', 'I-Disease'];
  const c = bioConstraints(labels);
  assert.deepEqual(Array.from(c.start), [1, 1, 0, 1, 0]);
  assert.equal(c.transitions[0 * 5 + 2], 0, 'O → I-Chemical forbidden');
  assert.equal(c.transitions[1 * 5 + 2], 1, 'B-Chemical → I-Chemical allowed');
  assert.equal(c.transitions[3 * 5 + 2], 0, 'B-Disease → I-Chemical forbidden');
  for (let seed = 1; seed <= 20; seed++) {
    const crf = scores(seed * 7, 5);
    const L = 1 + (seed % 5);
    const em = rand(L * 5, seed, 3);
    assert.deepEqual(viterbiDecode(em, L, crf), bruteBest(em, L, crf), `unconstrained seed ${seed}`);
    assert.deepEqual(viterbiDecode(em, L, crf, c), bruteBest(em, L, crf, c), `BIO seed ${seed}`);
  }
  assert.deepEqual(viterbiDecode(new Float32Array(0), 0, scores(1, 5)), []);
});


test('viterbiBatch decodes each padded row over its own length', () => {
  const crf = scores(3, 4);
  const T = 5;
  const em = rand(2 * T * 4, 9, 2);
  const [a, b] = viterbiBatch(em, [5, 2], T, crf);
  assert.deepEqual(a, viterbiDecode(em.subarray(0, 20), 5, crf));
  assert.deepEqual(b, viterbiDecode(em.subarray(20, 28), 2, crf));
});
