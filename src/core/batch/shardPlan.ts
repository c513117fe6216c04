/**
 * The partition behind `biore annotate --shard i/n`: shard i of n takes a contiguous block of
 * the input's documents, in input order, so that concatenating the shard outputs 0..n-1 gives the
 * single-process output. The block depends only on (document count, i, n): every task computes
 * its own block without talking to the others, and a rerun gets the same block.
 */

/** One shard of a partition: `index` in [0, count). */
export interface ShardSpec {
  index: number;
  count: number;
}

/** Documents [first, end) of the input, as 0-based document indices in input order. */
export interface DocumentRange {
  first: number;
  end: number;
}

/** Largest shard count accepted (file names carry five digits). */
export const MAX_SHARDS = 99999;

/**
 * Parse `i/n` (0 <= i < n <= MAX_SHARDS, decimal integers). Throws an Error whose message names
 * what is wrong; the CLI shows it as one line.
 */
export function parseShardSpec(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new Error(`--shard "${text}": expected i/n, e.g. 0/4 (shard i of n, counted from 0)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) throw new Error(`--shard "${text}": n must be between 1 and ${MAX_SHARDS}`);
  if (index >= count) throw new Error(`--shard "${text}": i must be below n (shards are 0..${count - 1})`);
  return { index, count };
}

/**
 * The block of shard `s` among `total` documents: [floor(i·total/n), floor((i+1)·total/n)).
 * Blocks are disjoint, cover 0..total in order, and differ in size by at most one document; with
 * more shards than documents some blocks are empty.
 */
export function shardRange(total: number, s: ShardSpec): DocumentRange {
  if (!Number.isInteger(total) || total < 0) throw new Error(`document count ${total} is not a count`);
  // BigInt keeps i·total exact past 2^53 / n (a MEDLINE-sized input times a large n stays far
  // below that, but the partition must never depend on rounding).
  const at = (i: number): number => Number((BigInt(i) * BigInt(total)) / BigInt(s.count));
  return { first: at(s.index), end: at(s.index + 1) };
}

/** `shard-00002-of-00004`: the stem of a shard's output and manifest file names. */
export function shardStem(s: ShardSpec): string {
  const pad = (n: number): string => String(n).padStart(5, '0');
  return `shard-${pad(s.index)}-of-${pad(s.count)}`;
}
