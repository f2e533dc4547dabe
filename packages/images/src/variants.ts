import { isStorageError, type ObjectInfo, type Storage, StorageError } from '@stowage/core';
import { RESERVED_PREFIX } from '@stowage/core/driver';
import type { NormalizedTransform } from './geometry.js';
import type { VariantFormat } from './negotiate.js';
import { type ImageLimits, transformImage } from './pipeline.js';
import { digest } from './transform-string.js';

/**
 * Where variants live in the original's storage when no `variants` storage is given. It is under
 * core's RESERVED_PREFIX, so listings, `stowage ls` and `stowage migrate` skip it.
 */
export const VARIANTS_PREFIX = `${RESERVED_PREFIX}variants/`;

/** A variant ready to send. */
export interface ServedVariant {
  body: ReadableStream<Uint8Array> | Uint8Array;
  contentType: string;
  size: number;
  /** The variant's stored name: also its ETag's source. */
  name: string;
}

/**
 * `.stowage-variants/<key digest>/<original's version digest>/<segment>.<format>`: a fixed depth,
 * so no key can collide with a folder of another, and a changed original (new ETag) gets new names.
 */
export function variantName(
  key: string,
  original: ObjectInfo,
  segment: string,
  format: VariantFormat,
): string {
  const extension = format === 'original' ? 'orig' : format;
  return `${variantFolder(key, original)}${segment}.${extension}`;
}

/** The folder of `key`'s variants; with `original`, the subfolder of that version's. */
function variantFolder(key: string, original?: ObjectInfo): string {
  const folder = `${VARIANTS_PREFIX}${digest(key)}/`;
  if (original === undefined) return folder;
  const version =
    original.etag ?? `${original.size}-${original.lastModified?.getTime() ?? 'unknown'}`;
  return `${folder}${digest(version, 16)}/`;
}

/** At most `limit` tasks at once; the others wait their turn in order. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export interface VariantStoreOptions {
  originals: Storage;
  variants: Storage;
  limits: ImageLimits;
  maxInputBytes: number;
  concurrency: number;
  onError: (error: unknown) => void;
}

/** Finds a stored variant or makes it, once, however many requests ask for it at the same time. */
export class VariantStore {
  private readonly inFlight = new Map<string, Promise<ServedVariant & { body: Uint8Array }>>();
  private readonly limiter: Limiter;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: VariantStoreOptions) {
    this.limiter = new Limiter(options.concurrency);
  }

  async serve(
    key: string,
    original: ObjectInfo,
    segment: string,
    transform: NormalizedTransform,
    format: VariantFormat,
  ): Promise<ServedVariant> {
    const name = variantName(key, original, segment, format);
    const pending = this.inFlight.get(name);
    if (pending) return pending;
    try {
      const stored = await this.options.variants.get(name);
      return { body: stored.body(), contentType: stored.contentType, size: stored.size, name };
    } catch (error) {
      if (!isStorageError(error, 'NOT_FOUND')) throw error;
    }
    // Checked again: another request may have started making it while this one looked.
    let making = this.inFlight.get(name);
    if (!making) {
      const made = this.limiter.run(() => this.make(key, segment, transform, format));
      // The variant is answered as soon as it is made; it stays in flight (shared by later
      // requests) until it is stored, so that it is made once.
      const stored = made.then(
        (result) => result.stored,
        () => {},
      );
      void stored.finally(() => this.inFlight.delete(name));
      this.pending.add(stored);
      void stored.finally(() => this.pending.delete(stored));
      making = made.then((result) => result.variant);
      this.inFlight.set(name, making);
    }
    return making;
  }

  /**
   * Removes the stored variants of `key`, in the background (see idle()): all of them after a
   * delete or a move away, those of other versions than `current` after a write. Failures go to
   * onError: the write or delete itself has happened. A variant of the old version still being
   * made meanwhile may be stored after this; it is never served (its name holds the old ETag).
   */
  forget(key: string, current?: ObjectInfo): void {
    const { variants, onError } = this.options;
    const folder = variantFolder(key);
    const keep = current && variantFolder(key, current);
    const task = (async () => {
      if (keep === undefined) return variants.deletePrefix(folder);
      let cursor: string | undefined;
      do {
        const page = await variants.list({ prefix: folder, delimiter: '/', cursor });
        for (const version of page.prefixes) {
          if (version !== keep) await variants.deletePrefix(version);
        }
        cursor = page.cursor;
      } while (cursor !== undefined);
    })().catch(onError);
    this.pending.add(task);
    void task.finally(() => this.pending.delete(task));
  }

  /** Resolves when every variant made so far is stored (or failed to be), and forget() is done. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }

  private async make(
    key: string,
    segment: string,
    transform: NormalizedTransform,
    format: VariantFormat,
  ): Promise<{ variant: ServedVariant & { body: Uint8Array }; stored: Promise<void> }> {
    const { originals, variants, limits, maxInputBytes } = this.options;
    // Read inside the limiter, so that at most `concurrency` originals are in memory at once.
    const object = await originals.get(key);
    if (object.size > maxInputBytes) {
      await object.body().cancel();
      throw tooLarge(object.size, maxInputBytes);
    }
    const image = await transformImage(await object.bytes(), transform, format, limits);
    // Named after the version actually read, should the original have changed since its head().
    const name = variantName(key, object, segment, format);
    // A variant is as private as its original: a private original's variants are never served
    // by a file handler of the same storage without a signature. A public original's are plain
    // objects (on disk: no sidecar, a put as cheap as writeFile); what they show is public anyway.
    // Their Cache-Control comes from the handler, not from the stored object.
    const secret = object.visibility === 'private' && variants.capabilities.visibility;
    const stored = variants
      .put(name, image.data, {
        contentType: image.contentType,
        ...(secret ? { visibility: 'private' as const } : {}),
      })
      .then(
        () => {},
        // The variant was still served; it is made again next time.
        (error: unknown) => this.options.onError(error),
      );
    const variant = {
      body: image.data,
      contentType: image.contentType,
      size: image.data.length,
      name,
    };
    return { variant, stored };
  }
}

function tooLarge(size: number, max: number): StorageError {
  return new StorageError(
    'TOO_LARGE',
    `The original is ${size} bytes, over the limit of ${max} bytes for transforms.`,
  );
}
