import { StorageError } from '../errors.js';

/** Counts what went through a {@link limitBytes} iterable. */
export interface ByteCount {
  bytes: number;
  /** True once the source went over the limit (the iterable then threw TOO_LARGE). */
  exceeded: boolean;
}

/** `5242880` -> `5 MiB`, `1536` -> `1.5 KiB`, `100` -> `100 bytes`. */
export function formatBytes(bytes: number): string {
  const units: Array<[number, string]> = [
    [1024 ** 3, 'GiB'],
    [1024 ** 2, 'MiB'],
    [1024, 'KiB'],
  ];
  for (const [size, unit] of units) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} bytes`;
}

/** The TOO_LARGE error for a body over `limit` bytes. */
export function tooLarge(what: string, limit: number): StorageError {
  return new StorageError('TOO_LARGE', `The ${what} is larger than ${formatBytes(limit)}.`, {
    operation: 'upload',
  });
}

/**
 * Passes chunks through, throwing TOO_LARGE as soon as more than `limit` bytes went by. Fed to
 * `storage.put`, the throw aborts the put, so an oversized body is never stored. Stopping early
 * also cancels the source (for-await returns it), so the rest of the body is not read.
 */
export async function* limitBytes(
  source: AsyncIterable<Uint8Array>,
  limit: number,
  count: ByteCount,
  error: () => StorageError,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    count.bytes += chunk.byteLength;
    if (count.bytes > limit) {
      count.exceeded = true;
      throw error();
    }
    yield chunk;
  }
}
