/**
 * Helpers for the sequence-layer model tests (test/model/lstm, crf, charEncoder, pooling): feeds,
 * masks, a forward runner and element-wise comparison; gradients go through gradCheck.ts.
 */
import assert from 'node:assert/strict';
import type { Autodiff } from '../../src/core/engine/autodiff';
import type { Value } from '../../src/core/engine/graph';
import { createSession, type HostTensor } from '../../src/core/runtime/session';

export { gradCheck, rand } from './gradCheck';

/** Check `count` coordinates spread evenly over a tensor of n elements (gradCheck's `picks`). */
export function spread(count: number): (n: number) => number[] {
  return (n) => [...new Set(Array.from({ length: Math.min(n, count) }, (_, j) => Math.floor((j * (n - 1)) / Math.max(1, Math.min(n, count) - 1))))];
}

export type Feed = HostTensor & { dtype: 'float32' | 'int64' };

/** Build a graph with `build` and return its single output for the feeds. */
export async function runForward(ad: Autodiff, y: Value, feeds: Record<string, HostTensor>): Promise<Float32Array> {
  ad.g.output(y, 'y');
  const session = await createSession(ad.g.toBytes());
  const out = (await session.run(feeds))['y']!.data as Float32Array;
  await session.dispose();
  return out;
}

/** Element-wise closeness with a message naming the first offender. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** int64 feed from numbers. */
export function i64(values: readonly number[], dims: number[]): Feed {
  return { data: BigInt64Array.from(values.map((v) => BigInt(v))), dims, dtype: 'int64' };
}

/** float feed. */
export function f32(values: ArrayLike<number>, dims: number[]): Feed {
  return { data: Float32Array.from(values), dims, dtype: 'float32' };
}

/** A [B, T] 0/1 mask for the given lengths. */
export function maskOf(lengths: readonly number[], T: number): Float32Array {
  const m = new Float32Array(lengths.length * T);
  lengths.forEach((L, b) => m.fill(1, b * T, b * T + L));
  return m;
}
