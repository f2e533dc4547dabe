import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Driver, Env, EnvDriverFactory, ListResult, ObjectInfo } from '@stowage/core';
import {
  contentTypeFor,
  type DriverListOptions,
  decodeCursor,
  encodeCursor,
  prefixedDriver,
} from '@stowage/core/driver';
import { s3Capabilities } from './capabilities.js';
import { trimPerRequestWork } from './client-tuning.js';
import { fail, quoteEtag, type S3Context } from './context.js';
import { copyObject } from './copy.js';
import { directRequests } from './direct.js';
import { getObject, headObject } from './get.js';
import { encodeKeyPath } from './key-map.js';
import {
  optionsFromEnv,
  type ResolvedS3Options,
  resolveOptions,
  S3_PROFILE,
  type S3Options,
  type S3Profile,
} from './options.js';
import { presignGet, presignUpload } from './presign.js';
import { requestHandlerWithTimeouts } from './timeouts.js';
import { putObject } from './upload.js';

const DRIVER_NAME = 's3';

/** The S3 driver, with its client for anything the Storage interface does not cover. */
export interface S3Driver extends Driver {
  /** The SDK client the driver uses (yours, when you passed `client`). */
  readonly client: S3Client;
  readonly bucket: string;
  /** The key prefix (`''` or ending in `/`). */
  readonly prefix: string;
}

/** `s3(options)`, plus what `storageFromEnv` needs: `s3.driverName` and `s3.fromEnv(env)`. */
export interface S3Factory extends EnvDriverFactory {
  (options: S3Options): S3Driver;
  readonly driverName: typeof DRIVER_NAME;
  /** The driver from django-storages' variables; see {@link optionsFromEnv}. CONFIG naming a bad one. */
  fromEnv(env: Env): S3Driver;
}

/**
 * A driver for AWS S3 and S3-compatible servers (Ceph RGW, MinIO, ...).
 *
 * ```ts
 * const storage = createStorage(s3({ bucket: 'media', region: 'eu-west-1' }));
 * ```
 */
export const s3: S3Factory = Object.assign((options: S3Options) => createS3Driver(options), {
  driverName: DRIVER_NAME as typeof DRIVER_NAME,
  fromEnv: (env: Env) => createS3Driver(optionsFromEnv(env)),
});

/**
 * Builds an S3 driver with a service profile: `@stowage/r2` calls it with R2's. Options are
 * checked here (CONFIG naming the bad one), so a mistake fails at startup, not at first request.
 */
export function createS3Driver(
  options: S3Options,
  profile: S3Profile = S3_PROFILE,
  /**
   * `ownsClient`: the `client` passed was built for this driver alone (`@stowage/r2` builds its
   * own), so the driver may tune it as it tunes the one it builds: no caller middleware to honour.
   */
  { ownsClient = false }: { ownsClient?: boolean } = {},
): S3Driver {
  const resolved = resolveOptions(options, profile);
  const owned = options.client === undefined;
  const tunable = owned || ownsClient;
  const client =
    options.client ??
    new S3Client({
      ...options.clientConfig,
      region: resolved.region ?? 'us-east-1',
      ...(resolved.endpoint ? { endpoint: resolved.endpoint } : {}),
      forcePathStyle: resolved.forcePathStyle,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      requestHandler: requestHandlerWithTimeouts(
        resolved.timeouts,
        options.clientConfig?.requestHandler,
      ),
      // Ceph 16 answers 411 and R2 501 to the aws-chunked checksum trailer of streamed uploads.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  if (tunable) trimPerRequestWork(client, options.clientConfig);
  const ctx: S3Context = {
    client,
    options: resolved,
    // A logger of the caller's is shown every request, so it keeps them all in the SDK.
    ...(tunable && options.clientConfig?.logger === undefined
      ? { direct: directRequests(client, resolved.bucket) }
      : {}),
  };
  const { bucket } = resolved;
  const urlBase = publicUrlBase(resolved, owned);

  const deleteBatch = async (s3Keys: string[]): Promise<void> => {
    for (let at = 0; at < s3Keys.length; at += resolved.deleteBatchSize) {
      const batch = s3Keys.slice(at, at + resolved.deleteBatchSize);
      const out = await client.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      // A batch answers 200 and lists the keys it could not delete.
      const failed = (out.Errors ?? []).find((e) => e.Code !== 'NoSuchKey');
      if (failed) {
        const key = failed.Key;
        throw fail(
          ctx,
          { name: failed.Code ?? 'UnknownError', $fault: 'server', $metadata: {} },
          'deleteMany',
          key,
        );
      }
    }
  };

  const raw: Driver = {
    name: resolved.profile.name,
    capabilities: s3Capabilities(resolved.profile, urlBase !== undefined),

    put: (key, body, options) => putObject(ctx, key, body, options),
    get: (key, options) => getObject(ctx, key, options),
    head: (key) => headObject(ctx, key),

    async delete(key) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      } catch (error) {
        throw fail(ctx, error, 'delete', key);
      }
    },

    async deleteMany(list) {
      try {
        await deleteBatch(list);
      } catch (error) {
        throw fail(ctx, error, 'deleteMany');
      }
    },

    async deletePrefix(prefix) {
      let token: string | undefined;
      try {
        do {
          const out = await client.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: prefix,
              ContinuationToken: token,
            }),
          );
          const page = (out.Contents ?? []).flatMap((c) => (c.Key === undefined ? [] : [c.Key]));
          if (page.length > 0) await deleteBatch(page);
          token = out.IsTruncated ? out.NextContinuationToken : undefined;
        } while (token);
      } catch (error) {
        throw fail(ctx, error, 'deletePrefix', prefix);
      }
    },

    async list(options: DriverListOptions): Promise<ListResult> {
      try {
        const out = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: options.prefix,
            MaxKeys: options.limit,
            ...(options.delimiter ? { Delimiter: options.delimiter } : {}),
            ...(options.cursor ? { ContinuationToken: decodeCursor(options.cursor) } : {}),
          }),
        );
        // Listings carry no content type or metadata: the type is the extension's, metadata {}.
        const objects = (out.Contents ?? []).flatMap((c): ObjectInfo[] => {
          const key = c.Key;
          if (key === undefined) return [];
          const etag = quoteEtag(c.ETag);
          return [
            {
              key,
              size: c.Size ?? 0,
              contentType: contentTypeFor(key),
              ...(etag ? { etag } : {}),
              ...(c.LastModified ? { lastModified: c.LastModified } : {}),
              metadata: {},
            },
          ];
        });
        const prefixes = (out.CommonPrefixes ?? []).flatMap((p) =>
          p.Prefix === undefined ? [] : [p.Prefix],
        );
        const token = out.IsTruncated ? out.NextContinuationToken : undefined;
        return { objects, prefixes, ...(token ? { cursor: encodeCursor(token) } : {}) };
      } catch (error) {
        throw fail(ctx, error, 'list', options.prefix);
      }
    },

    copy: (from, to, options) => copyObject(ctx, from, to, options),

    url(key) {
      // The capability is false without a base, so the facade never calls this then.
      return `${urlBase ?? ''}/${encodeKeyPath(key)}`;
    },

    signedUrl: (key, options) => presignGet(ctx, key, options),
    signedUpload: (key, options) => presignUpload(ctx, key, options),

    async close() {
      if (owned) client.destroy();
    },
  };
  // The `prefix` option (AWS_LOCATION) is core's prefixed() wrapper, as for every other storage.
  const driver = resolved.prefix ? prefixedDriver(raw, resolved.prefix) : raw;
  return Object.assign(driver, { client, bucket, prefix: resolved.prefix });
}

/**
 * Where public URLs start: `publicBaseUrl`, else, with `publicBucketUrl`, the bucket's own
 * address when the profile has one: `${endpoint}/${bucket}` (path style), `https://${bucket}.${endpoint host}`, or
 * `https://${bucket}.s3.${region}.amazonaws.com`. Undefined when unknown (a client was passed
 * without region or endpoint).
 */
function publicUrlBase(options: ResolvedS3Options, ownClient: boolean): string | undefined {
  if (options.publicBaseUrl !== undefined) return options.publicBaseUrl;
  // New AWS buckets block public access: the bucket's address is only claimed when told so.
  if (options.profile.publicUrlStyle !== 'bucket' || !options.publicBucketUrl) return undefined;
  const bucket = encodeURIComponent(options.bucket);
  if (options.endpoint !== undefined) {
    if (options.forcePathStyle) return `${options.endpoint}/${bucket}`;
    const url = new URL(options.endpoint);
    return `${url.protocol}//${bucket}.${url.host}${url.pathname.replace(/\/+$/, '')}`;
  }
  const region = options.region ?? (ownClient ? 'us-east-1' : undefined);
  if (region === undefined) return undefined;
  // Dotted bucket names do not match the wildcard certificate of virtual-hosted URLs.
  if (options.forcePathStyle || options.bucket.includes('.')) {
    return `https://s3.${region}.amazonaws.com/${bucket}`;
  }
  return `https://${bucket}.s3.${region}.amazonaws.com`;
}
