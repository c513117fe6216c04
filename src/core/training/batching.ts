/**
 * Training batches of similar length, so padding stays small: each pass shuffles the items,
 * sorts them by length within chunks of 50 batches, cuts batches, and shuffles the batches.
 * Shared by the transformer and CNN relation backends.
 */

/** An endless stream of batches, reshuffled every pass; `length` gives an item's padded size. */
export function* lengthBucketedBatches<T>(items: readonly T[], batchSize: number, next: () => number, length: (item: T) => number): Generator<T[]> {
  if (items.length === 0) throw new Error('no training examples');
  for (;;) {
    const order = items.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const chunk = batchSize * 50;
    const batches: T[][] = [];
    for (let c = 0; c < order.length; c += chunk) {
      const part = order.slice(c, c + chunk).map((i) => items[i]!);
      part.sort((a, b) => length(a) - length(b));
      for (let b = 0; b < part.length; b += batchSize) batches.push(part.slice(b, b + batchSize));
    }
    for (let i = batches.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [batches[i], batches[j]] = [batches[j]!, batches[i]!];
    }
    yield* batches;
  }
}
