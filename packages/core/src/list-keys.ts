import type { DriverListOptions } from './driver-types.js';
import { compareKeys } from './keys.js';
import type { ListResult, ObjectInfo } from './types.js';

/** Opaque cursor: the last key or prefix of the previous page. */
export function encodeCursor(lastKey: string): string {
  return Buffer.from(lastKey, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  return cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('utf8');
}

/**
 * Builds one page of a listing from keys offered in sorted order, with the semantics of S3's
 * ListObjectsV2: prefix filter, delimiter grouping, cursor and limit. For drivers whose backend
 * cannot list by itself (memory, disk).
 */
export class ListPager {
  readonly keys: string[] = [];
  readonly prefixes: string[] = [];
  private readonly after: string | undefined;
  private last: string | undefined;
  private next: string | undefined;

  constructor(private readonly options: DriverListOptions) {
    this.after = decodeCursor(options.cursor);
  }

  /** The cursor position: offers at or before it are skipped. */
  get resumeAfter(): string | undefined {
    return this.after;
  }

  /**
   * Offers the next key (or, for a driver that groups by itself, a prefix ending in the
   * delimiter). Returns false once the page is full or past the prefix: stop offering then.
   */
  offer(key: string, isPrefix = false): boolean {
    const { prefix, delimiter, limit } = this.options;
    if (!key.startsWith(prefix)) return compareKeys(key, prefix) < 0;
    let entry = key;
    if (!isPrefix && delimiter) {
      const at = key.indexOf(delimiter, prefix.length);
      if (at !== -1) {
        entry = key.slice(0, at + delimiter.length);
        isPrefix = true;
      }
    }
    if (this.after !== undefined && compareKeys(entry, this.after) <= 0) return true;
    if (entry === this.last) return true;
    if (this.keys.length + this.prefixes.length === limit) {
      this.next = this.last;
      return false;
    }
    if (isPrefix) this.prefixes.push(entry);
    else this.keys.push(key);
    this.last = entry;
    return true;
  }

  /** The page, with the objects described by `describe` (in order). */
  result(objects: ObjectInfo[]): ListResult {
    return {
      objects,
      prefixes: this.prefixes,
      ...(this.next !== undefined ? { cursor: encodeCursor(this.next) } : {}),
    };
  }
}

/** One page over keys already in sorted order. */
export function listFromSortedKeys(
  sortedKeys: Iterable<string>,
  options: DriverListOptions,
  describe: (key: string) => ObjectInfo,
): ListResult {
  const pager = new ListPager(options);
  for (const key of sortedKeys) if (!pager.offer(key)) break;
  return pager.result(pager.keys.map(describe));
}
