import { availableParallelism } from 'node:os';
import { type Storage, StorageError } from '@stowage/core';
import type { WebHandler } from '@stowage/core/http';
import { createVariantHandler } from './handler.js';
import { DEFAULT_LIMITS } from './pipeline.js';
import { TransformingStorage } from './transforming-storage.js';
import { VariantStore } from './variants.js';

export type {
  CropMode,
  Gravity,
  NormalizedTransform,
  OutputFormat,
  ResizeStep,
  Size,
  TransformPlan,
} from './geometry.js';
export {
  CROP_MODES,
  GRAVITIES,
  normalizeTransform,
  OUTPUT_FORMATS,
  planTransform,
} from './geometry.js';
export { chooseFormat, type VariantFormat } from './negotiate.js';
export {
  DEFAULT_LIMITS,
  type ImageLimits,
  type TransformedImage,
  transformImage,
} from './pipeline.js';
export { parseTransformSegment, transformSegment } from './transform-string.js';
export { VARIANTS_PREFIX } from './variants.js';

/** `Cache-Control` of variants: their URL changes with the transform, never their bytes. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

export interface ImageTransformsOptions {
  /** The path the handler is mounted at, e.g. `/media/_img`. */
  basePath: string;
  /**
   * Secret of the URL signatures (or several, newest first, while rotating): only URLs made by
   * `url(key, { transform })` are rendered, so nobody can make the server render sizes of their choosing.
   */
  signingSecret: string | readonly string[];
  /** Where variants are kept (default: the same storage, under {@link VARIANTS_PREFIX}). */
  variants?: Storage;
  /** Largest original decoded, in pixels (default 50 MP): a guard against decompression bombs. */
  maxInputPixels?: number;
  /** Largest original read, in bytes (default 32 MiB). */
  maxInputBytes?: number;
  /** Largest variant made, in pixels (default 4096 x 4096). */
  maxOutputPixels?: number;
  /** Resizes at once (default: the number of CPUs); other first requests wait their turn. */
  concurrency?: number;
  /** `Cache-Control` of variants (default {@link IMMUTABLE}; `private` for private originals). */
  cacheControl?: string;
  /** Told of failures answered with a 5xx, and of variants that could not be stored. */
  onError?: (error: unknown, request?: Request) => void;
}

export interface ImageTransforms {
  /** The storage, with `capabilities.transforms` and signed transform URLs. */
  storage: Storage;
  /** Serves those URLs: a Next route handler as it is, Express through `toNodeHandler()`. */
  handler: WebHandler;
  /**
   * Resolves when every variant made so far is stored. A first request is answered as soon as its
   * variant is made; storing it goes on in the background (await this before shutting down).
   */
  idle(): Promise<void>;
}

const DEFAULT_MAX_INPUT_BYTES = 32 * 1024 * 1024;

function config(message: string): StorageError {
  return new StorageError('CONFIG', `imageTransforms(): ${message}.`);
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw config(`${name} must be a whole number >= 1, got ${String(value)}`);
  }
  return value;
}

/**
 * Cloudinary-style image transforms for a storage without native ones (disk, S3, R2, memory).
 * On a storage that has them (Cloudinary), the storage is returned as it is.
 *
 * @example
 * ```ts
 * const images = imageTransforms(storage, { basePath: '/media/_img', signingSecret });
 * images.storage.url('avatars/ada.jpg', { transform: { width: 200, height: 200, crop: 'fill' } });
 * // -> /media/_img/c_fill,h_200,w_200/avatars/ada.jpg?s=...
 * app.use('/media/_img', toNodeHandler(images.handler)); // Express
 * ```
 */
export function imageTransforms(
  storage: Storage,
  options: ImageTransformsOptions,
): ImageTransforms {
  const secrets =
    typeof options.signingSecret === 'string'
      ? [options.signingSecret]
      : [...(options.signingSecret ?? [])];
  if (secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.length < 16)) {
    throw config(
      'signingSecret must be a secret string of at least 16 characters (or a list of them)',
    );
  }
  if (typeof options.basePath !== 'string' || !options.basePath.startsWith('/')) {
    throw config(
      `basePath must be a path starting with "/", e.g. "/media/_img", got ${String(options.basePath)}`,
    );
  }
  const basePath = options.basePath.replace(/\/+$/, '');
  const onError = options.onError ?? (() => {});
  const maxInputBytes = positive('maxInputBytes', options.maxInputBytes, DEFAULT_MAX_INPUT_BYTES);
  const cacheControl = options.cacheControl ?? IMMUTABLE;
  if (storage.capabilities.transforms) {
    return {
      storage,
      handler: async () => new Response('Not found.\n', { status: 404 }),
      idle: async () => {},
    };
  }
  const store = new VariantStore({
    originals: storage,
    variants: options.variants ?? storage,
    limits: {
      maxInputPixels: positive(
        'maxInputPixels',
        options.maxInputPixels,
        DEFAULT_LIMITS.maxInputPixels,
      ),
      maxOutputPixels: positive(
        'maxOutputPixels',
        options.maxOutputPixels,
        DEFAULT_LIMITS.maxOutputPixels,
      ),
    },
    maxInputBytes,
    concurrency: positive('concurrency', options.concurrency, availableParallelism()),
    onError: (error) => onError(error),
  });
  return {
    storage: new TransformingStorage(storage, basePath, secrets[0]!, store),
    handler: createVariantHandler({
      basePath,
      secrets,
      originals: storage,
      store,
      maxInputBytes,
      cacheControl,
      onError,
    }),
    idle: () => store.idle(),
  };
}
