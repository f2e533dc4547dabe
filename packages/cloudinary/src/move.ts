import type { ObjectInfo } from '@stowage/core';
import type { DriverCopyOptions } from '@stowage/core/driver';
import { contextFor, fieldsOf, infoFromResource } from './asset-info.js';
import { type AssetLocation, keyTags } from './asset-key.js';
import type { DriverContext } from './driver-context.js';
import { locate, readUrl } from './locate.js';
import type { CloudinaryResource } from './sdk-call.js';
import { putObject } from './upload.js';

const sameContext = (a: Record<string, string>, b: Record<string, string>): boolean => {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((name) => a[name] === b[name]);
};

/**
 * Server-side copy: Cloudinary uploads the target from the source's delivery URL (a download URL
 * for private assets), with the source's context. The target follows its own key's mapping.
 */
export async function copyObject(
  ctx: DriverContext,
  from: string,
  to: string,
  options: DriverCopyOptions,
): Promise<ObjectInfo> {
  // The Admin API is needed: the copy must carry the metadata.
  const source = await locate(ctx, from, 'copy', { fallback: false });
  const url = await readUrl(ctx, source.location, source.resource, source.mapping);
  const { info } = source;
  return putObject(
    ctx,
    to,
    { url },
    {
      contentType: info.contentType,
      cacheControl: info.cacheControl,
      contentDisposition: info.contentDisposition,
      metadata: info.metadata,
    },
    options.ifNoneMatch,
    options.signal,
  );
}

/**
 * Native rename when the target key maps to the same resource type (raw -> raw, image -> image
 * key, video -> video key); otherwise (say `a.png` -> `a.txt`) copy + delete, since Cloudinary
 * cannot change an asset's resource type.
 */
export async function moveObject(
  ctx: DriverContext,
  from: string,
  to: string,
  options: DriverCopyOptions,
): Promise<ObjectInfo> {
  const source = await locate(ctx, from, 'move', { fallback: false });
  const resource = source.resource!;
  const target = ctx.keys.map(to);
  const type = ctx.options.deliveryType;
  const kind = source.location.resourceType;
  const destination: AssetLocation | undefined =
    kind === 'raw' ? target.raw : target.media?.resourceType === kind ? target.media : undefined;
  if (!destination) {
    const info = await copyObject(ctx, from, to, options);
    await deleteSource(ctx, source.location, source.mapping.raw);
    return info;
  }

  // What `to` holds now: a media asset it owns, or a foreign one at the same public id.
  let ownedMedia: CloudinaryResource | undefined;
  if (target.media) {
    const existing = await ctx.lookup(target.media);
    const holder = existing && ctx.keyOf(existing);
    if (existing && holder === to) ownedMedia = existing;
    else if (existing && destination === target.media) {
      throw ctx.error(
        'ALREADY_EXISTS',
        `Cannot move to ${JSON.stringify(to)}: its Cloudinary public id already holds ${JSON.stringify(holder ?? existing.public_id)}.`,
        to,
      );
    }
  }
  if (options.ifNoneMatch) {
    const taken =
      ownedMedia !== undefined ||
      (destination !== target.raw && (await ctx.lookup(target.raw)) !== undefined);
    if (taken) {
      throw ctx.error('ALREADY_EXISTS', `An object already exists at ${JSON.stringify(to)}.`, to);
    }
  }

  // The context follows the new key: its extension, and the content type it no longer implies.
  // Checked before anything changes: it may not fit Cloudinary's limit.
  const context = contextFor(to, fieldsOf(from, resource.context), {
    extension: destination === target.media ? target.media.extension : undefined,
  });
  const renamed = await ctx.sdk.rename(kind, source.location.publicId, destination.publicId, {
    type,
    overwrite: !options.ifNoneMatch,
  });

  // Leave one asset per key: the other location of `to`, and a stale raw copy of `from`.
  if (destination === target.raw && ownedMedia && target.media) {
    await ctx.sdk.destroy(target.media.resourceType, target.media.publicId, type);
  }
  if (destination !== target.raw) await ctx.sdk.destroy('raw', target.raw.publicId, type);
  if (source.location !== source.mapping.raw) {
    await ctx.sdk.destroy('raw', source.mapping.raw.publicId, type);
  }

  const moved = { ...renamed, context };
  // With dynamic folders a rename keeps the asset in its Media Library folder: move it along.
  const folder = ctx.keys.assetFolder(destination.publicId);
  const newFolder = folder !== ctx.keys.assetFolder(source.location.publicId) ? folder : undefined;
  if (destination.hashed || source.location.hashed) {
    // The whole key of a shortened id lives in the tags: they follow the new key.
    await ctx.sdk.setContext(kind, destination.publicId, type, context, keyTags(to), newFolder);
  } else if (!sameContext(context, resource.context) || newFolder !== undefined) {
    await ctx.sdk.setContext(kind, destination.publicId, type, context, undefined, newFolder);
  }
  return infoFromResource(to, moved);
}

async function deleteSource(
  ctx: DriverContext,
  location: AssetLocation,
  raw: AssetLocation,
): Promise<void> {
  const type = ctx.options.deliveryType;
  await ctx.sdk.destroy(location.resourceType, location.publicId, type);
  if (location !== raw) await ctx.sdk.destroy('raw', raw.publicId, type);
}
