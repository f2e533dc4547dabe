import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { createStorage, disk, isStorageError, mirror, type Storage } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../src/index.js';
import { storageFromEnvLazy } from '../src/source.js';
import { hasDriverPackage, makeTree, tempDir } from './helpers.js';

declare module 'vitest' {
  interface ProvidedContext {
    s3: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string };
  }
}

/**
 * docs/migrating.md's move without downtime, end to end: the app runs on
 * mirror(s3, disk, { reads: 'fallback' }) and keeps writing and reading while `migrate` copies the
 * disk into the bucket with overwrite: false; then the mirror is dropped and the app reads S3 alone.
 */
describe.skipIf(!hasDriverPackage('s3'))('moving disk -> S3 without downtime', () => {
  const s3Env = inject('s3');
  let tmp: { path: string; remove: () => Promise<void> };
  let client: S3Client;
  const opened: Storage[] = [];

  beforeAll(async () => {
    tmp = await tempDir('stowage-zero-downtime-');
    client = new S3Client({
      endpoint: s3Env.endpoint,
      region: s3Env.region,
      forcePathStyle: true,
      credentials: { accessKeyId: s3Env.accessKeyId, secretAccessKey: s3Env.secretAccessKey },
    });
  });
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    client.destroy();
    await tmp.remove();
  });

  it('loses nothing and serves no 404 while a writer keeps writing', async () => {
    const bucket = `stowage-move-${randomBytes(4).toString('hex')}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const root = join(tmp.path, 'media');
    const original = await makeTree(root, { count: 300, seed: 5 });
    const old = createStorage(disk({ root }));
    const { storage: s3 } = await storageFromEnvLazy(
      {
        USE_S3: 'true',
        AWS_STORAGE_BUCKET_NAME: bucket,
        AWS_ACCESS_KEY_ID: s3Env.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3Env.secretAccessKey,
        AWS_S3_REGION_NAME: s3Env.region,
        AWS_S3_ENDPOINT_URL: s3Env.endpoint,
      },
      { cwd: tmp.path },
    );
    opened.push(s3);

    // Every version of each key, oldest first: the disk's bytes, then what the app writes.
    const history = new Map<string, string[]>();
    const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
    for (const key of original) history.set(key, [hex(await old.getBytes(key))]);
    // The same, with the version being written (a read may see it before app.put() resolves: the
    // primary has it while the secondary is still being written).
    const started = new Map([...history].map(([key, versions]) => [key, [...versions]]));
    const app = mirror(s3, old, { reads: 'fallback' });

    let migrating = true;
    const misses: string[] = [];
    const stale: string[] = [];
    const writer = (async () => {
      for (let i = 0; migrating || i < 40; i++) {
        // New uploads and overwrites of keys the migration has not reached yet (or has).
        const key = i % 2 === 0 ? `uploads/new-${i}.txt` : original[(i * 37) % original.length]!;
        const body = `written by the app, round ${i}`;
        started.set(key, [...(started.get(key) ?? []), hex(Buffer.from(body))]);
        await app.put(key, body);
        history.set(key, [...(history.get(key) ?? []), hex(Buffer.from(body))]);
      }
    })();
    const reader = (async () => {
      for (let i = 0; migrating || i < 100; i++) {
        const keys = [...history.keys()];
        const key = keys[(i * 7919) % keys.length]!;
        const known = history.get(key)!.length;
        try {
          const got = hex(await app.getBytes(key));
          // The version current when the read began, or one written while it ran: never older.
          if (started.get(key)!.indexOf(got) < known - 1) stale.push(key);
        } catch (error) {
          if (isStorageError(error, 'NOT_FOUND')) misses.push(key);
          else throw error;
        }
      }
    })();
    const summary = await migrate({ from: old, to: s3, overwrite: false, concurrency: 8 });
    migrating = false;
    await Promise.all([writer, reader]);

    expect(summary.failed).toBe(0);
    expect(misses).toEqual([]);
    expect(stale).toEqual([]);
    // The mirror is dropped: S3 alone has every key with its newest content.
    for (const [key, versions] of history) {
      expect(hex(await s3.getBytes(key)), key).toBe(versions.at(-1));
    }
    let count = 0;
    for await (const _ of s3.listAll()) count++;
    expect(count).toBe(history.size);
  }, 300_000);
});
