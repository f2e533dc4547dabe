import type { Driver, DriverObject } from '../driver-types.js';
import { isStorageError, StorageError } from '../errors.js';
import { describeKey, keyProblem, MAX_KEY_BYTES } from '../keys.js';
import { createStorage, type Storage } from '../storage.js';
import type { ListResult, ObjectInfo } from '../types.js';
import { copyOptionsOf, driverObjectOf, getOptionsOf, putOptionsOf } from './storage-driver.js';

/**
 * A Storage whose keys live under `prefix` in `storage`: `prefixed(s, 'tenants/acme')` stores
 * `logo.png` at `tenants/acme/logo.png`. Listings, `exists`, URLs, signed URLs and direct uploads
 * all stay under the prefix; nothing outside it is seen. Errors name the key as the caller gave it.
 *
 * A prefix is a folder: `tenants/acme` and `tenants/acme/` are the same. An empty or invalid prefix
 * is refused here, with INVALID_INPUT / INVALID_KEY.
 */
export function prefixed(storage: Storage, prefix: string): Storage {
  const folder = normalizePrefix(prefix);
  return createStorage(prefixedOver(storage, folder), { name: storage.name });
}

/**
 * For driver authors: a driver's own key-prefix option (the s3 and r2 `prefix`, AWS_LOCATION, the
 * cloudinary `folder`) as this same wrapper, so there is one implementation of "keys under a
 * folder". Returns a Driver, as driver factories do; `createStorage()` wraps it as usual.
 */
export function prefixedDriver(driver: Driver, prefix: string): Driver {
  return prefixedOver(createStorage(driver), normalizePrefix(prefix));
}

function normalizePrefix(prefix: string): string {
  if (typeof prefix !== 'string' || prefix.replace(/\/+$/, '') === '') {
    throw new StorageError(
      'INVALID_INPUT',
      `Invalid input: prefixed() needs a non-empty prefix such as "tenants/acme", got ${describeKey(prefix)}.`,
      { operation: 'config' },
    );
  }
  const bare = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  const problem = keyProblem(bare);
  if (problem !== undefined) {
    throw new StorageError(
      'INVALID_KEY',
      `Invalid prefix ${describeKey(prefix)} for prefixed(): ${problem.replace('a key', 'a prefix')}.`,
      { operation: 'config' },
    );
  }
  return `${bare}/`;
}

function prefixedOver(inner: Storage, folder: string): Driver {
  /** The stored key; INVALID_KEY naming the caller's key when prefix + key is too long. */
  const full = (key: string): string => {
    const stored = folder + key;
    if (stored.length * 3 > MAX_KEY_BYTES && Buffer.byteLength(stored, 'utf8') > MAX_KEY_BYTES) {
      throw new StorageError(
        'INVALID_KEY',
        `Invalid key ${describeKey(key)}: under the prefix ${JSON.stringify(folder)} it is ${Buffer.byteLength(stored, 'utf8')} bytes, and keys are at most ${MAX_KEY_BYTES} bytes.`,
        { key },
      );
    }
    return stored;
  };
  const strip = (key: string): string => key.slice(folder.length);
  const info = (o: ObjectInfo): ObjectInfo => ({ ...o, key: strip(o.key) });

  /**
   * Runs `fn`, naming in its error the caller's key instead of the stored one. The operation is
   * left for the facade above to fill in, as a driver's errors do: a copy underneath may be a
   * step of the caller's move.
   */
  async function call<T>(key: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const renamed = renamedError(error, folder, key);
      if (isStorageError(renamed)) renamed.operation = undefined;
      throw renamed;
    }
  }

  const list = async (o: {
    prefix: string;
    delimiter?: string;
    cursor?: string;
    limit: number;
  }): Promise<ListResult> => {
    const page = await call(o.prefix || undefined, () =>
      inner.list({
        prefix: full(o.prefix),
        delimiter: o.delimiter,
        cursor: o.cursor,
        limit: o.limit,
      }),
    );
    return {
      objects: page.objects.map(info),
      prefixes: page.prefixes.map(strip),
      ...(page.cursor !== undefined ? { cursor: page.cursor } : {}),
      // Keys under the folder that no operation could address, named as seen under the prefix.
      ...(page.skipped ? { skipped: page.skipped.map((s) => ({ ...s, key: strip(s.key) })) } : {}),
    };
  };

  return {
    name: inner.driver,
    capabilities: inner.capabilities,
    put: (key, body, o) =>
      call(key, async () => info(await inner.put(full(key), body, putOptionsOf(o)))),
    get: (key, o): Promise<DriverObject> =>
      call(key, async () => driverObjectOf(await inner.get(full(key), getOptionsOf(o)), key)),
    head: (key) => call(key, async () => info(await inner.head(full(key)))),
    delete: (key) => call(key, () => inner.delete(full(key))),
    deleteMany: (keys) => call(undefined, () => inner.deleteMany(keys.map(full))),
    deletePrefix: (prefix) => call(prefix, () => inner.deletePrefix(full(prefix))),
    list,
    copy: (from, to, o) =>
      call(from, async () => info(await inner.copy(full(from), full(to), copyOptionsOf(o)))),
    move: (from, to, o) =>
      call(from, async () => info(await inner.move(full(from), full(to), copyOptionsOf(o)))),
    url: (key, o) => {
      try {
        return inner.url(full(key), o);
      } catch (error) {
        throw renamedError(error, folder, key);
      }
    },
    signedUrl: (key, o) => call(key, () => inner.signedUrl(full(key), o)),
    signedUpload: (key, o) => call(key, () => inner.signedUpload(full(key), o)),
    close: () => inner.close(),
  };
}

/**
 * The inner storage's error, telling the caller's key: `key` (and the message) name the key
 * without the prefix, as the caller wrote it.
 */
function renamedError(error: unknown, folder: string, key: string | undefined): unknown {
  if (!isStorageError(error)) return error;
  const stored = error.key;
  if (stored === undefined || !stored.startsWith(folder)) return error;
  const shown = key ?? stored.slice(folder.length);
  const renamed = new StorageError(
    error.code,
    error.message.split(describeKey(stored)).join(describeKey(shown)),
    {
      driver: error.driver,
      operation: error.operation,
      key: shown,
      retryable: error.retryable,
      status: error.status,
      retryAfter: error.retryAfter,
      cause: error.cause,
    },
  );
  return renamed;
}
