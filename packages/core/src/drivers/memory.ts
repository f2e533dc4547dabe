import { createHash } from 'node:crypto';
import { readAll, streamOfBytes } from '../body.js';
import type { Capabilities } from '../capabilities.js';
import type { Driver, DriverBody, DriverListOptions, DriverPutOptions } from '../driver-types.js';
import { StorageError } from '../errors.js';
import { compareKeys } from '../keys.js';
import { listFromSortedKeys } from '../list-keys.js';
import { sliceRange } from '../range.js';
import type { ListResult, ObjectInfo } from '../types.js';

const DRIVER_NAME = 'memory';

const CAPABILITIES: Capabilities = {
  rangeRead: true,
  list: true,
  copy: true,
  move: true,
  publicUrl: false,
  signedUrl: false,
  signedUpload: false,
  visibility: true,
  conditionalWrite: true,
  metadata: true,
  transforms: false,
};

interface Entry {
  data: Uint8Array;
  info: ObjectInfo;
}

/**
 * Keeps objects in this process's memory. Complete and fast: use it as the storage in your own
 * tests. Nothing survives a restart.
 */
export function memory(): Driver {
  const entries = new Map<string, Entry>();
  let sortedKeys: string[] | undefined;

  const info = (key: string): Entry => {
    const entry = entries.get(key);
    if (!entry)
      throw new StorageError('NOT_FOUND', `No object at ${JSON.stringify(key)}.`, { key });
    return entry;
  };

  const store = (
    key: string,
    data: Uint8Array,
    options: Omit<DriverPutOptions, 'size' | 'signal'>,
  ) => {
    if (options.ifNoneMatch && entries.has(key)) {
      throw new StorageError(
        'ALREADY_EXISTS',
        `An object already exists at ${JSON.stringify(key)}.`,
        { key },
      );
    }
    const stored: ObjectInfo = {
      key,
      size: data.byteLength,
      contentType: options.contentType,
      etag: `"${createHash('md5').update(data).digest('hex')}"`,
      lastModified: new Date(),
      metadata: { ...options.metadata },
      ...(options.visibility ? { visibility: options.visibility } : {}),
      ...(options.cacheControl ? { cacheControl: options.cacheControl } : {}),
      ...(options.contentDisposition ? { contentDisposition: options.contentDisposition } : {}),
    };
    if (!entries.has(key)) sortedKeys = undefined;
    entries.set(key, { data, info: stored });
    return copyInfo(stored);
  };

  const remove = (key: string) => {
    if (entries.delete(key)) sortedKeys = undefined;
  };

  return {
    name: DRIVER_NAME,
    capabilities: CAPABILITIES,

    async put(key: string, body: DriverBody, options: DriverPutOptions) {
      // Copy caller-owned bytes so later changes to their buffer do not change the object.
      const data = body instanceof Uint8Array ? Uint8Array.from(body) : await readAll(body);
      options.signal?.throwIfAborted();
      return store(key, data, options);
    },

    async get(key, options) {
      const entry = info(key);
      const { start, end } = sliceRange(entry.info.size, options.range, key);
      const data = entry.data.subarray(start, end);
      return {
        info: copyInfo(entry.info),
        ...(options.range ? { range: { offset: start, length: end - start } } : {}),
        body: () => streamOfBytes(data),
        bytes: async () => Uint8Array.from(data),
      };
    },

    async head(key) {
      return copyInfo(info(key).info);
    },

    async delete(key) {
      remove(key);
    },

    async deleteMany(keys) {
      for (const key of keys) remove(key);
    },

    async list(options: DriverListOptions): Promise<ListResult> {
      sortedKeys ??= [...entries.keys()].sort(compareKeys);
      return listFromSortedKeys(sortedKeys, options, (key) => copyInfo(entries.get(key)!.info));
    },

    async copy(from, to, options) {
      const source = info(from);
      return store(to, source.data, { ...source.info, ifNoneMatch: options.ifNoneMatch });
    },

    async move(from, to, options) {
      const source = info(from);
      const moved = store(to, source.data, { ...source.info, ifNoneMatch: options.ifNoneMatch });
      remove(from);
      return moved;
    },
  };
}

function copyInfo(info: ObjectInfo): ObjectInfo {
  return { ...info, metadata: { ...info.metadata } };
}
