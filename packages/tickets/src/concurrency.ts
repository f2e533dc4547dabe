import { StorageError } from '@stowage/core';

/**
 * Runs `task` over `items` with at most `limit` at once; results in input order. On the first
 * failure no new task starts; the tasks under way finish, then the promise rejects with it.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure) throw failure.error;
  return results;
}

/** Checks a concurrency option: a positive integer, else the default. */
export function concurrencyOf(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new StorageError(
      'INVALID_INPUT',
      `concurrency must be a positive integer, got ${value}.`,
    );
  }
  return value;
}
