import { createHash } from 'node:crypto';
import { type ImageTransform, StorageError } from '@stowage/core';
import type { DeliveryType, ResourceType } from './asset-key.js';

/** Where delivery URLs point and what signs them. */
export interface DeliveryConfig {
  /** `https://res.cloudinary.com`, the emulator, or a custom domain; no trailing slash. */
  baseUrl: string;
  cloudName: string;
  apiSecret: string;
}

/** One delivery URL to build. */
export interface DeliveryTarget {
  resourceType: ResourceType;
  type: DeliveryType;
  publicId: string;
  /** Appended as `.format` (media assets); raw public ids carry their extension. */
  format?: string | undefined;
  /** The asset version: fresh bytes after an overwrite, whatever the CDN cached. */
  version?: number | undefined;
  /** A transformation string such as `w_200,c_fill`. */
  transformation?: string | undefined;
  /** Adds the `s--XXXXXXXX--` signature (authenticated assets). */
  sign?: boolean;
}

/** The public id as the SDK puts it in URLs: URI-encoded, `/` and `:` kept. */
export function encodePublicId(publicId: string): string {
  return encodeURIComponent(publicId).replace(/%3A/g, ':').replace(/%2F/g, '/');
}

/**
 * Builds a delivery URL the way `cloudinary.url()` does (same path, encoding, default `v1` for ids
 * in folders and SHA-1 signature), without the SDK's process-global configuration, so that it is
 * synchronous and cannot pick up another app's `cloudinary.config()`.
 */
export function deliveryUrl(config: DeliveryConfig, target: DeliveryTarget): string {
  const source = encodePublicId(target.publicId) + (target.format ? `.${target.format}` : '');
  const transformation = target.transformation ?? '';
  let signature = '';
  if (target.sign) {
    const toSign = [transformation, source].filter((part) => part !== '').join('/');
    const digest = createHash('sha1')
      .update(toSign + config.apiSecret)
      .digest('base64');
    signature = `s--${digest.slice(0, 8).replace(/\//g, '_').replace(/\+/g, '-')}--`;
  }
  const version =
    target.version !== undefined
      ? `v${target.version}`
      : source.includes('/') && !/^v\d+/.test(source)
        ? 'v1'
        : '';
  return [
    `${config.baseUrl}/${config.cloudName}`,
    target.resourceType,
    target.type,
    signature,
    transformation,
    version,
    source,
  ]
    .filter((part) => part !== '')
    .join('/');
}

const CROPS = new Set(['fill', 'fit', 'limit', 'scale', 'thumb', 'crop', 'pad']);

/**
 * The transformation string for an {@link ImageTransform}, exactly as the SDK's `cloudinary.url()`
 * writes it (`generate_transformation_string`: `key_value` parts sorted, joined by `,`):
 * `c_fill,f_auto,g_auto,h_200,q_auto,w_200`. The same string matters: accounts with strict
 * transformations allow only listed strings, and every distinct string is another derived asset.
 * INVALID_INPUT for values Cloudinary would not accept.
 */
export function transformationString(transform: ImageTransform): string {
  const parts: string[] = [];
  const { width, height, crop, quality, format, gravity } = transform;
  for (const [name, value] of [
    ['w', width],
    ['h', height],
  ] as const) {
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) {
      throw invalid(`transform ${name === 'w' ? 'width' : 'height'} must be a whole number >= 1`);
    }
    parts.push(`${name}_${value}`);
  }
  if (crop !== undefined) {
    if (!CROPS.has(crop)) throw invalid(`transform crop must be one of ${[...CROPS].join(', ')}`);
    parts.push(`c_${crop}`);
  }
  if (quality !== undefined) {
    if (quality !== 'auto' && (!Number.isSafeInteger(quality) || quality < 1 || quality > 100)) {
      throw invalid("transform quality must be 'auto' or a whole number from 1 to 100");
    }
    parts.push(`q_${quality}`);
  }
  if (format !== undefined) {
    if (!/^[a-z0-9]{1,8}$/.test(format)) {
      throw invalid("transform format must be 'auto' or a format name such as webp");
    }
    parts.push(`f_${format}`);
  }
  if (gravity !== undefined) {
    if (!/^[a-z][a-z0-9_:]{0,40}$/.test(gravity)) {
      throw invalid('transform gravity must be a Cloudinary gravity such as auto, face or north');
    }
    parts.push(`g_${gravity}`);
  }
  if (parts.length === 0) throw invalid('transform must set at least one of its fields');
  return parts.sort().join(',');
}

function invalid(message: string): StorageError {
  return new StorageError('INVALID_INPUT', `Invalid input: ${message}.`, { driver: 'cloudinary' });
}
