import type { HeadObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import type { ObjectInfo, StorageError, StorageOperation } from '@stowage/core';
import { contentTypeFor } from '@stowage/core/driver';
import type { DirectRequests } from './direct.js';
import { mapS3Error } from './map-error.js';
import { decodeMetadata } from './metadata.js';
import type { ResolvedS3Options } from './options.js';

/** What the parts of the driver share. */
export interface S3Context {
  client: S3Client;
  options: ResolvedS3Options;
  /** GetObject and small PutObjects past the SDK's middleware, on a client the driver built. */
  direct?: DirectRequests;
}

/** Maps an error with the driver's name and bucket filled in. */
export function fail(
  ctx: S3Context,
  error: unknown,
  operation: StorageOperation,
  key?: string,
  ifNoneMatch?: boolean,
): StorageError {
  return mapS3Error(error, {
    operation,
    key,
    bucket: ctx.options.bucket,
    ifNoneMatch,
    driver: ctx.options.profile.name,
  });
}

/** Headers of HeadObject / GetObject that ObjectInfo is built from. */
export type ObjectHeaders = Pick<
  HeadObjectCommandOutput,
  'ContentType' | 'ETag' | 'LastModified' | 'Metadata' | 'CacheControl' | 'ContentDisposition'
>;

/** ObjectInfo from response headers; `size` is the whole object's. */
export function infoFromHeaders(key: string, size: number, headers: ObjectHeaders): ObjectInfo {
  const { metadata, visibility } = decodeMetadata(headers.Metadata);
  const etag = quoteEtag(headers.ETag);
  return {
    key,
    size,
    contentType: headers.ContentType || contentTypeFor(key),
    ...(etag !== undefined ? { etag } : {}),
    ...(headers.LastModified ? { lastModified: headers.LastModified } : {}),
    metadata,
    ...(visibility !== undefined ? { visibility } : {}),
    ...(headers.CacheControl ? { cacheControl: headers.CacheControl } : {}),
    ...(headers.ContentDisposition ? { contentDisposition: headers.ContentDisposition } : {}),
  };
}

/** ETags as HTTP has them, quoted: Ceph returns some (CopyObject) without quotes. */
export function quoteEtag(etag: string | undefined): string | undefined {
  if (!etag) return undefined;
  return etag.startsWith('"') || etag.startsWith('W/"') ? etag : `"${etag}"`;
}
