import type { ObjectInfo } from '@stowage/core';
import { compareKeys } from '@stowage/core/driver';

/**
 * Walks a listing in key order (every storage lists in UTF-8 byte order) alongside another, so
 * the target's state of each source key is found by merging the two sorted streams: one listing,
 * no HEAD per object, and no index of the whole target held in memory.
 */
export class SortedCursor {
  private readonly iterator: AsyncIterator<ObjectInfo>;
  private current: ObjectInfo | undefined;
  private started = false;
  private done = false;
  private last: string | undefined;

  constructor(listing: AsyncIterable<ObjectInfo>) {
    this.iterator = listing[Symbol.asyncIterator]();
  }

  /**
   * The listed object at `key`, `undefined` when the listing has none, or `'unknown'` when `key`
   * comes before a key asked for earlier (the caller then asks the storage itself). Keys before
   * `key` are passed over.
   */
  async find(key: string): Promise<ObjectInfo | undefined | 'unknown'> {
    if (this.last !== undefined && compareKeys(key, this.last) <= 0) return 'unknown';
    this.last = key;
    if (!this.started) {
      this.started = true;
      await this.advance();
    }
    for (;;) {
      if (this.done || this.current === undefined) return undefined;
      const order = compareKeys(this.current.key, key);
      if (order === 0) return this.current;
      if (order > 0) return undefined;
      await this.advance();
    }
  }

  /** Stops the listing early (the migration ended or failed). */
  async close(): Promise<void> {
    if (!this.done) await this.iterator.return?.();
    this.done = true;
  }

  private async advance(): Promise<void> {
    const next = await this.iterator.next();
    if (next.done) {
      this.done = true;
      this.current = undefined;
    } else {
      this.current = next.value;
    }
  }
}
