import { isStorageError, type ObjectInfo, type StorageOperation } from '@stowage/core';
import { contentTypeFor } from '@stowage/core/driver';
import { infoFromHeaders, infoFromResource } from './asset-info.js';
import type { AssetLocation, KeyMapping } from './asset-key.js';
import type { DriverContext } from './driver-context.js';
import type { CloudinaryResource } from './sdk-call.js';

/** Lifetime of the download URLs the driver itself fetches (get, copy of private assets). */
const INTERNAL_URL_SECONDS = 3600;

/** Where a key was found and what it holds. */
export interface Located {
  key: string;
  mapping: KeyMapping;
  location: AssetLocation;
  /** Undefined when found through the delivery fallback (Admin API rate limited). */
  resource: CloudinaryResource | undefined;
  info: ObjectInfo;
}

/**
 * Finds `key`: the Admin API for its media location (when it owns the asset there), then its raw
 * location. NOT_FOUND when neither holds it. With `deliveryFallback`, a rate-limited Admin API is
 * replaced by HEAD requests on the delivery URLs (no custom metadata then).
 */
export async function locate(
  ctx: DriverContext,
  key: string,
  operation: StorageOperation,
  options: { fallback: boolean } = { fallback: true },
): Promise<Located> {
  const mapping = ctx.keys.map(key);
  try {
    if (mapping.media) {
      const resource = await ctx.lookup(mapping.media);
      if (resource && ctx.keyOf(resource) === key) {
        return found(key, mapping, mapping.media, resource);
      }
    }
    const resource = await ctx.lookup(mapping.raw);
    if (resource) return found(key, mapping, mapping.raw, resource);
  } catch (error) {
    if (options.fallback && ctx.options.deliveryFallback && isStorageError(error, 'RATE_LIMITED')) {
      return locateByDelivery(ctx, key, mapping, operation, error);
    }
    throw error;
  }
  throw notFound(ctx, key, operation);
}

function found(
  key: string,
  mapping: KeyMapping,
  location: AssetLocation,
  resource: CloudinaryResource,
): Located {
  return { key, mapping, location, resource, info: infoFromResource(key, resource) };
}

function notFound(ctx: DriverContext, key: string, operation: StorageOperation) {
  const error = ctx.error('NOT_FOUND', `No object at ${JSON.stringify(key)}.`, key);
  error.operation = operation;
  return error;
}

/**
 * The URL the driver reads an asset from: an expiring download URL of the API
 * (`private_download_url`, `${api}/v1_1/C/{rt}/download?...`) for every delivery type. Delivery
 * URLs are not used: new accounts refuse to deliver PDF and ZIP files there (Settings > Security),
 * strict transformations and access control can refuse others, and private originals are not
 * delivered at all; the download API serves the original bytes in every case. Whether it honours
 * Range is not documented, so a 200 to a ranged request is cut by the caller.
 */
export async function readUrl(
  ctx: DriverContext,
  location: AssetLocation,
  resource: CloudinaryResource | undefined,
  mapping: KeyMapping,
): Promise<string> {
  const media = location.resourceType !== 'raw';
  // The stored format names the original; without it (rate-limit fallback), the key's extension.
  const format = media ? (resource?.format ?? mapping.media?.extension.toLowerCase()) : undefined;
  return ctx.sdk.privateDownloadUrl(location.resourceType, location.publicId, {
    format: format ?? '',
    type: ctx.options.deliveryType,
    expiresAt: Math.floor(Date.now() / 1000) + INTERNAL_URL_SECONDS,
    attachment: false,
  });
}

/** Fetches a URL, mapping a failed connection. */
export async function fetchUrl(
  ctx: DriverContext,
  url: string,
  init: RequestInit,
  operation: StorageOperation,
  key: string,
): Promise<Response> {
  try {
    return await ctx.options.fetch(url, { ...init, redirect: 'follow' });
  } catch (error) {
    if (error instanceof Error && error.name === 'AbortError') throw error;
    throw ctx.mapError(error, operation, key);
  }
}

/** The essence of a content type: `image/png; x=y` -> `image/png`. */
const essence = (type: string | null | undefined): string =>
  (type ?? '').split(';')[0]!.trim().toLowerCase();

/**
 * The rate-limit fallback: HEAD on the media delivery URL (accepted only when it serves the type
 * of the key's extension, the best ownership check without the Admin API), then on the raw one.
 */
async function locateByDelivery(
  ctx: DriverContext,
  key: string,
  mapping: KeyMapping,
  operation: StorageOperation,
  rateLimited: Error,
): Promise<Located> {
  const candidates: AssetLocation[] = mapping.media ? [mapping.media, mapping.raw] : [mapping.raw];
  for (const location of candidates) {
    const url = await readUrl(ctx, location, undefined, mapping);
    const response = await fetchUrl(ctx, url, { method: 'HEAD' }, operation, key);
    await response.body?.cancel();
    if (response.status === 404) continue;
    if (!response.ok) throw rateLimited;
    const served = essence(response.headers.get('content-type'));
    if (location !== mapping.raw && served !== essence(contentTypeFor(key))) continue;
    const size = Number(response.headers.get('content-length') ?? 'NaN');
    if (!Number.isSafeInteger(size)) throw rateLimited;
    const info = infoFromHeaders(key, response.headers, size, ctx.options.deliveryType);
    return { key, mapping, location, resource: undefined, info };
  }
  throw notFound(ctx, key, operation);
}
