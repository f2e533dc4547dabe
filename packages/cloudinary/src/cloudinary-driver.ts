const DRIVER_NAME = 'cloudinary';

import type { Driver, Env, EnvDriverFactory, StorageError } from '@stowage/core';
import { type DriverObject, prefixedDriver, sliceRange, streamOfBytes } from '@stowage/core/driver';
import { publicUrl, signedUpload, signedUrl } from './access-urls.js';
import { cloudinaryCapabilities } from './capabilities.js';
import { DriverContext } from './driver-context.js';
import { deleteKeys, deletePrefix, listObjects } from './listing.js';
import { fetchUrl, locate, readUrl } from './locate.js';
import { copyObject, moveObject } from './move.js';
import { type CloudinaryOptions, optionsFromEnv, resolveOptions } from './options.js';
import { putObject } from './upload.js';

/**
 * A Stowage driver on Cloudinary, through the official `cloudinary` SDK.
 *
 * Credentials go with every SDK call (the SDK's configuration is process-global and never
 * touched). Reads use the Admin API (rate limited: 500 calls an hour on the free plan), writes the
 * Upload API (not rate limited), and bytes come from the CDN. See the README for the key-to-asset
 * mapping and the cost of each operation.
 *
 * @example
 * const storage = createStorage(cloudinary({ url: process.env.CLOUDINARY_URL! }));
 * await storage.put('avatars/ada.png', png);
 * storage.url('avatars/ada.png', { transform: { width: 200, height: 200, crop: 'fill' } });
 */
function createCloudinaryDriver(options: CloudinaryOptions): Driver {
  const resolved = resolveOptions(options);
  if (resolved.folder === undefined) return driverOn(new DriverContext(resolved));
  // `folder` is core's prefixed() wrapper, the same as the s3 `prefix`: the folder is the start of
  // every key the driver underneath sees, so public ids, asset folders and listings follow.
  return prefixedDriver(
    driverOn(new DriverContext({ ...resolved, folder: undefined })),
    resolved.folder,
  );
}

function driverOn(ctx: DriverContext): Driver {
  return {
    name: DRIVER_NAME,
    capabilities: cloudinaryCapabilities(ctx.options.deliveryType),

    put(key, body, putOptions) {
      return putObject(ctx, key, body, putOptions, putOptions.ifNoneMatch, putOptions.signal);
    },

    async get(key, getOptions): Promise<DriverObject> {
      const located = await locate(ctx, key, 'get');
      const { info } = located;
      const { start, end } = sliceRange(info.size, getOptions.range, key);
      const range = getOptions.range ? { range: { offset: start, length: end - start } } : {};
      if (end === start) {
        const empty = new Uint8Array(0);
        return { info, ...range, body: () => streamOfBytes(empty), bytes: async () => empty };
      }
      const url = await readUrl(ctx, located.location, located.resource, located.mapping);
      const partial = start > 0 || end < info.size;
      const response = await fetchUrl(
        ctx,
        url,
        {
          ...(getOptions.signal ? { signal: getOptions.signal } : {}),
          headers: partial ? { Range: `bytes=${start}-${end - 1}` } : {},
        },
        'get',
        key,
      );
      if (response.status !== 200 && response.status !== 206) {
        await response.body?.cancel();
        throw deliveryError(ctx, response, key);
      }
      const stream = response.body ?? streamOfBytes(new Uint8Array(0));
      // A server that ignores Range answers 200 with everything: cut the part out here.
      const body = partial && response.status === 200 ? slice(stream, start, end - start) : stream;
      return { info, ...range, body: () => body };
    },

    async head(key) {
      return (await locate(ctx, key, 'head')).info;
    },

    async delete(key) {
      const mapping = ctx.keys.map(key);
      const type = ctx.options.deliveryType;
      if (mapping.media) {
        // Only the image this key owns: `a/x.png` must not delete `a/x.jpg`.
        const resource = await ctx.lookup(mapping.media);
        if (resource && ctx.keyOf(resource) === key) {
          await ctx.sdk.destroy(mapping.media.resourceType, mapping.media.publicId, type);
        }
      }
      await ctx.sdk.destroy('raw', mapping.raw.publicId, type);
    },

    list: (listOptions) => listObjects(ctx, listOptions),
    deleteMany: (keys) => deleteKeys(ctx, keys),
    deletePrefix: (prefix) => deletePrefix(ctx, prefix),
    copy: (from, to, copyOptions) => copyObject(ctx, from, to, copyOptions),
    move: (from, to, moveOptions) => moveObject(ctx, from, to, moveOptions),
    url: (key, urlOptions) => publicUrl(ctx, key, urlOptions),
    signedUrl: (key, urlOptions) => signedUrl(ctx, key, urlOptions),
    signedUpload: (key, uploadOptions) => signedUpload(ctx, key, uploadOptions),

    async close() {
      ctx.close();
    },
  };
}

/** A delivery answer other than 200/206 as a StorageError. */
function deliveryError(ctx: DriverContext, response: Response, key: string): StorageError {
  if (response.status === 404) {
    return ctx.error('NOT_FOUND', `No object at ${JSON.stringify(key)}.`, key);
  }
  if (response.status === 416) {
    return ctx.error(
      'INVALID_INPUT',
      'Invalid input: the range starts past the end of the object.',
      key,
    );
  }
  const message = response.headers.get('x-cld-error') ?? response.statusText;
  return ctx.mapError({ http_code: response.status, message }, 'get', key);
}

/** The `length` bytes of `stream` from `offset` on. */
function slice(
  stream: ReadableStream<Uint8Array>,
  offset: number,
  length: number,
): ReadableStream<Uint8Array> {
  let position = 0;
  const end = offset + length;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const from = Math.max(offset - position, 0);
        const to = Math.min(end - position, chunk.byteLength);
        position += chunk.byteLength;
        if (from < to) controller.enqueue(chunk.subarray(from, to));
        if (position >= end) controller.terminate();
      },
    }),
  );
}

/**
 * Creates the Cloudinary driver: `cloudinary({ cloudName, apiKey, apiSecret })` or
 * `cloudinary({ url: process.env.CLOUDINARY_URL })`, plus `folder`, `deliveryType`, `uploadPrefix`,
 * `deliveryUrl`, `secure` and the options in {@link CloudinaryOptions}. CONFIG errors name the
 * option at fault. Also a `storageFromEnv` factory: `cloudinary.fromEnv(env)`.
 */
export const cloudinary: ((options: CloudinaryOptions) => Driver) & EnvDriverFactory =
  Object.assign(createCloudinaryDriver, {
    driverName: DRIVER_NAME,
    /** The driver from `CLOUDINARY_URL` or `CLOUDINARY_CLOUD_NAME`/`_API_KEY`/`_API_SECRET`. */
    fromEnv: (env: Env): Driver => createCloudinaryDriver(optionsFromEnv(env)),
  });
