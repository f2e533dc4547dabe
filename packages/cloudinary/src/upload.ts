import { isStorageError, type ObjectInfo, type StorageError } from '@stowage/core';
import type { DriverBody } from '@stowage/core/driver';
import { contextFor, infoFromResource, type StoredFields } from './asset-info.js';
import { type AssetLocation, type KeyMapping, keyTags, type MediaLocation } from './asset-key.js';
import type { DriverContext } from './driver-context.js';
import { cloudinaryMessage } from './map-error.js';
import type { CloudinaryResource, UploadSource } from './sdk-call.js';

/**
 * Bodies up to this size go in one request; larger ones (and streams that turn out larger) go in
 * chunks of this size with `upload_chunked_stream` (Cloudinary wants chunks of at least 5 MB).
 */
export const CHUNK_SIZE = 20 * 1024 * 1024;

/** What `put` uploads: the caller's body, or a URL Cloudinary fetches (server-side copy). */
export type PutSource = DriverBody | { url: string };

/** A body made ready: whole (can be sent twice), a URL, or streamed in chunks (once). */
type Prepared = UploadSource;

/** Cloudinary's answers when bytes are not the image or video the resource type promises. */
const NOT_MEDIA =
  /invalid (image|video)|unsupported (video|image)|(image|video) format|empty file/i;

function isRefusedMedia(error: unknown): boolean {
  return isStorageError(error, 'INVALID_INPUT') && NOT_MEDIA.test(cloudinaryMessage(error));
}

/**
 * Reads up to {@link CHUNK_SIZE} + 1 bytes of a streamed body: small bodies become bytes (which can
 * be sent again), larger ones a chunked upload that continues the same stream.
 */
async function prepare(body: PutSource, signal: AbortSignal | undefined): Promise<Prepared> {
  if ('url' in body) return { kind: 'url', url: body.url };
  if (body instanceof Uint8Array) {
    if (body.byteLength <= CHUNK_SIZE) return { kind: 'bytes', data: body };
    const whole = body;
    const chunks = (async function* () {
      yield whole;
    })();
    return { kind: 'chunks', chunks, chunkSize: CHUNK_SIZE };
  }
  const iterator = body[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    signal?.throwIfAborted();
    const next = await iterator.next();
    if (next.done) return { kind: 'bytes', data: Buffer.concat(head, size) };
    head.push(next.value);
    size += next.value.byteLength;
    if (size > CHUNK_SIZE) break;
  }
  async function* rest(): AsyncGenerator<Uint8Array> {
    yield* head;
    for (;;) {
      signal?.throwIfAborted();
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { kind: 'chunks', chunks: rest(), chunkSize: CHUNK_SIZE };
}

/**
 * ALREADY_EXISTS for `key`. With `taken`, the media public id is held by another key (or by an
 * asset no key maps to): Cloudinary names images without their extension.
 */
function alreadyExists(
  ctx: DriverContext,
  key: string,
  taken?: { holder: string | undefined; publicId: string },
): StorageError {
  if (!taken || taken.holder === key) {
    return ctx.error('ALREADY_EXISTS', `An object already exists at ${JSON.stringify(key)}.`, key);
  }
  const holder =
    taken.holder === undefined
      ? 'an asset that is not a Stowage key'
      : JSON.stringify(taken.holder);
  return ctx.error(
    'ALREADY_EXISTS',
    `Cannot store ${JSON.stringify(key)}: its Cloudinary public id ${JSON.stringify(taken.publicId)} already holds ${holder}. Cloudinary names images and videos without their extension, so two keys that differ only in the extension cannot both exist.`,
    key,
  );
}

/**
 * Stores `body` under `key` (see the README for the mapping): media keys try their image/video
 * asset first and fall back to the raw asset when Cloudinary refuses the content as media.
 */
export async function putObject(
  ctx: DriverContext,
  key: string,
  body: PutSource,
  fields: StoredFields,
  ifNoneMatch: boolean,
  signal?: AbortSignal,
): Promise<ObjectInfo> {
  const mapping = ctx.keys.map(key);
  const source = await prepare(body, signal);
  signal?.throwIfAborted();
  if (mapping.media) {
    try {
      return await putMedia(ctx, mapping, mapping.media, source, fields, ifNoneMatch);
    } catch (error) {
      if (!isRefusedMedia(error)) throw error;
      if (source.kind === 'chunks') {
        throw ctx.error(
          'INVALID_INPUT',
          `Cloudinary refused the content of ${JSON.stringify(key)} as ${mapping.media.resourceType === 'image' ? 'an image' : 'a video'} (${cloudinaryMessage(error)}). Content over ${CHUNK_SIZE} bytes is streamed once and cannot fall back to a raw file: store it under a key without an image or video extension.`,
          key,
        );
      }
    }
    return putRawForMediaKey(ctx, mapping, mapping.media, source, fields, ifNoneMatch);
  }
  return putRaw(ctx, mapping, source, fields, ifNoneMatch);
}

const sameContext = (a: Record<string, string>, b: Record<string, string>): boolean => {
  const names = Object.keys(a);
  return names.length === Object.keys(b).length && names.every((name) => a[name] === b[name]);
};

/**
 * One upload of `key` to `location`, with its context, its tags (a shortened id's whole key) and
 * its Media Library folder. Checks what Cloudinary stored:
 *
 * - the public id must be the one asked for: an account that rewrites it (special characters are
 *   replaced, ts_permitted_naming_conventions, and "these requirements may change") would leave
 *   an asset no read finds. The asset is removed again and the put fails with INVALID_KEY;
 * - after an overwrite, the context must be the one sent: an account set to keep context on
 *   overwrite keeps (or merges) the old entries, so the context is set again with `explicit`.
 */
async function upload(
  ctx: DriverContext,
  key: string,
  source: Prepared,
  location: AssetLocation,
  context: Record<string, string>,
  overwrite: boolean,
): Promise<CloudinaryResource> {
  const resource = await ctx.sdk.upload(source, {
    resourceType: location.resourceType,
    publicId: location.publicId,
    type: ctx.options.deliveryType,
    overwrite,
    context,
    tags: location.hashed ? keyTags(key) : [],
    assetFolder: ctx.keys.assetFolder(location.publicId),
  });
  if (resource.public_id !== location.publicId) {
    // Not ours to delete when it was already there (overwrite: false answered `existing`).
    if (!resource.existing) {
      await ctx.sdk
        .destroy(location.resourceType, resource.public_id, ctx.options.deliveryType)
        .catch(() => undefined);
    }
    throw ctx.error(
      'INVALID_KEY',
      `Cloudinary stored ${JSON.stringify(key)} under the public id ${JSON.stringify(resource.public_id)} instead of ${JSON.stringify(location.publicId)} (this account rewrites some characters); the upload was removed again. Use a key of letters, digits, ".", "-", "_" and "/".`,
      key,
    );
  }
  if (resource.existing) return resource;
  if (
    overwrite &&
    Object.keys(resource.context).length > 0 &&
    !sameContext(resource.context, context)
  ) {
    return ctx.sdk.setContext(
      location.resourceType,
      location.publicId,
      ctx.options.deliveryType,
      context,
    );
  }
  // The answer describes what is stored now: for a new upload, the context sent.
  return { ...resource, context };
}

async function putMedia(
  ctx: DriverContext,
  mapping: KeyMapping,
  media: MediaLocation,
  source: Prepared,
  fields: StoredFields,
  ifNoneMatch: boolean,
): Promise<ObjectInfo> {
  const key = mapping.key;
  const context = contextFor(key, fields, media);
  if (ifNoneMatch || source.kind !== 'chunks') {
    // overwrite:false never replaces: a new asset, or Cloudinary's description of the one there.
    const first = await upload(ctx, key, source, media, context, false);
    if (!first.existing) return infoFromResource(key, first);
    let holder = ctx.keyOf(first);
    if (!ifNoneMatch && holder !== key && Object.keys(first.context).length === 0) {
      // An answer without the context cannot show a recorded extension: ask the Admin API.
      const described = await ctx.lookup(media);
      holder = described && ctx.keyOf(described);
    }
    if (ifNoneMatch || holder !== key) {
      throw alreadyExists(ctx, key, { holder, publicId: media.publicId });
    }
    // The asset is this key's own: replace it (the bytes are in memory, so they can go again).
    return infoFromResource(key, await upload(ctx, key, source, media, context, true));
  }
  // A stream goes once: check the owner of the public id first (one Admin API call).
  const existing = await ctx.lookup(media);
  if (existing) {
    const holder = ctx.keyOf(existing);
    if (holder !== key) throw alreadyExists(ctx, key, { holder, publicId: media.publicId });
  }
  return infoFromResource(key, await upload(ctx, key, source, media, context, true));
}

async function putRaw(
  ctx: DriverContext,
  mapping: KeyMapping,
  source: Prepared,
  fields: StoredFields,
  ifNoneMatch: boolean,
): Promise<ObjectInfo> {
  const key = mapping.key;
  const resource = await upload(
    ctx,
    key,
    source,
    mapping.raw,
    contextFor(key, fields, {}),
    !ifNoneMatch,
  );
  if (resource.existing) throw alreadyExists(ctx, key);
  return infoFromResource(key, resource);
}

/**
 * Non-media content under a media key goes to the raw location; a media asset this key owned is
 * removed afterwards, so that reads (media first) find the new content.
 */
async function putRawForMediaKey(
  ctx: DriverContext,
  mapping: KeyMapping,
  media: MediaLocation,
  source: Prepared,
  fields: StoredFields,
  ifNoneMatch: boolean,
): Promise<ObjectInfo> {
  const existing = await ctx.lookup(media);
  const owned = existing !== undefined && ctx.keyOf(existing) === mapping.key;
  if (owned && ifNoneMatch) throw alreadyExists(ctx, mapping.key);
  const info = await putRaw(ctx, mapping, source, fields, ifNoneMatch);
  if (owned) await ctx.sdk.destroy(media.resourceType, media.publicId, ctx.options.deliveryType);
  return info;
}
