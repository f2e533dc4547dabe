import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createStorage, disk, type Storage } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../src/index.js';
import { storageFromEnvLazy } from '../src/source.js';
import {
  countPuts,
  differingKeys,
  hasDriverPackage,
  makeTree,
  runCli,
  s3ClientOf,
  tempDir,
  writeEnvFile,
} from './helpers.js';

// What scripts/s3-global-setup.ts provides (restated so that this package's own tsconfig, which
// does not include the scripts folder, knows it too).
declare module 'vitest' {
  interface ProvidedContext {
    s3: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string };
  }
}

const hasS3 = hasDriverPackage('s3');
if (!hasS3) console.warn('[cli] @stowage/s3 has no src/index.ts yet: the S3 tests are skipped.');

describe.skipIf(!hasS3)('with S3 (Ceph RADOS Gateway)', () => {
  const s3Env = inject('s3');
  let tmp: { path: string; remove: () => Promise<void> };
  let client: S3Client;
  let sourceRoot: string;
  let keys: string[];
  const opened: Storage[] = [];

  let bucket: string;

  /**
   * The variables an app on S3 would have. Each test gets its own prefix (AWS_LOCATION) in one
   * bucket: creating a bucket on the test Ceph takes seconds.
   */
  async function bucketEnv(): Promise<Record<string, string>> {
    return {
      USE_S3: 'true',
      AWS_STORAGE_BUCKET_NAME: bucket,
      AWS_LOCATION: `test-${randomBytes(4).toString('hex')}`,
      AWS_ACCESS_KEY_ID: s3Env.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3Env.secretAccessKey,
      AWS_S3_REGION_NAME: s3Env.region,
      AWS_S3_ENDPOINT_URL: s3Env.endpoint,
    };
  }

  async function storageOf(env: Record<string, string>): Promise<Storage> {
    const { storage } = await storageFromEnvLazy(env, { cwd: tmp.path });
    opened.push(storage);
    return storage;
  }

  beforeAll(async () => {
    tmp = await tempDir();
    client = s3ClientOf(s3Env);
    bucket = `stowage-cli-${randomBytes(4).toString('hex')}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    sourceRoot = join(tmp.path, 'media');
    keys = await makeTree(sourceRoot, { count: 520, seed: 11 });
  }, 180_000);
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    client.destroy();
    await tmp.remove();
  });

  it('migrates 520 files disk -> S3 byte for byte, resumes with nothing to do, and back to disk', async () => {
    const env = await bucketEnv();
    await writeEnvFile(join(tmp.path, '.env.s3'), env);
    const args = ['migrate', '--from', 'disk:media', '--to', 'env:.env.s3'];
    const first = await runCli(args, { cwd: tmp.path });
    expect(first.stderr).not.toMatch(/^failed/m);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`copied: +${keys.length} objects`));
    const bucket = await storageOf(env);
    expect(await differingKeys(sourceRoot, keys, bucket)).toEqual([]);
    const head = await bucket.head(keys.find((k) => k.endsWith('.pdf'))!);
    expect(head.contentType).toBe('application/pdf');

    const again = await runCli(args, { cwd: tmp.path });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/copied: +0 objects/);
    expect(again.stdout).toMatch(new RegExp(`skipped: +${keys.length} objects`));

    // S3 as the source: back to a new folder, same bytes.
    const back = await runCli(['migrate', '--from', 'env:.env.s3', '--to', 'disk:back'], {
      cwd: tmp.path,
    });
    expect(back.code).toBe(0);
    const restored = createStorage(disk({ root: join(tmp.path, 'back') }));
    expect(await differingKeys(sourceRoot, keys, restored)).toEqual([]);

    const ls = await runCli(['ls', 'env:.env.s3', 'docs/', '--json'], { cwd: tmp.path });
    expect(ls.code).toBe(0);
    const listed = JSON.parse(ls.stdout) as { key: string }[];
    expect(listed.map((o) => o.key)).toEqual(keys.filter((k) => k.startsWith('docs/')));
  }, 300_000);

  it('an interrupted migration to S3 resumes, putting only the remainder', async () => {
    const env = await bucketEnv();
    const from = createStorage(disk({ root: sourceRoot }));
    const controller = new AbortController();
    const first = countPuts(await storageOf(env));
    const summary1 = await migrate({
      from,
      to: first.storage,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'copied' && e.totals.copied === 150) controller.abort();
      },
    });
    expect(summary1).toMatchObject({ aborted: true, failed: 0 });
    expect(summary1.copied).toBeLessThan(keys.length);
    const bucket = await storageOf(env);
    let present = 0;
    for await (const _ of bucket.listAll()) present++;
    expect(present).toBeGreaterThanOrEqual(summary1.copied);

    const second = countPuts(await storageOf(env));
    const summary2 = await migrate({ from, to: second.storage });
    expect(summary2).toMatchObject({ aborted: false, failed: 0, skipped: present });
    expect(second.puts()).toBe(keys.length - present);
    expect(await differingKeys(sourceRoot, keys, bucket)).toEqual([]);
  }, 300_000);

  it('migrates from a bucket with keys Stowage cannot address: copies the rest, counts them, exits 0', async () => {
    const env = await bucketEnv();
    const location = env.AWS_LOCATION;
    // What the S3 console and other tools leave: a folder marker, an empty segment.
    for (const key of ['photos/', 'a//b', 'photos/cat.jpg', 'ok.txt']) {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: `${location}/${key}`, Body: key }),
      );
    }
    await writeEnvFile(join(tmp.path, '.env.odd'), env);
    const run = await runCli(['migrate', '--from', 'env:.env.odd', '--to', 'disk:odd'], {
      cwd: tmp.path,
    });
    expect(run.stderr).not.toMatch(/INVALID_KEY/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/copied: +2 objects/);
    expect(run.stdout).toMatch(/failed: +0 objects/);
    expect(run.stdout).toMatch(/skipped 2 keys Stowage cannot address: "a\/\/b", "photos\/"/);
    const copied = createStorage(disk({ root: join(tmp.path, 'odd') }));
    expect(await copied.getText('photos/cat.jpg')).toBe('photos/cat.jpg');
    expect(await copied.getText('ok.txt')).toBe('ok.txt');

    const ls = await runCli(['ls', 'env:.env.odd'], { cwd: tmp.path });
    expect(ls.code).toBe(0);
    expect(ls.stderr).toMatch(/skipped 2 keys Stowage cannot address/);
  }, 120_000);

  describe('doctor', () => {
    it('passes with working credentials (a private bucket has signed URLs only)', async () => {
      const env = await bucketEnv();
      const run = await runCli(['doctor'], { env });
      expect(run.stdout).toMatch(/driver: +s3 \(USE_S3=true\)/);
      expect(run.stdout).toMatch(/ok {4}list/);
      expect(run.stdout).toMatch(/ok {4}write/);
      expect(run.stdout).toMatch(/ok {4}read back/);
      expect(run.stdout).toMatch(
        /skip {2}public URL .*signed URLs only.*AWS_S3_CUSTOM_DOMAIN.*AWS_QUERYSTRING_AUTH=false/,
      );
      expect(run.stdout).toMatch(/ok {4}signed URL +fetched .* \(HTTP 200, same content\)/);
      expect(run.stdout).toMatch(/ok {4}delete/);
      expect(run.code).toBe(0);
      expect(run.stdout).not.toContain(s3Env.secretAccessKey);
      expect(run.stdout).toMatch(/AWS_SECRET_ACCESS_KEY +\*\*\*\* \(\d+ characters\)/);
    });

    it('fails a public URL the configuration promised (AWS_QUERYSTRING_AUTH=false) that answers 403', async () => {
      const env = await bucketEnv();
      const run = await runCli(['doctor'], { env: { ...env, AWS_QUERYSTRING_AUTH: 'false' } });
      expect(run.stdout).toMatch(
        /FAIL {2}public URL .*answered HTTP 403\n.*fix: .*AWS_QUERYSTRING_AUTH/,
      );
      expect(run.code).toBe(1);
    });

    it('names AWS_SECRET_ACCESS_KEY when the secret is wrong, and prints no secret', async () => {
      const env = await bucketEnv();
      const wrong = `${s3Env.secretAccessKey.slice(0, -4)}oops`;
      const run = await runCli(['doctor'], { env: { ...env, AWS_SECRET_ACCESS_KEY: wrong } });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/FAIL {2}list +UNAUTHENTICATED: /);
      expect(run.stdout).toMatch(/fix: .*check AWS_SECRET_ACCESS_KEY/);
      expect(run.stdout).toMatch(/skip {2}write +skipped: the storage cannot be reached/);
      expect(run.stdout + run.stderr).not.toContain(wrong);
      expect(run.stdout + run.stderr).not.toContain(s3Env.secretAccessKey);
    });

    it('names AWS_ACCESS_KEY_ID when the service does not know the key', async () => {
      const env = await bucketEnv();
      const run = await runCli(['doctor'], { env: { ...env, AWS_ACCESS_KEY_ID: 'NOSUCHKEY123' } });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/fix: .*AWS_ACCESS_KEY_ID/);
    });

    it('names AWS_STORAGE_BUCKET_NAME when it is missing, or names a bucket that does not exist', async () => {
      const env = await bucketEnv();
      const { AWS_STORAGE_BUCKET_NAME: _bucket, ...missing } = env;
      const run = await runCli(['doctor'], { env: missing });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/AWS_STORAGE_BUCKET_NAME +\(not set\)/);
      expect(run.stdout).toMatch(
        /FAIL {2}configuration .*\n.*fix: AWS_STORAGE_BUCKET_NAME is not set/,
      );
      expect(run.stdout).not.toContain(s3Env.secretAccessKey);

      const absent = await runCli(['doctor'], {
        env: { ...env, AWS_STORAGE_BUCKET_NAME: 'no-such-bucket-here' },
      });
      expect(absent.code).toBe(1);
      expect(absent.stdout).toMatch(/FAIL {2}list/);
      expect(absent.stdout).toMatch(/fix: .*AWS_STORAGE_BUCKET_NAME/);
    });

    it('names the endpoint when the service cannot be reached', async () => {
      const env = await bucketEnv();
      const run = await runCli(['doctor'], {
        env: { ...env, AWS_S3_ENDPOINT_URL: 'http://127.0.0.1:9' },
      });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/FAIL {2}list +NETWORK: /);
      expect(run.stdout).toMatch(/fix: .*AWS_S3_ENDPOINT_URL/);
    }, 60_000);
  });
});
