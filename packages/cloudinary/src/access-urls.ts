import type {
  DirectUpload,
  ImageTransform,
  SignedUploadOptions,
  SignedUrlOptions,
} from '@stowage/core';
import { contentTypeFor } from '@stowage/core/driver';
import { contextFor, encodeContext } from './asset-info.js';
import { keyTags } from './asset-key.js';
import { deliveryUrl, transformationString } from './delivery-url.js';
import type { DriverContext } from './driver-context.js';

/** Cloudinary accepts a signed upload for an hour after its timestamp. */
export const MAX_UPLOAD_SECONDS = 3600;

const essence = (type: string): string => type.split(';')[0]!.trim().toLowerCase();

/** The lowercased extension of a key's last segment. */
function extensionOf(key: string): string | undefined {
  const base = key.slice(key.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1) : undefined;
}

/**
 * The public CDN URL of `key` (delivery type `upload`), computed from the key alone: image and
 * video keys address their media asset with the key's extension as format, optionally
 * transformed; other keys their raw asset. A PDF or ZIP delivered as such is UNSUPPORTED unless
 * the account allows their delivery (`pdfZipDelivery`): new accounts answer 401 to those URLs.
 */
export function publicUrl(
  ctx: DriverContext,
  key: string,
  options: { transform?: ImageTransform },
): string {
  const mapping = ctx.keys.map(key);
  if (options.transform !== undefined && !mapping.media) {
    throw ctx.error(
      'UNSUPPORTED',
      `Cloudinary transforms images and videos only; ${JSON.stringify(key)} is stored as a raw file.`,
      key,
    );
  }
  const location = mapping.media ?? mapping.raw;
  const delivered = (
    options.transform?.format ??
    mapping.media?.extension ??
    extensionOf(key)
  )?.toLowerCase();
  if (!ctx.options.pdfZipDelivery && (delivered === 'pdf' || delivered === 'zip')) {
    throw ctx.error(
      'UNSUPPORTED',
      `New Cloudinary accounts refuse public delivery of PDF and ZIP files (url(${JSON.stringify(key)}) would answer 401) until Settings > Security > "Allow delivery of PDF and ZIP files" is on. Use signedUrl(), or turn that setting on and pass pdfZipDelivery: true (CLOUDINARY_PDF_DELIVERY=true).`,
      key,
    );
  }
  return deliveryUrl(ctx.delivery, {
    resourceType: location.resourceType,
    type: 'upload',
    publicId: location.publicId,
    format: mapping.media?.extension.toLowerCase(),
    transformation: options.transform ? transformationString(options.transform) : undefined,
  });
}

/**
 * An expiring `private_download_url` for every delivery type (Cloudinary's signed delivery URLs
 * never expire). Computed from the key, without an API call. `attachment` follows
 * `contentDisposition`; Cloudinary names the file after the asset, so a filename in it is
 * UNSUPPORTED rather than silently dropped.
 */
export async function signedUrl(
  ctx: DriverContext,
  key: string,
  options: SignedUrlOptions,
): Promise<string> {
  if (
    options.contentType !== undefined &&
    essence(options.contentType) !== essence(contentTypeFor(key))
  ) {
    throw ctx.error(
      'UNSUPPORTED',
      `Cloudinary serves ${JSON.stringify(key)} as ${essence(contentTypeFor(key))}; a signed URL cannot change the content type.`,
      key,
    );
  }
  if (/filename\*?\s*=/i.test(options.contentDisposition ?? '')) {
    throw ctx.error(
      'UNSUPPORTED',
      `Cloudinary names a download after the asset; a signed URL cannot choose the filename. Pass contentDisposition: 'attachment' alone.`,
      key,
    );
  }
  const mapping = ctx.keys.map(key);
  const location = mapping.media ?? mapping.raw;
  return ctx.sdk.privateDownloadUrl(location.resourceType, location.publicId, {
    format: mapping.media?.extension.toLowerCase() ?? '',
    type: ctx.options.deliveryType,
    // The same URL within the window: signed at its start (timestamp), expiring past it.
    ...signedAtWindow(options.expiresIn),
    attachment: /^\s*attachment/i.test(options.contentDisposition ?? ''),
  });
}

/**
 * A signed multipart POST to the Upload API (file field `file`). Cloudinary accepts a signature for
 * an hour after its `timestamp`, so the timestamp is set back to make that hour end at `expiresAt`;
 * `expiresIn` over 3600 is capped at 3600 (`expiresAt` says so). `maxSize` cannot be enforced per
 * upload (only by an upload preset), so asking for it is UNSUPPORTED rather than ignored. The upload overwrites (a browser upload cannot check the key's owner).
 */
export async function signedUpload(
  ctx: DriverContext,
  key: string,
  options: SignedUploadOptions,
): Promise<DirectUpload> {
  if (options.maxSize !== undefined) {
    throw ctx.error(
      'UNSUPPORTED',
      'Cloudinary cannot limit the size of one signed upload (an upload preset can); call signedUpload() without maxSize and check the size after the upload.',
      key,
    );
  }
  const mapping = ctx.keys.map(key);
  const location = mapping.media ?? mapping.raw;
  const now = Math.floor(Date.now() / 1000);
  const lifetime = Math.min(options.expiresIn, MAX_UPLOAD_SECONDS);
  const context = encodeContext(
    contextFor(
      key,
      { contentType: options.contentType ?? contentTypeFor(key), metadata: {} },
      { extension: mapping.media?.extension },
    ),
  );
  const assetFolder = ctx.keys.assetFolder(location.publicId);
  const params: Record<string, string> = {
    public_id: location.publicId,
    timestamp: String(now - (MAX_UPLOAD_SECONDS - lifetime)),
    type: ctx.options.deliveryType,
    overwrite: 'true',
    invalidate: 'true',
    ...(context ? { context } : {}),
    ...(location.hashed ? { tags: keyTags(key).join(',') } : {}),
    ...(assetFolder ? { asset_folder: assetFolder } : {}),
  };
  const signature = await ctx.sdk.sign(params);
  return {
    method: 'POST',
    url: `${ctx.options.uploadPrefix}/v1_1/${ctx.options.cloudName}/${location.resourceType}/upload`,
    headers: {},
    fields: { ...params, api_key: ctx.options.apiKey, signature },
    expiresAt: new Date((now + lifetime) * 1000),
  };
}

/**
 * Signed URLs are the same for every call within a window (a quarter of their lifetime, at most
 * 15 minutes), so browsers and CDNs cache what they point to: signed at the window's start, valid
 * until `expiresIn` seconds after its end. Unix seconds.
 */
function signingWindow(expiresIn: number, now = Date.now()): { signedAt: number; expires: number } {
  const window = Math.min(900, Math.max(1, Math.floor(expiresIn / 4)));
  const signedAt = Math.floor(now / 1000 / window) * window;
  return { signedAt, expires: signedAt + window + expiresIn };
}

function signedAtWindow(expiresIn: number): { timestamp: number; expiresAt: number } {
  const { signedAt, expires } = signingWindow(expiresIn);
  return { timestamp: signedAt, expiresAt: expires };
}
