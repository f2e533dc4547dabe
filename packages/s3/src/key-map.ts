/**
 * The driver's `prefix` as one small mapping, used by every operation: keys go in under
 * `${prefix}`, come out of listings without it, and URLs include it.
 */
export class KeyMap {
  /** `''` or `'segment/.../'`. */
  constructor(readonly prefix: string) {}

  /** Storage key -> S3 object key. */
  toS3(key: string): string {
    return this.prefix + key;
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
