import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  contentTypeFor,
  type Driver,
  type DriverGetOptions,
  type DriverListOptions,
  type DriverObject,
  decodeCursor,
  type Env,
  type EnvDriverFactory,
  encodeCursor,
  type ListResult,
  type ObjectInfo,
  sliceRange,
  streamOfBytes,
} from '@stowage/core';
import { s3Capabilities } from './capabilities.js';
import { fail, infoFromHeaders, quoteEtag, type S3Context } from './context.js';
import { copyObject } from './copy.js';
import { KeyMap } from './key-map.js';
import {
  optionsFromEnv,
  type ResolvedS3Options,
  resolveOptions,
  S3_PROFILE,
  type S3Options,
  type S3Profile,
} from './options.js';
import { presignGet, presignUpload } from './presign.js';
import { putObject } from './upload.js';

const DRIVER_NAME = 's3';
/** Bodies up to this size are read at once by get(), so that an unread body never holds a socket. */
const EAGER_READ_BYTES = 64 * 1024;

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
export function createS3Driver(options: S3Options, profile: S3Profile = S3_PROFILE): S3Driver {
  const resolved = resolveOptions(options, profile);
  const owned = options.client === undefined;
  const client =
    options.client ??
    new S3Client({
      ...options.clientConfig,
      region: resolved.region ?? 'us-east-1',
      ...(resolved.endpoint ? { endpoint: resolved.endpoint } : {}),
      forcePathStyle: resolved.forcePathStyle,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // Ceph 16 answers 411 and R2 501 to the aws-chunked checksum trailer of streamed uploads.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  const keys = new KeyMap(resolved.prefix);
  const ctx: S3Context = { client, options: resolved, keys };
  const { bucket } = resolved;
  const urlBase = publicUrlBase(resolved, owned);

  const head = async (key: string): Promise<ObjectInfo> => {
    try {
      const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: keys.toS3(key) }));
      return infoFromHeaders(key, out.ContentLength ?? 0, out);
    } catch (error) {
      throw fail(ctx, error, 'head', key);
    }
  };

  const get = async (key: string, options: DriverGetOptions): Promise<DriverObject> => {
    const { range, signal } = options;
    if (range?.length === 0) {
      // HTTP has no empty range: check the offset against the size and read nothing.
      const info = await head(key);
      const { start } = sliceRange(info.size, range, key);
      return emptyObject(info, { offset: start, length: 0 });
    }
    // A read from 0 to the end needs no Range header (which an empty object would refuse).
    const ranged = range !== undefined && !(range.offset === 0 && range.length === undefined);
    const header = ranged
      ? `bytes=${range.offset}-${range.length === undefined ? '' : range.offset + range.length - 1}`
      : undefined;
    let out: GetObjectCommandOutput;
    try {
      out = await client.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: keys.toS3(key),
          ...(header ? { Range: header } : {}),
        }),
        signal ? { abortSignal: signal } : {},
      );
    } catch (error) {
      const mapped = fail(ctx, error, 'get', key);
      // S3 refuses any Range on an empty object; from offset 0 that is the empty object.
      if (mapped.status === 416 && range?.offset === 0) {
        const info = await head(key);
        if (info.size === 0) return emptyObject(info, { offset: 0, length: 0 });
      }
      throw mapped;
    }
    return fetched(key, out, range);
  };

  const fetched = async (
    key: string,
    out: GetObjectCommandOutput,
    range: DriverGetOptions['range'],
  ): Promise<DriverObject> => {
    const length = out.ContentLength ?? 0;
    const span = parseContentRange(out.ContentRange);
    const size = span?.size ?? length;
    const info = infoFromHeaders(key, size, out);
    const part = range ? { range: { offset: span?.start ?? 0, length } } : {};
    const payload = out.Body;
    if (!payload || length <= EAGER_READ_BYTES) {
      let bytes: Uint8Array;
      try {
        bytes = payload ? await payload.transformToByteArray() : new Uint8Array(0);
      } catch (error) {
        throw fail(ctx, error, 'get', key);
      }
      return { info, ...part, body: () => streamOfBytes(bytes), bytes: async () => bytes };
    }
    // A connection lost while the caller reads is a StorageError too, not a raw socket error.
    const mapError = (error: unknown) => fail(ctx, error, 'get', key);
    return {
      info,
      ...part,
      body: () =>
        mapStreamErrors(payload.transformToWebStream() as ReadableStream<Uint8Array>, mapError),
      bytes: () =>
        payload.transformToByteArray().catch((error: unknown) => Promise.reject(mapError(error))),
    };
  };

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
        const key = failed.Key === undefined ? undefined : keys.fromS3(failed.Key);
        throw fail(
          ctx,
          { name: failed.Code ?? 'UnknownError', $fault: 'server', $metadata: {} },
          'deleteMany',
          key,
        );
      }
    }
  };

  const driver: S3Driver = {
    name: resolved.profile.name,
    capabilities: s3Capabilities(resolved.profile, urlBase !== undefined),
    client,
    bucket,
    prefix: resolved.prefix,

    put: (key, body, options) => putObject(ctx, key, body, options),
    get,
    head,

    async delete(key) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keys.toS3(key) }));
      } catch (error) {
        throw fail(ctx, error, 'delete', key);
      }
    },

    async deleteMany(list) {
      try {
        await deleteBatch(list.map((key) => keys.toS3(key)));
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
              Prefix: keys.toS3(prefix),
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
            Prefix: keys.toS3(options.prefix),
            MaxKeys: options.limit,
            ...(options.delimiter ? { Delimiter: options.delimiter } : {}),
            ...(options.cursor ? { ContinuationToken: decodeCursor(options.cursor) } : {}),
          }),
        );
        // Listings carry no content type or metadata: the type is the extension's, metadata {}.
        const objects = (out.Contents ?? []).flatMap((c): ObjectInfo[] => {
          const key = c.Key === undefined ? undefined : keys.fromS3(c.Key);
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
        const prefixes = (out.CommonPrefixes ?? []).flatMap((p) => {
          const prefix = p.Prefix === undefined ? undefined : keys.fromS3(p.Prefix);
          return prefix === undefined ? [] : [prefix];
        });
        const token = out.IsTruncated ? out.NextContinuationToken : undefined;
        return { objects, prefixes, ...(token ? { cursor: encodeCursor(token) } : {}) };
      } catch (error) {
        throw fail(ctx, error, 'list', options.prefix);
      }
    },

    copy: (from, to, options) => copyObject(ctx, from, to, options),

    url(key) {
      // The capability is false without a base, so the facade never calls this then.
      return `${urlBase ?? ''}/${keys.urlPath(key)}`;
    },

    signedUrl: (key, options) => presignGet(ctx, key, options),
    signedUpload: (key, options) => presignUpload(ctx, key, options),

    async close() {
      if (owned) client.destroy();
    },
  };
  return driver;
}

/**
 * Where public URLs start: `publicBaseUrl`, else the bucket's own address when the profile has
 * one: `${endpoint}/${bucket}` (path style), `https://${bucket}.${endpoint host}`, or
 * `https://${bucket}.s3.${region}.amazonaws.com`. Undefined when unknown (a client was passed
 * without region or endpoint).
 */
function publicUrlBase(options: ResolvedS3Options, ownClient: boolean): string | undefined {
  if (options.publicBaseUrl !== undefined) return options.publicBaseUrl;
  if (options.profile.publicUrlStyle !== 'bucket') return undefined;
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

/** `bytes 10-19/1000` -> start 10, size 1000. */
function parseContentRange(
  header: string | undefined,
): { start: number; size: number } | undefined {
  const match = header === undefined ? null : /^bytes (\d+)-\d+\/(\d+)$/.exec(header.trim());
  return match ? { start: Number(match[1]), size: Number(match[2]) } : undefined;
}

/** `source`, with its errors turned into StorageErrors. */
function mapStreamErrors(
  source: ReadableStream<Uint8Array>,
  mapError: (error: unknown) => Error,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (error) {
          controller.error(mapError(error));
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

function emptyObject(info: ObjectInfo, range: { offset: number; length: number }): DriverObject {
  const empty = new Uint8Array(0);
  return { info, range, body: () => streamOfBytes(empty), bytes: async () => empty };
}
