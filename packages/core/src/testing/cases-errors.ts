import { describe, expect } from 'vitest';
import { isStorageError, type StorageErrorCode, type StorageOperation } from '../errors.js';
import { catchError, expectStorageError } from './assertions.js';
import { defineCase, type Suite } from './context.js';

/** The shape of errors, across operations. */
export function registerErrorCases(suite: Suite): void {
  describe('errors', () => {
    defineCase(
      suite,
      'every StorageError names its code, driver and operation',
      {},
      async ({ storage, p }) => {
        const missing = `${p}missing.txt`;
        await storage.put(`${p}once.txt`, 'once');
        const consumed = await storage.get(`${p}once.txt`);
        await consumed.bytes();
        const caps = storage.capabilities;
        const cases: Array<[StorageOperation, StorageErrorCode, () => unknown]> = [
          ['put', 'INVALID_KEY', () => storage.put('', 'x')],
          ['put', 'INVALID_INPUT', () => storage.put(`${p}x.txt`, 'x', { metadata: { Bad: 'x' } })],
          ['get', 'NOT_FOUND', () => storage.get(missing)],
          ['get', 'INVALID_INPUT', () => consumed.text()],
          ['head', 'NOT_FOUND', () => storage.head(missing)],
          ['exists', 'INVALID_KEY', () => storage.exists('/abs')],
          ['delete', 'INVALID_KEY', () => storage.delete(`${p}a//b`)],
          ['deleteMany', 'INVALID_KEY', () => storage.deleteMany(['..'])],
          ['deletePrefix', 'INVALID_INPUT', () => storage.deletePrefix('')],
          ['copy', 'NOT_FOUND', () => storage.copy(missing, `${p}copy.txt`)],
          ['move', 'NOT_FOUND', () => storage.move(missing, `${p}moved.txt`)],
          [
            'list',
            caps.list ? 'INVALID_INPUT' : 'UNSUPPORTED',
            () => storage.list({ prefix: p, limit: 0 }),
          ],
          ['url', 'INVALID_KEY', () => storage.url('a\\b')],
          ['url', 'UNSUPPORTED', () => storage.url(`${p}a.jpg`, { transform: { width: 1 } })],
          ['signedUrl', 'INVALID_INPUT', () => storage.signedUrl(`${p}a.txt`, { expiresIn: 0 })],
          [
            'signedUpload',
            'INVALID_INPUT',
            () => storage.signedUpload(`${p}a.txt`, { expiresIn: 0 }),
          ],
        ];
        for (const [operation, code, run] of cases) {
          // Transforms may be supported: then that url() call succeeds and is not an error case.
          if (operation === 'url' && code === 'UNSUPPORTED' && caps.publicUrl && caps.transforms)
            continue;
          const error = await expectStorageError(storage, run, code, operation);
          expect(error).toBeInstanceOf(Error);
          expect(error.name).toBe('StorageError');
          expect(error.message.length, `${operation} ${code} message`).toBeGreaterThan(0);
        }
      },
    );

    defineCase(suite, 'isStorageError recognises errors by code', {}, async ({ storage, p }) => {
      const error = await catchError(() => storage.head(`${p}missing.txt`));
      expect(isStorageError(error)).toBe(true);
      expect(isStorageError(error, 'NOT_FOUND')).toBe(true);
      expect(isStorageError(error, 'ALREADY_EXISTS')).toBe(false);
      expect(isStorageError(new Error('NOT_FOUND'))).toBe(false);
      expect(isStorageError({ code: 'NOT_FOUND', name: 'StorageError' })).toBe(false);
      expect(isStorageError(undefined)).toBe(false);
      if (isStorageError(error)) {
        expect(error.retryable).toBe(false);
        expect(error.key).toBe(`${p}missing.txt`);
        expect(error.toJSON()).toMatchObject({
          code: 'NOT_FOUND',
          driver: storage.driver,
          operation: 'head',
        });
      }
    });
  });
}
