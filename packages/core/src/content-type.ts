import { lookup } from 'mime-types';
import { extractMediaType, parseSingleMediaType, serializeMediaType } from './media-type.js';

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

/**
 * Why a content type given to put(), signedUrl() or signedUpload() is refused, or undefined when
 * it is exactly one valid media type. A list (`image/png, text/html`) is refused: browsers would
 * use its last type, which is not what a check of its first part sees.
 */
export function contentTypeProblem(value: string): string | undefined {
  if (parseSingleMediaType(value) !== undefined) return undefined;
  return value.includes(',')
    ? 'must be one media type like image/png, not a list'
    : 'must be a media type like image/png or text/plain; charset=utf-8';
}

/**
 * A stored content type as a browser reads it, in a form that cannot be read two ways: a value
 * that is one valid type is kept as it is; a list becomes the type browsers would use (its last
 * valid one); a value with no valid type becomes `application/octet-stream`. Applied to what
 * drivers report, since a backend may hold types written by other tools.
 */
export function readableContentType(value: string | undefined): string {
  if (value === undefined || value === '') return DEFAULT_CONTENT_TYPE;
  // Control characters cannot be sent in a header, nor (fetch's Headers) anything above U+00FF:
  // such a value is rewritten, and parameters that are not ASCII are left out.
  const plain = !NOT_HEADER_SAFE.test(value);
  if (plain && parseSingleMediaType(value) !== undefined) return value;
  const used = extractMediaType(value);
  if (used === undefined) return DEFAULT_CONTENT_TYPE;
  for (const [name, parameter] of used.parameters) {
    if (NOT_HEADER_SAFE.test(parameter)) used.parameters.delete(name);
  }
  return serializeMediaType(used);
}

/** What a header value should not hold: control characters and anything beyond ASCII. */
export const NOT_HEADER_SAFE = /[^\u0020-\u007e]/;
