import { StorageError } from './errors.js';
import type { ByteRange } from './types.js';

/**
 * The [start, end) bytes a range selects from an object of `size` bytes. A range that starts past
 * the end is INVALID_INPUT; a length past the end stops at the end.
 */
export function sliceRange(
  size: number,
  range: ByteRange | undefined,
  key?: string,
): { start: number; end: number } {
  if (!range) return { start: 0, end: size };
  if (range.offset > size || (range.offset === size && size > 0)) {
    throw new StorageError(
      'INVALID_INPUT',
      `Range offset ${range.offset} starts past the end of the object (${size} bytes).`,
      { key },
    );
  }
  const end = range.length === undefined ? size : Math.min(size, range.offset + range.length);
  return { start: range.offset, end };
}
