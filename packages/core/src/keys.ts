import { StorageError } from './errors.js';

/**
 * Folders whose name starts with this belong to Stowage itself (`@stowage/images` keeps its
 * variants under `.stowage-variants/`). Listings leave them out, at any depth, unless their prefix
 * reaches into one, so an app's listings, `stowage ls` and `stowage migrate` see only its objects.
 */
export const RESERVED_PREFIX = '.stowage-';

/** The longest key accepted, in UTF-8 bytes (the S3 limit). */
export const MAX_KEY_BYTES = 1024;

// C0 controls, DEL and C1 controls.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// A lone surrogate cannot be encoded as UTF-8.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// A whole segment that is "." or "..".
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/**
 * Why `key` is not a valid object key, or `undefined` when it is.
 *
 * Keys are POSIX-style, `/`-separated UTF-8 strings: not empty, no leading `/`, no empty, `.` or
 * `..` segments, no backslash, no control characters, at most 1024 bytes.
 */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string') return `a key must be a string, got ${typeof key}`;
  if (key.length === 0) return 'a key must not be empty';
  if (key.startsWith('/')) return 'a key must not start with "/"';
  if (key.includes('\\')) return 'a key must not contain a backslash';
  if (CONTROL.test(key)) return 'a key must not contain control characters (NUL, newline, ...)';
  if (LONE_SURROGATE.test(key)) return 'a key must be valid Unicode (it has a lone surrogate)';
  // A UTF-16 code unit is at most 3 bytes of UTF-8, so short keys need no counting.
  if (key.length * 3 > MAX_KEY_BYTES && Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    return `a key must be at most ${MAX_KEY_BYTES} bytes of UTF-8`;
  }
  if (key.endsWith('/') || key.includes('//')) {
    return 'a key must not have empty segments ("a//b" or a trailing "/")';
  }
  if (DOT_SEGMENT.test(key)) return 'a key must not have "." or ".." segments';
  return undefined;
}

/** Throws INVALID_KEY unless `key` follows the key rules. */
export function assertValidKey(
  key: unknown,
  operation?: StorageError['operation'],
): asserts key is string {
  const problem = keyProblem(key);
  if (problem !== undefined) {
    throw new StorageError('INVALID_KEY', `Invalid key ${describeKey(key)}: ${problem}.`, {
      operation,
      key: typeof key === 'string' ? key : undefined,
    });
  }
}

/**
 * Why `prefix` is not a valid listing/deletion prefix. A prefix is a key's beginning: it may be
 * empty (for list) and may end in "/", but must not escape upwards.
 */
export function prefixProblem(prefix: unknown): string | undefined {
  if (typeof prefix !== 'string') return `a prefix must be a string, got ${typeof prefix}`;
  if (prefix === '') return undefined;
  const problem = keyProblem(prefix.endsWith('/') ? `${prefix}x` : prefix);
  return problem?.replace('a key', 'a prefix');
}

/** True when `a` sorts before `b` in the order every backend lists in: UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The key quoted for an error message, shortened and with control characters made visible. */
export function describeKey(key: unknown): string {
  if (typeof key !== 'string') return String(key);
  const shown = key.length > 80 ? `${key.slice(0, 77)}...` : key;
  return JSON.stringify(shown);
}
