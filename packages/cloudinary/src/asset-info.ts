import { contentTypeFor, type ObjectInfo, type Visibility } from '@stowage/core';
import type { DeliveryType } from './asset-key.js';
import type { CloudinaryResource } from './sdk-call.js';

/**
 * Context entries the driver keeps for itself. User metadata names start with a letter or digit
 * (the facade checks), so these `_` names never collide with them.
 */
export const CONTEXT_KEYS = {
  /** The key's extension as spelt (`png`, `JPG`): which key owns a media asset. */
  extension: '_ext',
  /** A content type other than the one of the key's extension. */
  contentType: '_content_type',
  cacheControl: '_cache_control',
  contentDisposition: '_content_disposition',
  /** The whole key, for keys too long for a public id (which is then shortened). */
  key: '_key',
} as const;

const RESERVED: ReadonlySet<string> = new Set(Object.values(CONTEXT_KEYS));

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
  /** The public id was shortened (long key). */
  hashed?: boolean | undefined;
}

/** The context to upload for `key`: metadata, and what the driver must remember. */
export function contextFor(
  key: string,
  fields: StoredFields,
  target: ContextTarget,
): Record<string, string> {
  const context: Record<string, string> = { ...fields.metadata };
  if (target.extension !== undefined) context[CONTEXT_KEYS.extension] = target.extension;
  if (target.hashed) context[CONTEXT_KEYS.key] = key;
  if (fields.contentType !== contentTypeFor(key)) {
    context[CONTEXT_KEYS.contentType] = fields.contentType;
  }
  if (fields.cacheControl) context[CONTEXT_KEYS.cacheControl] = fields.cacheControl;
  if (fields.contentDisposition) {
    context[CONTEXT_KEYS.contentDisposition] = fields.contentDisposition;
  }
  return context;
}

/** The fields stored in an asset's context (anything not reserved is metadata). */
export function fieldsOf(key: string, context: Record<string, string>): StoredFields {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(context)) {
    if (!RESERVED.has(name)) metadata[name] = value;
  }
  return {
    contentType: context[CONTEXT_KEYS.contentType] || contentTypeFor(key),
    cacheControl: context[CONTEXT_KEYS.cacheControl] || undefined,
    contentDisposition: context[CONTEXT_KEYS.contentDisposition] || undefined,
    metadata,
  };
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
