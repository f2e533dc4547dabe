import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createStorage, disk, type Storage } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../src/index.js';
import { storageFromEnvLazy } from '../src/source.js';
import { hasDriverPackage, s3ClientOf, tempDir } from './helpers.js';

declare module 'vitest' {
  interface ProvidedContext {
    s3: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string };
  }
}

const MiB = 1024 * 1024;

describe.skipIf(!hasDriverPackage('s3'))('migrate with S3: checksums, memory, interrupts', () => {
  const s3Env = inject('s3');
  let tmp: { path: string; remove: () => Promise<void> };
  let client: S3Client;
  let bucket: string;
  const opened: Storage[] = [];

  /** A storage on its own prefix of the test bucket, and that prefix. */
  async function bucketStorage(): Promise<{ storage: Storage; location: string }> {
    const location = `test-${randomBytes(4).toString('hex')}`;
    const { storage } = await storageFromEnvLazy(
      {
        USE_S3: 'true',
        AWS_STORAGE_BUCKET_NAME: bucket,
        AWS_LOCATION: location,
        AWS_ACCESS_KEY_ID: s3Env.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3Env.secretAccessKey,
        AWS_S3_REGION_NAME: s3Env.region,
        AWS_S3_ENDPOINT_URL: s3Env.endpoint,
      },
      { cwd: tmp.path },
    );
    opened.push(storage);
    return { storage, location };
  }

  beforeAll(async () => {
    tmp = await tempDir();
    client = s3ClientOf(s3Env);
    bucket = `stowage-cli-mig-${randomBytes(4).toString('hex')}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  }, 180_000);
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    // The large objects would otherwise stay on the shared server.
    for (;;) {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      const keys = (page.Contents ?? []).map((c) => ({ Key: c.Key! }));
      if (keys.length === 0) break;
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    client.destroy();
    await tmp.remove();
  });

  it('copies a same-size object with other content (MD5 compared), both ways; skips an identical one', async () => {
    const root = join(tmp.path, 'same-size');
    await mkdir(root, { recursive: true });
    const big = randomBytes(12 * MiB);
    await writeFile(join(root, 'changed.txt'), 'new!');
    await writeFile(join(root, 'same.txt'), 'same');
    await writeFile(join(root, 'big.bin'), big);
    const local = createStorage(disk({ root }));
    const { storage: bucketSide, location } = await bucketStorage();
    await bucketSide.put('changed.txt', 'old!');
    await bucketSide.put('same.txt', 'same');
    // A multipart upload (its ETag is no plain MD5) of the same size, other content.
    const other = Buffer.from(big);
    other[5 * MiB] = (other[5 * MiB]! + 1) % 256;
    await bucketSide.put('big.bin', Readable.from([other]));

    const up = await migrate({ from: local, to: bucketSide });
    expect(up).toMatchObject({ copied: 2, skipped: 1, failed: 0 });
    expect(await bucketSide.getText('changed.txt')).toBe('new!');
    expect(Buffer.from(await bucketSide.getBytes('big.bin')).equals(big)).toBe(true);
    const again = await migrate({ from: local, to: bucketSide });
    expect(again).toMatchObject({ copied: 0, skipped: 3 });

    // S3 -> disk: the disk file is hashed against the bucket's ETag.
    await writeFile(join(root, 'changed.txt'), 'old!');
    await writeFile(join(root, 'big.bin'), other);
    const down = await migrate({ from: bucketSide, to: local });
    expect(down).toMatchObject({ copied: 2, skipped: 1, failed: 0 });
    expect(await local.getText('changed.txt')).toBe('new!');
    expect(location).not.toBe('');
  }, 120_000);

  it('objects of 256 KiB to 8 MiB (read into reused buffers) go disk -> S3 -> disk byte for byte', async () => {
    const root = join(tmp.path, 'mid-sizes');
    await mkdir(root, { recursive: true });
    // 1 MiB and under: one direct PutObject; over it: the SDK's; 8 MiB: the largest read whole.
    const sizes = [256 * 1024, 700_001, MiB, MiB + 1, MiB, 3 * MiB + 5, 8 * MiB];
    const objects = new Map(sizes.map((size, i) => [`${i}.bin`, randomBytes(size)]));
    for (const [key, bytes] of objects) await writeFile(join(root, key), bytes);
    const { storage: bucketSide } = await bucketStorage();
    const up = await migrate({ from: createStorage(disk({ root })), to: bucketSide });
    expect(up).toMatchObject({ copied: sizes.length, failed: 0 });
    const back = createStorage(disk({ root: join(tmp.path, 'mid-sizes-back') }));
    const down = await migrate({ from: bucketSide, to: back, concurrency: 3 });
    expect(down).toMatchObject({ copied: sizes.length, failed: 0 });
    for (const [key, bytes] of objects) {
      expect(Buffer.from(await bucketSide.getBytes(key)).equals(bytes), key).toBe(true);
      expect(Buffer.from(await back.getBytes(key)).equals(bytes), key).toBe(true);
    }
  }, 120_000);

  it('stopped midway: finished objects are whole, no multipart upload is left, no listener warning', async () => {
    const root = join(tmp.path, 'large');
    await mkdir(root, { recursive: true });
    const files = new Map<string, Buffer>();
    for (let i = 0; i < 6; i++) {
      const bytes = randomBytes(20 * MiB);
      files.set(`large-${i}.bin`, bytes);
      await writeFile(join(root, `large-${i}.bin`), bytes);
    }
    for (let i = 0; i < 40; i++) await writeFile(join(root, `small-${i}.txt`), `small ${i}`);
    const { storage, location } = await bucketStorage();
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.name);
    };
    process.on('warning', onWarning);
    const controller = new AbortController();
    const summary = await migrate({
      from: createStorage(disk({ root })),
      to: storage,
      concurrency: 16,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'copied' && e.key.startsWith('large-')) controller.abort();
      },
    }).finally(() => process.off('warning', onWarning));
    expect(summary).toMatchObject({ aborted: true, failed: 0 });
    expect(warnings).not.toContain('MaxListenersExceededWarning');

    const present: string[] = [];
    for await (const info of storage.listAll()) present.push(info.key);
    expect(present.filter((k) => k.startsWith('large-')).length).toBeGreaterThanOrEqual(1);
    for (const key of present) {
      const expected = files.get(key);
      if (expected) expect(Buffer.from(await storage.getBytes(key)).equals(expected)).toBe(true);
    }
    const uploads = await client.send(
      new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: `${location}/` }),
    );
    expect(uploads.Uploads ?? []).toEqual([]);

    // The rerun copies exactly what is missing.
    const rerun = await migrate({ from: createStorage(disk({ root })), to: storage });
    expect(rerun).toMatchObject({ failed: 0, skipped: present.length });
    expect(rerun.copied).toBe(46 - present.length);
  }, 180_000);

  it('an object put by another tool (no Stowage metadata) is compared by MD5 too', async () => {
    const root = join(tmp.path, 'foreign');
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'a.txt'), 'AAAA');
    const { storage, location } = await bucketStorage();
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: `${location}/a.txt`, Body: 'BBBB' }),
    );
    const summary = await migrate({ from: createStorage(disk({ root })), to: storage });
    expect(summary).toMatchObject({ copied: 1, skipped: 0 });
    expect(await storage.getText('a.txt')).toBe('AAAA');
  }, 60_000);
});
