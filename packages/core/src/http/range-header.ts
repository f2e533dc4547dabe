/** What a `Range` header asks of an object of a known size. */
export type RangeRequest =
  /** No usable single byte range: serve the whole object (absent, malformed, multiple, other unit). */
  | { kind: 'whole' }
  /** The bytes [start, end) of the object. */
  | { kind: 'partial'; start: number; end: number }
  /** Nothing of the object can be served: 416. */
  | { kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes[ \t]*=[ \t]*(\d{0,16})[ \t]*-[ \t]*(\d{0,16})[ \t]*$/i;

/**
 * Interprets a `Range` header (RFC 9110 §14) for an object of `size` bytes. Forms served:
 * `bytes=a-b`, `bytes=a-`, `bytes=-n`. Several ranges are answered with the whole object, which
 * the RFC allows and which spares multipart/byteranges responses nobody needs.
 */
export function parseRange(header: string | null, size: number): RangeRequest {
  if (header === null) return { kind: 'whole' };
  const match = SINGLE_RANGE.exec(header.trim());
  if (!match) return { kind: 'whole' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    // Suffix range: the last n bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - length), end: size };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return { kind: 'whole' }; // malformed: ignored
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size : Math.min(size, Number(last) + 1);
  return { kind: 'partial', start, end };
}

/** True when the request carries a Range header worth looking at before reading. */
export function hasSingleRange(header: string | null): boolean {
  return header !== null && SINGLE_RANGE.test(header.trim());
}
