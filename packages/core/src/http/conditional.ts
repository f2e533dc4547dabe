import type { ObjectInfo } from '../types.js';

/** An ETag as a header value: drivers may give it with or without quotes. */
export function formatEtag(etag: string | undefined): string | undefined {
  if (etag === undefined || etag === '') return undefined;
  if (etag.startsWith('"') || etag.startsWith('W/"')) return etag;
  return `"${etag.replace(/"/g, '')}"`;
}

function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/** The entity tags of an `If-Match` / `If-None-Match` list (`*` kept as is). */
function tagList(header: string): string[] {
  return header.match(/\*|(?:W\/)?"[^"]*"/g) ?? [];
}

function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function parseDate(header: string | null): number | undefined {
  if (header === null) return undefined;
  const time = Date.parse(header);
  return Number.isNaN(time) ? undefined : Math.floor(time / 1000);
}

/** The outcome of the conditional headers of a GET or HEAD (RFC 9110 §13.2.2). */
export type ConditionalOutcome = 'proceed' | 'not-modified' | 'precondition-failed';

/** Evaluates If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since, in the RFC's order. */
export function evaluateConditions(headers: Headers, info: ObjectInfo): ConditionalOutcome {
  const etag = formatEtag(info.etag);
  const modified = info.lastModified ? seconds(info.lastModified) : undefined;

  const ifMatch = headers.get('if-match');
  if (ifMatch !== null) {
    // Strong comparison: a weak tag never matches.
    const ok = tagList(ifMatch).some(
      (tag) =>
        tag === '*' ||
        (etag !== undefined && !tag.startsWith('W/') && !etag.startsWith('W/') && tag === etag),
    );
    if (!ok) return 'precondition-failed';
  } else {
    const since = parseDate(headers.get('if-unmodified-since'));
    if (since !== undefined && modified !== undefined && modified > since)
      return 'precondition-failed';
  }

  const ifNoneMatch = headers.get('if-none-match');
  if (ifNoneMatch !== null) {
    // Weak comparison.
    const matches = tagList(ifNoneMatch).some(
      (tag) => tag === '*' || (etag !== undefined && opaque(tag) === opaque(etag)),
    );
    return matches ? 'not-modified' : 'proceed';
  }
  const since = parseDate(headers.get('if-modified-since'));
  if (since !== undefined && modified !== undefined && modified <= since) return 'not-modified';
  return 'proceed';
}

/** True when an `If-Range` header (if any) still describes the stored object, so a Range applies. */
export function ifRangeHolds(headers: Headers, info: ObjectInfo): boolean {
  const header = headers.get('if-range');
  if (header === null) return true;
  const value = header.trim();
  if (value.startsWith('"') || value.startsWith('W/"')) {
    const etag = formatEtag(info.etag);
    // Strong comparison only.
    return (
      etag !== undefined && !value.startsWith('W/') && !etag.startsWith('W/') && value === etag
    );
  }
  const date = parseDate(value);
  return (
    date !== undefined && info.lastModified !== undefined && seconds(info.lastModified) === date
  );
}

/** True when the request has any conditional header, so validators are needed before reading. */
export function hasConditions(headers: Headers): boolean {
  return (
    headers.has('if-match') ||
    headers.has('if-none-match') ||
    headers.has('if-modified-since') ||
    headers.has('if-unmodified-since')
  );
}
