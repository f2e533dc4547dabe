import { StorageError } from '@stowage/core';

// One bounded-concurrency map for every package: core's.
export { mapLimit } from '@stowage/core/driver';

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
