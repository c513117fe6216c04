/**
 * Seeded parameter initialization. The PRNG is a small counter-based generator (SplitMix32) so
 * that a parameter's values depend only on the seed and its name, not on creation order: adding
 * a head does not change the encoder's initial weights.
 */
import type { Param } from './autodiff';
import { numel } from './graph';

/** A deterministic uniform [0, 1) generator. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 2 ** 32;
  };
}

/** FNV-1a hash of a string, for per-name seeds. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Initial values of one parameter. */
export function initialValue(p: Param, seed: number): Float32Array {
  const n = numel(p.shape);
  const out = new Float32Array(n);
  const init = p.init;
  if (init.kind === 'zeros') return out;
  if (init.kind === 'ones') return out.fill(1);
  const next = rng(seed ^ hashString(p.name));
  if (init.kind === 'uniform') {
    for (let i = 0; i < n; i++) out[i] = (next() * 2 - 1) * init.limit;
    return out;
  }
  // Normal via Box-Muller, truncated at 2 std as BERT does.
  for (let i = 0; i < n; i++) {
    let z: number;
    do z = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    while (Math.abs(z) > 2);
    out[i] = z * init.std;
  }
  return out;
}

/** Initial values of every parameter. */
export function initialize(params: readonly Param[], seed: number): Map<string, Float32Array> {
  return new Map(params.map((p) => [p.name, initialValue(p, seed)]));
}
