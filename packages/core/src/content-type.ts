import { lookup } from 'mime-types';

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** The content type of a key from its extension, or `application/octet-stream`. */
export function contentTypeFor(key: string): string {
  const type = lookup(key);
  if (!type) return DEFAULT_CONTENT_TYPE;
  // Text types are served as UTF-8 unless the caller says otherwise.
  return type.startsWith('text/') ||
    type === 'application/json' ||
    type === 'application/javascript'
    ? `${type}; charset=utf-8`
    : type;
}
