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
