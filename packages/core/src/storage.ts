import { normalizeBody } from './body.js';
import type { Capabilities } from './capabilities.js';
import { mapLimit } from './concurrency.js';
import { contentTypeFor } from './content-type.js';
import type { Driver, DriverPutOptions } from './driver-types.js';
import { facadeError, isStorageError, StorageError, type StorageOperation } from './errors.js';
import { assertValidKey, describeKey, prefixProblem } from './keys.js';
import {
  checkContentType,
  checkExpiresIn,
  checkHeaderValue,
  checkListOptions,
  checkMetadata,
  conflictFlag,
  invalid,
  MAX_LIST_LIMIT,
  readableInfo,
  withSuffix,
} from './storage-input.js';
import { storedObject } from './stored-object.js';
import type {
  Body,
  CopyOptions,
  DirectUpload,
  GetOptions,
  ListAllOptions,
  ListOptions,
  ListResult,
  ObjectInfo,
  PutOptions,
  SignedUploadOptions,
  SignedUrlOptions,
  StoredObject,
  UrlOptions,
} from './types.js';
import { visiblePage } from './visible-page.js';

export interface StorageOptions {
  /** A name for this storage in errors and logs (defaults to the driver's name). */
  name?: string;
}

/** The one interface in front of every backend. Create it with {@link createStorage}. */
export interface Storage {
  /** The driver's name: 'memory', 'disk', 's3', 'r2', 'cloudinary', ... */
  readonly driver: string;
  readonly name: string;
  readonly capabilities: Capabilities;
  put(key: string, body: Body, options?: PutOptions): Promise<ObjectInfo>;
  get(key: string, options?: GetOptions): Promise<StoredObject>;
  getBytes(key: string): Promise<Uint8Array>;
  getText(key: string): Promise<string>;
  head(key: string): Promise<ObjectInfo>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  deleteMany(keys: Iterable<string>): Promise<void>;
  deletePrefix(prefix: string): Promise<void>;
  copy(from: string, to: string, options?: CopyOptions): Promise<ObjectInfo>;
  move(from: string, to: string, options?: CopyOptions): Promise<ObjectInfo>;
  list(options?: ListOptions): Promise<ListResult>;
  listAll(prefix?: string, options?: ListAllOptions): AsyncIterable<ObjectInfo>;
  url(key: string, options?: UrlOptions): string;
  signedUrl(key: string, options: SignedUrlOptions): Promise<string>;
  signedUpload(key: string, options: SignedUploadOptions): Promise<DirectUpload>;
  close(): Promise<void>;
}

const RENAME_ATTEMPTS = 8;
const DELETE_CONCURRENCY = 8;

/** Wraps a driver in the facade that validates input, checks capabilities and types errors. */
export function createStorage(driver: Driver, options: StorageOptions = {}): Storage {
  return new StorageFacade(driver, options.name ?? driver.name);
}

class StorageFacade implements Storage {
  readonly driver: string;
  readonly capabilities: Capabilities;

  constructor(
    private readonly impl: Driver,
    readonly name: string,
  ) {
    this.driver = impl.name;
    this.capabilities = Object.freeze({ ...impl.capabilities });
  }

  put(key: string, body: Body, options: PutOptions = {}): Promise<ObjectInfo> {
    return this.run('put', key, async () => {
      assertValidKey(key, 'put');
      const mode = options.onConflict ?? 'overwrite';
      if (mode !== 'overwrite' && mode !== 'fail' && mode !== 'rename') {
        throw invalid(`onConflict must be 'overwrite', 'fail' or 'rename', got ${String(mode)}`);
      }
      if (options.visibility !== undefined) {
        if (options.visibility !== 'public' && options.visibility !== 'private') {
          throw invalid(
            `visibility must be 'public' or 'private', got ${String(options.visibility)}`,
          );
        }
        this.require('visibility', 'per-object visibility');
      }
      const metadata = checkMetadata(options.metadata);
      if (Object.keys(metadata).length > 0) this.require('metadata', 'custom metadata');
      checkContentType(options.contentType);
      checkHeaderValue('cacheControl', options.cacheControl);
      checkHeaderValue('contentDisposition', options.contentDisposition);
      options.signal?.throwIfAborted();
      const { body: driverBody, size } = await normalizeBody(body);
      // One options object, written out in full: it is on every put's path.
      const driverOptions: DriverPutOptions = {
        contentType: options.contentType ?? contentTypeFor(key),
        cacheControl: options.cacheControl,
        contentDisposition: options.contentDisposition,
        metadata,
        visibility: options.visibility,
        size,
        ifNoneMatch: mode !== 'overwrite',
        signal: options.signal,
      };
      if (mode !== 'rename') return this.impl.put(key, driverBody, driverOptions);
      // A renamed put never overwrites: every attempt is a conditional write. A stream can be sent
      // only once, so for a stream a free name is found first.
      if (!(driverBody instanceof Uint8Array)) {
        return this.impl.put(await this.freeKey(key), driverBody, driverOptions);
      }
      let candidate = key;
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.impl.put(candidate, driverBody, driverOptions);
        } catch (error) {
          if (!isStorageError(error, 'ALREADY_EXISTS') || attempt >= RENAME_ATTEMPTS) throw error;
          candidate = withSuffix(key);
        }
      }
    });
  }

  get(key: string, options: GetOptions = {}): Promise<StoredObject> {
    return this.run('get', key, async () => {
      assertValidKey(key, 'get');
      if (options.range !== undefined) {
        const { offset, length } = options.range;
        if (!Number.isSafeInteger(offset) || offset < 0) {
          throw invalid(`range.offset must be a whole number >= 0, got ${String(offset)}`);
        }
        if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) {
          throw invalid(`range.length must be a whole number >= 0, got ${String(length)}`);
        }
        this.require('rangeRead', 'range reads');
      }
      options.signal?.throwIfAborted();
      const found = await this.impl.get(key, options);
      return storedObject(found, (error) => facadeError(error, this.driver, 'get', found.info.key));
    });
  }

  async getBytes(key: string): Promise<Uint8Array> {
    return (await this.get(key, { readAll: true })).bytes();
  }

  async getText(key: string): Promise<string> {
    return (await this.get(key, { readAll: true })).text();
  }

  head(key: string): Promise<ObjectInfo> {
    return this.run('head', key, () => {
      assertValidKey(key, 'head');
      return this.impl.head(key).then(readableInfo);
    });
  }

  exists(key: string): Promise<boolean> {
    return this.run('exists', key, async () => {
      assertValidKey(key, 'exists');
      try {
        await this.impl.head(key);
        return true;
      } catch (error) {
        if (isStorageError(error, 'NOT_FOUND')) return false;
        throw error;
      }
    });
  }

  delete(key: string): Promise<void> {
    return this.run('delete', key, () => {
      assertValidKey(key, 'delete');
      return this.impl.delete(key);
    });
  }

  deleteMany(keys: Iterable<string>): Promise<void> {
    return this.run('deleteMany', undefined, async () => {
      const list = [...new Set(keys)];
      for (const key of list) assertValidKey(key, 'deleteMany');
      if (list.length === 0) return;
      if (this.impl.deleteMany) return this.impl.deleteMany(list);
      await mapLimit(list, DELETE_CONCURRENCY, (key) => this.impl.delete(key));
    });
  }

  deletePrefix(prefix: string): Promise<void> {
    return this.run('deletePrefix', prefix, async () => {
      const problem = prefixProblem(prefix);
      if (problem)
        throw new StorageError('INVALID_KEY', `Invalid prefix ${describeKey(prefix)}: ${problem}.`);
      if (prefix === '') {
        throw invalid(
          'deletePrefix needs a non-empty prefix; to empty a storage, list and deleteMany',
        );
      }
      if (this.impl.deletePrefix) return this.impl.deletePrefix(prefix);
      this.require('list', 'listing (needed by deletePrefix)');
      for (;;) {
        const page = await this.impl.list({ prefix, limit: MAX_LIST_LIMIT });
        if (page.objects.length === 0) return;
        const keys = page.objects.map((o) => o.key);
        if (this.impl.deleteMany) await this.impl.deleteMany(keys);
        else await mapLimit(keys, DELETE_CONCURRENCY, (key) => this.impl.delete(key));
      }
    });
  }

  copy(from: string, to: string, options: CopyOptions = {}): Promise<ObjectInfo> {
    return this.run('copy', from, async () => {
      assertValidKey(from, 'copy');
      assertValidKey(to, 'copy');
      const ifNoneMatch = conflictFlag(options.onConflict);
      if (from === to) return this.impl.head(from);
      if (this.impl.copy && this.capabilities.copy) {
        return this.impl.copy(from, to, { ifNoneMatch, signal: options.signal });
      }
      return this.copyThrough(from, to, ifNoneMatch, options.signal);
    });
  }

  move(from: string, to: string, options: CopyOptions = {}): Promise<ObjectInfo> {
    return this.run('move', from, async () => {
      assertValidKey(from, 'move');
      assertValidKey(to, 'move');
      const ifNoneMatch = conflictFlag(options.onConflict);
      if (from === to) return this.impl.head(from);
      if (this.impl.move && this.capabilities.move) {
        return this.impl.move(from, to, { ifNoneMatch, signal: options.signal });
      }
      const info =
        this.impl.copy && this.capabilities.copy
          ? await this.impl.copy(from, to, { ifNoneMatch, signal: options.signal })
          : await this.copyThrough(from, to, ifNoneMatch, options.signal);
      await this.impl.delete(from);
      return info;
    });
  }

  list(options: ListOptions = {}): Promise<ListResult> {
    return this.run('list', options.prefix, async () => {
      this.require('list', 'listing');
      const prefix = options.prefix ?? '';
      const problem = prefixProblem(prefix);
      if (problem)
        throw new StorageError('INVALID_KEY', `Invalid prefix ${describeKey(prefix)}: ${problem}.`);
      const limit = checkListOptions(options);
      const page = await this.impl.list({
        prefix,
        delimiter: options.delimiter,
        cursor: options.cursor || undefined,
        limit,
      });
      return visiblePage(page, prefix);
    });
  }

  async *listAll(prefix = '', options: ListAllOptions = {}): AsyncIterable<ObjectInfo> {
    let cursor: string | undefined;
    do {
      const page = await this.list({ prefix, cursor });
      if (page.skipped && options.onSkipped)
        for (const skipped of page.skipped) options.onSkipped(skipped);
      yield* page.objects;
      cursor = page.cursor;
    } while (cursor);
  }

  url(key: string, options: UrlOptions = {}): string {
    return this.runSync('url', key, () => {
      assertValidKey(key, 'url');
      if (!this.impl.url || !this.capabilities.publicUrl) {
        throw this.unsupported('public URLs (configure a public base URL, or use signedUrl)');
      }
      if (options.transform !== undefined) this.require('transforms', 'image transforms');
      return this.impl.url(key, options);
    });
  }

  signedUrl(key: string, options: SignedUrlOptions): Promise<string> {
    return this.run('signedUrl', key, async () => {
      assertValidKey(key, 'signedUrl');
      checkExpiresIn(options?.expiresIn);
      checkContentType(options.contentType);
      checkHeaderValue('contentDisposition', options.contentDisposition);
      if (!this.impl.signedUrl || !this.capabilities.signedUrl)
        throw this.unsupported('signed URLs');
      return this.impl.signedUrl(key, options);
    });
  }

  signedUpload(key: string, options: SignedUploadOptions): Promise<DirectUpload> {
    return this.run('signedUpload', key, async () => {
      assertValidKey(key, 'signedUpload');
      checkExpiresIn(options?.expiresIn);
      checkContentType(options.contentType);
      if (
        options.maxSize !== undefined &&
        (!Number.isSafeInteger(options.maxSize) || options.maxSize < 1)
      ) {
        throw invalid(
          `maxSize must be a whole number of bytes >= 1, got ${String(options.maxSize)}`,
        );
      }
      if (!this.impl.signedUpload || !this.capabilities.signedUpload) {
        throw this.unsupported('signed direct uploads');
      }
      return this.impl.signedUpload(key, options);
    });
  }

  async close(): Promise<void> {
    await this.impl.close?.();
  }

  /** A key that is free now: `key` itself or `key` with a random suffix. Used for streamed renames. */
  private async freeKey(key: string): Promise<string> {
    let candidate = key;
    for (let attempt = 0; attempt <= RENAME_ATTEMPTS; attempt++) {
      try {
        await this.impl.head(candidate);
      } catch (error) {
        if (isStorageError(error, 'NOT_FOUND')) return candidate;
        throw error;
      }
      candidate = withSuffix(key);
    }
    throw new StorageError('ALREADY_EXISTS', `No free name found near ${describeKey(key)}.`);
  }

  private async copyThrough(
    from: string,
    to: string,
    ifNoneMatch: boolean,
    signal?: AbortSignal,
  ): Promise<ObjectInfo> {
    const source = await this.impl.get(from, { signal });
    const { info } = source;
    const body = source.bytes ? await source.bytes() : source.body();
    return this.impl.put(
      to,
      body instanceof Uint8Array ? body : (body as AsyncIterable<Uint8Array>),
      {
        contentType: info.contentType,
        cacheControl: info.cacheControl,
        contentDisposition: info.contentDisposition,
        metadata: info.metadata,
        visibility: this.capabilities.visibility ? info.visibility : undefined,
        ifNoneMatch,
        size: info.size,
        signal,
      },
    );
  }

  private require(capability: keyof Capabilities, what: string): void {
    if (!this.capabilities[capability]) throw this.unsupported(what);
  }

  private unsupported(what: string): StorageError {
    return new StorageError('UNSUPPORTED', `The ${this.driver} driver does not support ${what}.`);
  }

  private async run<T>(
    operation: StorageOperation,
    key: string | undefined,
    fn: () => Promise<T>,
  ): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw facadeError(error, this.driver, operation, key);
    }
  }

  private runSync<T>(operation: StorageOperation, key: string | undefined, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw facadeError(error, this.driver, operation, key);
    }
  }
}
