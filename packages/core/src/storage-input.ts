import { randomBytes } from 'node:crypto';
import { contentTypeProblem, NOT_HEADER_SAFE, readableContentType } from './content-type.js';
import { StorageError } from './errors.js';
import type { CopyOptions, ListOptions, ObjectInfo } from './types.js';

/** The facade's checks of what an app passes in, each an INVALID_INPUT naming the option. */

const MAX_EXPIRES_IN = 7 * 24 * 3600;
export const MAX_LIST_LIMIT = 1000;
const METADATA_NAME = /^[a-z0-9][a-z0-9_-]*$/;

export function invalid(message: string): StorageError {
  return new StorageError('INVALID_INPUT', `Invalid input: ${message}.`);
}

export function conflictFlag(mode: CopyOptions['onConflict']): boolean {
  if (mode === undefined || mode === 'overwrite') return false;
  if (mode === 'fail') return true;
  throw invalid(`onConflict for copy/move must be 'overwrite' or 'fail', got ${String(mode)}`);
}

export function checkMetadata(
  metadata: Record<string, string> | undefined,
): Record<string, string> {
  if (metadata === undefined) return {};
  if (typeof metadata !== 'object' || metadata === null)
    throw invalid('metadata must be an object of strings');
  for (const [name, value] of Object.entries(metadata)) {
    if (!METADATA_NAME.test(name)) {
      throw invalid(
        `metadata name ${JSON.stringify(name)} must be lowercase letters, digits, "-" or "_"`,
      );
    }
    if (typeof value !== 'string')
      throw invalid(`metadata ${name} must be a string, got ${typeof value}`);
    if (/[\u0000-\u001f\u007f]/.test(value))
      throw invalid(`metadata ${name} must not contain control characters`);
  }
  return { ...metadata };
}

export function checkHeaderValue(name: string, value: string | undefined): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.trim() === '' || /[\u0000-\u001f\u007f]/.test(value)) {
    throw invalid(`${name} must be a non-empty string without control characters`);
  }
  // It becomes a response header: fetch's Headers refuse characters above U+00FF (a served file
  // would answer 500) and clients read Latin-1 bytes differently, so printable ASCII only (the
  // file handler's own test of stored values; control characters were refused above).
  if (NOT_HEADER_SAFE.test(value)) {
    throw invalid(
      `${name} must be ASCII; for a non-ASCII file name use filename*=UTF-8''<percent-encoded name> (RFC 6266)`,
    );
  }
}

/** One media type, as browsers will read it; a list or junk is refused (see content-type.ts). */
export function checkContentType(value: string | undefined): void {
  checkHeaderValue('contentType', value);
  const problem = value === undefined ? undefined : contentTypeProblem(value);
  if (problem) throw invalid(`contentType ${JSON.stringify(value)} ${problem}`);
}

export function checkExpiresIn(expiresIn: unknown): void {
  if (
    typeof expiresIn !== 'number' ||
    !Number.isSafeInteger(expiresIn) ||
    expiresIn < 1 ||
    expiresIn > MAX_EXPIRES_IN
  ) {
    throw invalid(
      `expiresIn must be a whole number of seconds from 1 to ${MAX_EXPIRES_IN}, got ${String(expiresIn)}`,
    );
  }
}

/** The limit, delimiter and cursor of a list() call (the prefix is checked with the keys). */
export function checkListOptions(options: ListOptions): number {
  const limit = options.limit ?? MAX_LIST_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw invalid(`limit must be a whole number from 1 to ${MAX_LIST_LIMIT}, got ${String(limit)}`);
  }
  if (
    options.delimiter !== undefined &&
    (typeof options.delimiter !== 'string' || options.delimiter === '')
  ) {
    throw invalid('delimiter must be a non-empty string');
  }
  if (options.cursor !== undefined && typeof options.cursor !== 'string') {
    throw invalid('cursor must be the string a previous list() returned');
  }
  return limit;
}

/** What a driver reports, with its content type as a browser reads it (a list becomes one type). */
export function readableInfo<T extends ObjectInfo>(info: T): T {
  const contentType = readableContentType(info.contentType);
  return contentType === info.contentType ? info : { ...info, contentType };
}

const SUFFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `photos/cat.jpg` -> `photos/cat_x7k2qa.jpg`. */
export function withSuffix(key: string): string {
  const bytes = randomBytes(6);
  let suffix = '';
  for (const byte of bytes) suffix += SUFFIX_ALPHABET[byte % SUFFIX_ALPHABET.length];
  const slash = key.lastIndexOf('/');
  const dot = key.lastIndexOf('.');
  const hasExtension = dot > slash + 1;
  return hasExtension ? `${key.slice(0, dot)}_${suffix}${key.slice(dot)}` : `${key}_${suffix}`;
}
