import type { Capabilities } from '../capabilities.js';
import type {
  Driver,
  DriverBody,
  DriverCopyOptions,
  DriverObject,
  DriverPutOptions,
} from '../driver-types.js';
import { isStorageError, StorageError, type StorageOperation } from '../errors.js';
import { describeKey } from '../keys.js';
import { createStorage, type Storage } from '../storage.js';
import type { ObjectInfo } from '../types.js';
import { mergedList } from './merged-list.js';
import {
  copyOptionsOf,
  driverObjectOf,
  getOptionsOf,
  putOptionsFor,
  putOptionsOf,
} from './storage-driver.js';

export interface MirrorOptions {
  /**
   * `'primary'` (default): every read comes from the primary. `'fallback'`: a key the primary
   * does not have (NOT_FOUND) is read from the secondary, and listings merge both storages. The
   * mode for a move between storages while the app keeps running: the new storage as primary,
   * the old one as secondary, `stowage migrate` in the background.
   */
  reads?: 'primary' | 'fallback';
}

/**
 * A Storage that writes to two: puts, copies, moves and deletes go to `primary`, then to
 * `secondary`. The secondary receives what the primary stored (for a renamed put, the key the
 * primary chose); a streamed body is read back from the primary instead of being held in memory.
 *
 * When the secondary fails, the operation rejects with a StorageError that names the mirror's
 * secondary, with the secondary's code; the primary then already holds the change (writes are
 * not rolled back), so retrying the operation is the way to converge.
 */
export function mirror(primary: Storage, secondary: Storage, options: MirrorOptions = {}): Storage {
  const reads = options.reads ?? 'primary';
  if (reads !== 'primary' && reads !== 'fallback') {
    throw new StorageError(
      'INVALID_INPUT',
      `Invalid input: mirror() reads must be 'primary' or 'fallback', got ${String(reads)}.`,
      { operation: 'config' },
    );
  }
  return createStorage(mirrorDriver(primary, secondary, reads === 'fallback'), {
    name: `mirror(${primary.name}, ${secondary.name})`,
  });
}

function mirrorDriver(primary: Storage, secondary: Storage, fallback: boolean): Driver {
  const p = primary.capabilities;
  const s = secondary.capabilities;
  // What both can do; URLs are the primary's alone.
  const capabilities: Capabilities = {
    rangeRead: p.rangeRead && (!fallback || s.rangeRead),
    list: p.list && (!fallback || s.list),
    copy: true,
    move: true,
    publicUrl: p.publicUrl,
    signedUrl: p.signedUrl,
    signedUpload: false, // a direct upload would reach the primary only
    visibility: p.visibility,
    conditionalWrite: p.conditionalWrite && !fallback,
    metadata: p.metadata && s.metadata,
    transforms: p.transforms,
  };

  /** Runs the secondary's part; its failure names the secondary. */
  async function onSecondary<T>(
    operation: string,
    key: string | undefined,
    fn: () => Promise<T>,
  ): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw secondaryError(error, secondary, operation, key);
    }
  }

  /**
   * Gives the secondary what the primary now holds at `key`: the same bytes when they are in
   * memory, else the primary's object read back as a stream (a stream can be read only once).
   */
  async function replicate(key: string, put?: { body: Uint8Array; options: DriverPutOptions }) {
    await onSecondary('put', key, async () => {
      if (put) {
        const options = { ...putOptionsOf(put.options), onConflict: 'overwrite' as const };
        if (!s.visibility) options.visibility = undefined;
        await secondary.put(key, put.body, options);
        return;
      }
      // Read straight into the secondary: one request for the whole object.
      const stored = await primary.get(key, { readAll: true });
      const body = stored.body();
      try {
        await secondary.put(key, body, putOptionsFor(stored, false, s.visibility));
      } catch (error) {
        // A put that failed before reading to the end leaves the primary's answer open.
        await body.cancel().catch(() => {});
        throw error;
      }
    });
  }

  /** NOT_FOUND on the primary and, with fallback, on the secondary too. */
  async function read<T>(fn: (storage: Storage) => Promise<T>): Promise<T> {
    try {
      return await fn(primary);
    } catch (error) {
      if (!fallback || !isStorageError(error, 'NOT_FOUND')) throw error;
      return fn(secondary);
    }
  }

  /**
   * Copies or moves on the primary (with fallback, from the secondary when the primary does not
   * have `from` yet), then gives the secondary the result. The secondary gets the primary's
   * object rather than running its own copy, so an older version there cannot spread.
   */
  async function transfer(
    operation: 'copy' | 'move',
    from: string,
    to: string,
    o: DriverCopyOptions,
  ): Promise<ObjectInfo> {
    let info: ObjectInfo;
    try {
      info = await primary[operation](from, to, copyOptionsOf(o));
    } catch (error) {
      if (!fallback || !isStorageError(error, 'NOT_FOUND')) throw error;
      const source = await secondary.get(from, { signal: o.signal });
      info = await primary.put(
        to,
        source.body(),
        putOptionsFor(source, o.ifNoneMatch, p.visibility, o.signal),
      );
    }
    await replicate(to);
    return info;
  }

  async function put(key: string, body: DriverBody, o: DriverPutOptions): Promise<ObjectInfo> {
    // With fallback, a key that only the secondary has still exists for the caller.
    if (o.ifNoneMatch && fallback && (await secondary.exists(key))) {
      throw new StorageError(
        'ALREADY_EXISTS',
        `An object already exists at ${describeKey(key)} (on the mirror's secondary).`,
        { key },
      );
    }
    const info = await primary.put(key, body, putOptionsOf(o));
    await replicate(info.key, body instanceof Uint8Array ? { body, options: o } : undefined);
    return info;
  }

  return {
    // A mirror answers as its primary: its reads, URLs and errors are the primary's.
    name: primary.driver,
    capabilities,
    put,
    get: (key, o): Promise<DriverObject> =>
      read(async (from) => driverObjectOf(await from.get(key, getOptionsOf(o)), key)),
    head: (key) => read((from) => from.head(key)),
    async delete(key) {
      await primary.delete(key);
      await onSecondary('delete', key, () => secondary.delete(key));
    },
    async deleteMany(keys) {
      await primary.deleteMany(keys);
      await onSecondary('deleteMany', undefined, () => secondary.deleteMany(keys));
    },
    async deletePrefix(prefix) {
      await primary.deletePrefix(prefix);
      await onSecondary('deletePrefix', prefix, () => secondary.deletePrefix(prefix));
    },
    list: (o) => (fallback ? mergedList(primary, secondary, o) : primary.list(o)),
    copy: (from, to, o) => as('copy', () => transfer('copy', from, to, o)),
    move: (from, to, o) =>
      as('move', async () => {
        const info = await transfer('move', from, to, o);
        await onSecondary('move', from, () => secondary.delete(from));
        return info;
      }),
    url: (key, o) => primary.url(key, o),
    // With fallback, a key not moved yet is signed by the storage that has it.
    signedUrl: (key, o) =>
      fallback
        ? read(async (from) => {
            await from.head(key);
            return from.signedUrl(key, o);
          })
        : primary.signedUrl(key, o),
    async close() {
      await Promise.all([primary.close(), secondary.close()]);
    },
  };
}

/** Errors of the storages underneath name the mirror's operation, not their own steps. */
async function as<T>(operation: StorageOperation, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isStorageError(error)) error.operation = operation;
    throw error;
  }
}

function secondaryError(
  error: unknown,
  secondary: Storage,
  operation: string,
  key: string | undefined,
): StorageError {
  const cause = isStorageError(error) ? error : undefined;
  const reason = error instanceof Error ? error.message : String(error);
  return new StorageError(
    cause?.code ?? 'UNKNOWN',
    `The mirror's secondary (${secondary.driver} "${secondary.name}") failed to ${operation}${key ? ` ${describeKey(key)}` : ''}: ${reason} The primary already holds the change; retry to bring the secondary in line.`,
    {
      driver: secondary.driver,
      key,
      retryable: cause?.retryable ?? false,
      status: cause?.status,
      retryAfter: cause?.retryAfter,
      cause: error,
    },
  );
}
