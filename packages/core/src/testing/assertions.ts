import { expect } from 'vitest';
import {
  isStorageError,
  type StorageError,
  type StorageErrorCode,
  type StorageOperation,
} from '../errors.js';
import type { Storage } from '../storage.js';
import type { ObjectInfo } from '../types.js';

/** The error `run` throws or rejects with; fails the test when it succeeds. */
export async function catchError(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('conformance: expected the operation to fail, but it succeeded');
}

/**
 * Expects `run` to fail with a StorageError of `code` that says which driver and operation failed
 * (every StorageError the facade throws must carry both).
 */
export async function expectStorageError(
  storage: Storage,
  run: () => unknown,
  code: StorageErrorCode,
  operation?: StorageOperation,
): Promise<StorageError> {
  const error = await catchError(run);
  if (!isStorageError(error)) {
    throw new Error(`conformance: expected a StorageError ${code}, got ${String(error)}`, {
      cause: error,
    });
  }
  expect(error.code, error.message).toBe(code);
  expect(isStorageError(error, code)).toBe(true);
  expect(error.driver, `driver of ${code}`).toBe(storage.driver);
  expect(typeof error.operation, `operation of ${code}`).toBe('string');
  if (operation !== undefined) expect(error.operation).toBe(operation);
  return error;
}

/** Byte-for-byte equality with a short message instead of a diff of megabytes. */
export function expectBytes(actual: Uint8Array, expected: Uint8Array, label = 'bytes'): void {
  expect(actual.byteLength, `${label}: length`).toBe(expected.byteLength);
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (!a.equals(b)) {
    let at = 0;
    while (at < a.length && a[at] === b[at]) at++;
    expect.fail(`${label}: first difference at byte ${at} (got ${a[at]}, expected ${b[at]})`);
  }
}

/** The fields every ObjectInfo has, with the right types. */
export function expectObjectInfo(info: ObjectInfo, key: string, size: number): void {
  expect(info.key).toBe(key);
  expect(info.size).toBe(size);
  expect(typeof info.contentType).toBe('string');
  expect(info.contentType.length).toBeGreaterThan(0);
  expect(info.metadata).toBeTypeOf('object');
  expect(info.metadata).not.toBeNull();
  if (info.etag !== undefined) expect(typeof info.etag).toBe('string');
  if (info.lastModified !== undefined) {
    expect(info.lastModified).toBeInstanceOf(Date);
    expect(Number.isNaN(info.lastModified.getTime())).toBe(false);
  }
}

/** The content type without parameters, lowercased: `text/plain; charset=utf-8` -> `text/plain`. */
export function essence(contentType: string | null | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Every key under `prefix`, through listAll (sorted as the storage lists them). */
export async function keysUnder(storage: Storage, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of storage.listAll(prefix)) keys.push(info.key);
  return keys;
}
