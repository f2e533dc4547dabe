import { inspect } from 'node:util';
import { createStorage, isStorageError, type StorageError } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3 } from '../src/index.js';
import { driverOptions, server, tempBucket } from './helpers.js';

const WRONG_SECRET = 'wrong-secret-do-not-leak-7f3a9c';

let bucket: Awaited<ReturnType<typeof tempBucket>>;
beforeAll(async () => {
  bucket = await tempBucket('auth');
});
afterAll(async () => {
  await bucket?.remove();
});

async function failure(run: () => Promise<unknown>): Promise<StorageError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isStorageError(error)) throw new Error(`expected a StorageError, got ${String(error)}`);
  return error;
}

function expectNoSecret(error: StorageError): void {
  const { secretAccessKey } = server();
  for (const text of [
    JSON.stringify(error),
    inspect(error, { depth: 20, showHidden: true }),
    String(error.stack),
  ]) {
    expect(text).not.toContain(WRONG_SECRET);
    expect(text).not.toContain(secretAccessKey);
  }
}

describe('credentials', () => {
  it('a wrong secret is UNAUTHENTICATED, and no secret is in the error', async () => {
    const storage = createStorage(
      s3(
        driverOptions(bucket.name, {
          credentials: { accessKeyId: server().accessKeyId, secretAccessKey: WRONG_SECRET },
        }),
      ),
    );
    try {
      const put = await failure(() => storage.put('a.txt', 'x'));
      expect(put.code).toBe('UNAUTHENTICATED');
      expect(put).toMatchObject({
        driver: 's3',
        operation: 'put',
        key: 'a.txt',
        status: 403,
        retryable: false,
      });
      expectNoSecret(put);
      for (const run of [
        () => storage.get('a.txt'),
        () => storage.list({ prefix: '' }),
        () => storage.deleteMany(['a.txt']),
      ]) {
        const error = await failure(run);
        expect(error.code).toBe('UNAUTHENTICATED');
        expectNoSecret(error);
      }
      // HeadObject errors have no body: a refused signature is only a 403 there.
      const head = await failure(() => storage.head('a.txt'));
      expect(head.code).toBe('PERMISSION_DENIED');
      expectNoSecret(head);
    } finally {
      await storage.close();
    }
  });

  it('an unknown access key is UNAUTHENTICATED', async () => {
    const storage = createStorage(
      s3(
        driverOptions(bucket.name, {
          credentials: { accessKeyId: 'NOSUCHKEY', secretAccessKey: WRONG_SECRET },
        }),
      ),
    );
    try {
      const error = await failure(() => storage.put('a.txt', 'x'));
      expect(error.code).toBe('UNAUTHENTICATED');
      expectNoSecret(error);
    } finally {
      await storage.close();
    }
  });

  it('a missing bucket is CONFIG naming it', async () => {
    const storage = createStorage(s3(driverOptions('stowage-no-such-bucket-x1')));
    try {
      const error = await failure(() => storage.put('a.txt', 'x'));
      expect(error.code).toBe('CONFIG');
      expect(error.message).toContain('stowage-no-such-bucket-x1');
    } finally {
      await storage.close();
    }
  });
});
