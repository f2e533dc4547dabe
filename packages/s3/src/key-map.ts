import { MAX_KEY_BYTES, StorageError } from '@stowage/core';
import { quoteKey } from './map-error.js';

/**
 * The driver's `prefix` as one small mapping, used by every operation: keys go in under
 * `${prefix}`, come out of listings without it, and URLs include it.
 */
export class KeyMap {
  /** `''` or `'segment/.../'`. */
  constructor(readonly prefix: string) {}

  /**
   * Storage key -> S3 object key. INVALID_KEY, before any request, when prefix + key is over
   * S3's 1024 bytes (some servers accept longer keys that AWS would refuse).
   */
  toS3(key: string): string {
    const s3Key = this.prefix + key;
    if (s3Key.length * 3 > MAX_KEY_BYTES && Buffer.byteLength(s3Key, 'utf8') > MAX_KEY_BYTES) {
      throw new StorageError(
        'INVALID_KEY',
        `Invalid key ${quoteKey(key)}: with the prefix ${JSON.stringify(this.prefix)} it is ${Buffer.byteLength(s3Key, 'utf8')} bytes, and S3 keys are at most ${MAX_KEY_BYTES} bytes.`,
        { key },
      );
    }
    return s3Key;
  }

  /** S3 object key (or listing prefix) -> storage key; undefined when outside the prefix. */
  fromS3(s3Key: string): string | undefined {
    if (!s3Key.startsWith(this.prefix)) return undefined;
    return s3Key.slice(this.prefix.length);
  }

  /** The S3 key as a URL path, each segment percent-encoded (spaces, `#`, `?`, unicode, ...). */
  urlPath(key: string): string {
    return encodeKeyPath(this.toS3(key));
  }
}

/** Percent-encodes each `/`-separated segment, strictly (RFC 3986 unreserved characters only). */
export function encodeKeyPath(s3Key: string): string {
  return s3Key.split('/').map(encodeSegment).join('/');
}

function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
