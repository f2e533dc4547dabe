import type { Body } from '@stowage/core';
import {
  assertValidKey,
  type Capabilities,
  type CopyOptions,
  type DirectUpload,
  type GetOptions,
  type ListOptions,
  type ListResult,
  type ObjectInfo,
  type PutOptions,
  type SignedUploadOptions,
  type SignedUrlOptions,
  type Storage,
  StorageError,
  type StoredObject,
  type UrlOptions,
} from '@stowage/core';
import { normalizeTransform } from './geometry.js';
import { signTransform, transformSegment } from './transform-string.js';
import { VARIANTS_PREFIX, type VariantStore } from './variants.js';

/**
 * The storage it wraps, with `capabilities.transforms` and `url(key, { transform })` answered by
 * signed URLs of the images handler. Everything else is the wrapped storage's own, except that
 * writes and deletes through it drop the variants they made stale (VariantStore.forget): those of
 * a deleted or moved-away key, and those of the replaced version of an image written over.
 */
export class TransformingStorage implements Storage {
  readonly capabilities: Capabilities;

  constructor(
    private readonly inner: Storage,
    private readonly basePath: string,
    private readonly secret: string,
    private readonly store: Pick<VariantStore, 'forget'>,
  ) {
    this.capabilities = Object.freeze({ ...inner.capabilities, transforms: true });
  }

  get driver(): string {
    return this.inner.driver;
  }

  get name(): string {
    return this.inner.name;
  }

  url(key: string, options: UrlOptions = {}): string {
    if (options.transform === undefined) return this.inner.url(key, options);
    try {
      assertValidKey(key, 'url');
      if (key.startsWith(VARIANTS_PREFIX)) {
        throw new StorageError(
          'INVALID_INPUT',
          `Invalid input: keys under "${VARIANTS_PREFIX}" are image variants, not originals.`,
        );
      }
      const segment = transformSegment(normalizeTransform(options.transform));
      const path = key.split('/').map(encodeURIComponent).join('/');
      return `${this.basePath}/${segment}/${path}?s=${signTransform(segment, key, this.secret)}`;
    } catch (error) {
      if (error instanceof StorageError) {
        error.driver ??= this.inner.driver;
        error.operation ??= 'url';
        error.key ??= key;
      }
      throw error;
    }
  }

  async put(key: string, body: Body, options?: PutOptions): Promise<ObjectInfo> {
    return this.written(await this.inner.put(key, body, options));
  }

  /**
   * After a write: an image may have replaced one with variants. Only images have variants, so
   * other writes cost no listing of the variants' folder.
   */
  private written(info: ObjectInfo): ObjectInfo {
    if (info.contentType.startsWith('image/')) this.store.forget(info.key, info);
    return info;
  }
  get(key: string, options?: GetOptions): Promise<StoredObject> {
    return this.inner.get(key, options);
  }
  getBytes(key: string): Promise<Uint8Array> {
    return this.inner.getBytes(key);
  }
  getText(key: string): Promise<string> {
    return this.inner.getText(key);
  }
  head(key: string): Promise<ObjectInfo> {
    return this.inner.head(key);
  }
  exists(key: string): Promise<boolean> {
    return this.inner.exists(key);
  }
  async delete(key: string): Promise<void> {
    await this.inner.delete(key);
    this.store.forget(key);
  }
  async deleteMany(keys: Iterable<string>): Promise<void> {
    const all = [...keys];
    await this.inner.deleteMany(all);
    for (const key of all) this.store.forget(key);
  }
  deletePrefix(prefix: string): Promise<void> {
    return this.inner.deletePrefix(prefix);
  }
  async copy(from: string, to: string, options?: CopyOptions): Promise<ObjectInfo> {
    return this.written(await this.inner.copy(from, to, options));
  }
  async move(from: string, to: string, options?: CopyOptions): Promise<ObjectInfo> {
    const info = await this.inner.move(from, to, options);
    this.store.forget(from);
    return this.written(info);
  }
  list(options?: ListOptions): Promise<ListResult> {
    return this.inner.list(options);
  }
  listAll(prefix?: string): AsyncIterable<ObjectInfo> {
    return this.inner.listAll(prefix);
  }
  signedUrl(key: string, options: SignedUrlOptions): Promise<string> {
    return this.inner.signedUrl(key, options);
  }
  signedUpload(key: string, options: SignedUploadOptions): Promise<DirectUpload> {
    return this.inner.signedUpload(key, options);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
