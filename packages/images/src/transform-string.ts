import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import {
  type CropMode,
  type Gravity,
  type NormalizedTransform,
  normalizeTransform,
  type OutputFormat,
} from './geometry.js';

/**
 * A transform as one URL path segment, in Cloudinary's letters and in one canonical order
 * (`c_fill,g_north,h_200,q_80,w_200`): the same transform always gives the same URL, so browsers
 * and CDNs cache one copy, and the string names the stored variant.
 */
export function transformSegment(t: NormalizedTransform): string {
  const parts = [`c_${t.crop}`];
  if (t.format !== undefined) parts.push(`f_${t.format}`);
  if (t.gravity !== undefined) parts.push(`g_${t.gravity}`);
  if (t.height !== undefined) parts.push(`h_${t.height}`);
  if (t.quality !== undefined) parts.push(`q_${t.quality}`);
  if (t.width !== undefined) parts.push(`w_${t.width}`);
  return parts.join(',');
}

/** The transform a segment names, or undefined unless it is exactly what transformSegment writes. */
export function parseTransformSegment(segment: string): NormalizedTransform | undefined {
  const fields: Record<string, string> = {};
  for (const part of segment.split(',')) {
    const match = /^([a-z])_([a-z0-9_]+)$/.exec(part);
    if (!match || match[1]! in fields) return undefined;
    fields[match[1]!] = match[2]!;
  }
  const number = (text: string | undefined) => (text === undefined ? undefined : Number(text));
  try {
    const t = normalizeTransform({
      crop: fields.c as CropMode,
      gravity: fields.g as Gravity | undefined,
      format: fields.f as OutputFormat | 'auto' | undefined,
      width: number(fields.w),
      height: number(fields.h),
      quality: fields.q === 'auto' ? 'auto' : number(fields.q),
    });
    return transformSegment(t) === segment ? t : undefined;
  } catch {
    return undefined;
  }
}

const SIGNATURE_CONTEXT = 'stowage-images-v1';

/** HMAC-SHA256 of the segment and the key: only URLs the app made are rendered. */
export function signTransform(segment: string, key: string, secret: string): string {
  return createHmac('sha256', secret)
    .update(`${SIGNATURE_CONTEXT}\n${segment}\n${key}`)
    .digest('base64url');
}

export function verifyTransform(
  segment: string,
  key: string,
  signature: string,
  secrets: readonly string[],
): boolean {
  // The signature as given against the one canonical spelling of the expected HMAC, as core's
  // signed URLs do: decoding first would accept padding, junk and changed unused bits, so one
  // URL would have many valid spellings (each a new cache key reaching the origin).
  const given = Buffer.from(signature, 'utf8');
  return secrets.some((secret) => {
    const expected = Buffer.from(signTransform(segment, key, secret), 'utf8');
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

/** A short, path-safe digest (base64url of SHA-256). */
export function digest(text: string, length = 22): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, length);
}
