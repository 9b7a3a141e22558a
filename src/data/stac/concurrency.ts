/** Bounded concurrency for fetching many STAC documents: a window of requests in flight, results in order. */
import { invalidParameter } from '../../core/errors.js';

/** Checks a concurrency option: a whole number of at least 1. */
export function checkConcurrency(concurrency: number): number {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw invalidParameter(`concurrency must be a whole number of at least 1, got ${concurrency}`);
  }
  return concurrency;
}

/**
 * Calls `fn` on each item with at most `concurrency` calls in flight and yields the results in the
 * order of `items`, so a slow first answer never reorders output. The first failure is thrown when its
 * turn comes; calls already started run to completion and their failures are ignored.
 */
export async function* mapOrdered<T, R>(
  items: Iterable<T>,
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): AsyncGenerator<R> {
  checkConcurrency(concurrency);
  const source = items[Symbol.iterator]();
  const window: Promise<R>[] = [];
  let index = 0;
  const fill = () => {
    while (window.length < concurrency) {
      const next = source.next();
      if (next.done) return;
      const pending = fn(next.value, index++);
      // Handled when its turn comes; this keeps an early rejection from counting as unhandled meanwhile.
      pending.catch(() => undefined);
      window.push(pending);
    }
  };
  fill();
  while (window.length > 0) {
    const result = await window.shift()!;
    fill();
    yield result;
  }
}
