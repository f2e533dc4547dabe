import { type ObjectInfo, StorageError, type Visibility } from '@stowage/core';
import { contentTypeFor } from '@stowage/core/driver';
import type { DeliveryType } from './asset-key.js';
import type { CloudinaryResource } from './sdk-call.js';

/**
 * Context entries the driver keeps for itself. User metadata names start with a letter or digit
 * (the facade checks), so these `_` names never collide with them. Names are short: the whole
 * context is limited to 255 characters (see {@link CONTEXT_LIMIT}).
 */
export const CONTEXT_KEYS = {
  /** The key's extension as spelt (`png`, `JPG`): which key owns a media asset. */
  extension: '_ext',
  /** A content type other than the one of the key's extension. */
  contentType: '_ct',
  cacheControl: '_cc',
  contentDisposition: '_cd',
  /**
   * Written when nothing else is, so that every upload sends a context: an account set to keep
   * context on overwrite would otherwise keep the old object's metadata.
   */
  stowage: '_st',
} as const;

/** Names written by earlier versions, still read. */
const LEGACY_KEYS = {
  contentType: '_content_type',
  cacheControl: '_cache_control',
  contentDisposition: '_content_disposition',
  key: '_key',
} as const;

const RESERVED: ReadonlySet<string> = new Set([
  ...Object.values(CONTEXT_KEYS),
  ...Object.values(LEGACY_KEYS),
]);

/**
 * Cloudinary's limit on an asset's context: "a pipe-separated list of key-value pairs ... (up to
 * 255 characters)" (https://cloudinary.com/documentation/contextual_metadata). Whether per value
 * or in total is not stated: the driver assumes the total, counted in UTF-8 bytes of the encoded
 * string as the SDK sends it (`name=value|...`, `=` and `|` escaped), the strictest reading.
 */
export const CONTEXT_LIMIT = 255;

/** What the driver stores about an object besides its bytes. */
export interface StoredFields {
  contentType: string;
  cacheControl?: string | undefined;
  contentDisposition?: string | undefined;
  metadata: Record<string, string>;
}

/** Where an asset goes, as far as its context is concerned. */
export interface ContextTarget {
  /** The key's extension, for media assets. */
  extension?: string | undefined;
}

/** Cloudinary's `key=value|...` context string, with `=` and `|` escaped as the SDK does. */
export function encodeContext(context: Record<string, string>): string {
  return Object.entries(context)
    .map(([name, value]) => `${name}=${value.replace(/([=|])/g, '\\$1')}`)
    .join('|');
}

/**
 * The context to upload for `key`: metadata, and what the driver must remember. INVALID_INPUT
 * when it does not fit Cloudinary's limit, before anything is uploaded.
 */
export function contextFor(
  key: string,
  fields: StoredFields,
  target: ContextTarget,
): Record<string, string> {
  const context: Record<string, string> = { ...fields.metadata };
  if (target.extension !== undefined) context[CONTEXT_KEYS.extension] = target.extension;
  if (fields.contentType !== contentTypeFor(key)) {
    context[CONTEXT_KEYS.contentType] = fields.contentType;
  }
  if (fields.cacheControl) context[CONTEXT_KEYS.cacheControl] = fields.cacheControl;
  if (fields.contentDisposition) {
    context[CONTEXT_KEYS.contentDisposition] = fields.contentDisposition;
  }
  if (Object.keys(context).length === 0) context[CONTEXT_KEYS.stowage] = '1';
  const size = Buffer.byteLength(encodeContext(context));
  if (size > CONTEXT_LIMIT) {
    const own = size - Buffer.byteLength(encodeContext(fields.metadata));
    throw new StorageError(
      'INVALID_INPUT',
      `Invalid input: Cloudinary keeps metadata, a content type other than the key's, cacheControl and contentDisposition in the asset's context, which holds at most ${CONTEXT_LIMIT} characters (encoded as name=value|...); this object needs ${size} (${size - own} of them metadata). Store less metadata, or keep it elsewhere.`,
      { driver: 'cloudinary', key },
    );
  }
  return context;
}

/** The fields stored in an asset's context (anything not reserved is metadata). */
export function fieldsOf(key: string, context: Record<string, string>): StoredFields {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(context)) {
    if (!RESERVED.has(name)) metadata[name] = value;
  }
  const read = (name: keyof typeof LEGACY_KEYS & keyof typeof CONTEXT_KEYS) =>
    context[CONTEXT_KEYS[name]] || context[LEGACY_KEYS[name]] || undefined;
  return {
    contentType: read('contentType') || contentTypeFor(key),
    cacheControl: read('cacheControl'),
    contentDisposition: read('contentDisposition'),
    metadata,
  };
}

/** The whole key an earlier version recorded in the context, for shortened public ids. */
export function legacyRecordedKey(context: Record<string, string>): string | undefined {
  return context[LEGACY_KEYS.key];
}

/** Visibility as the delivery type implies it. */
export function visibilityOf(type: DeliveryType | string): Visibility {
  return type === 'upload' ? 'public' : 'private';
}

function dateOf(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The ObjectInfo of `key` held by `resource`. */
export function infoFromResource(key: string, resource: CloudinaryResource): ObjectInfo {
  const fields = fieldsOf(key, resource.context);
  const lastModified = dateOf(resource.created_at);
  return {
    key,
    size: resource.bytes,
    contentType: fields.contentType,
    ...(resource.etag ? { etag: `"${resource.etag}"` } : {}),
    ...(lastModified ? { lastModified } : {}),
    metadata: fields.metadata,
    visibility: visibilityOf(resource.type),
    ...(fields.cacheControl ? { cacheControl: fields.cacheControl } : {}),
    ...(fields.contentDisposition ? { contentDisposition: fields.contentDisposition } : {}),
  };
}

/** An ObjectInfo from delivery response headers, when the Admin API could not be asked. */
export function infoFromHeaders(
  key: string,
  headers: Headers,
  size: number,
  deliveryType: DeliveryType,
): ObjectInfo {
  const etag = headers.get('etag') ?? undefined;
  const lastModified = dateOf(headers.get('last-modified') ?? undefined);
  return {
    key,
    size,
    contentType: contentTypeFor(key),
    ...(etag ? { etag } : {}),
    ...(lastModified ? { lastModified } : {}),
    metadata: {},
    visibility: visibilityOf(deliveryType),
  };
}
