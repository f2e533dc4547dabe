import { randomBytes } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createStorage, isStorageError, type Storage } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECT_PUT_MAX_BYTES } from '../src/direct.js';
import { type S3Driver, s3 } from '../src/index.js';
import { driverOptions, rawClient, server, tempBucket } from './helpers.js';

/**
 * On the client the driver builds, GetObject and small PutObjects go past the SDK's middleware
 * once the SDK has sent one (direct.ts). These read through that path on the real gateway and count the
 * GetObjects that went through the client's stack with a middleware of the test's own.
 */
function countSdkGets(client: S3Client, command = 'GetObjectCommand'): { readonly count: number } {
  const counter = { count: 0 };
  client.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === command) counter.count++;
      return next(args);
    },
    { step: 'initialize', name: `count${command}${randomBytes(4).toString('hex')}` },
  );
  return counter;
}

describe('direct GetObject and PutObject on the driver-built client', () => {
  let bucket: Awaited<ReturnType<typeof tempBucket>>;
  let driver: S3Driver;
  let storage: Storage;
  let sdkGets: { readonly count: number };
  let sdkPuts: { readonly count: number };

  beforeAll(async () => {
    bucket = await tempBucket('direct');
    driver = s3(driverOptions(bucket.name));
    storage = createStorage(driver);
    sdkGets = countSdkGets(driver.client);
    sdkPuts = countSdkGets(driver.client, 'PutObjectCommand');
  });
  afterAll(async () => {
    await storage.close?.();
    await bucket.remove();
  });

  // Keys whose path encoding differs from a naive one: each must be signed as the SDK signs it.
  const keys = [
    'plain/first.txt',
    'with space/and+plus.txt',
    "marks/!'()*.bin",
    'unicode/Łódź-Ωμέγα-日本.txt',
    'percent/%2F%41.txt',
    'query/a?b#c&d=e.txt',
    'tilde~/under_score-.dot',
  ];

  it('reads every key back exactly, with its metadata, after one GetObject through the SDK', async () => {
    const bodies = new Map(keys.map((key) => [key, randomBytes(1000 + key.length)]));
    const putsBefore = sdkPuts.count;
    for (const [key, body] of bodies) {
      await storage.put(key, body, {
        contentType: 'application/x-test',
        cacheControl: 'max-age=60',
        contentDisposition: 'attachment; filename="x.bin"',
        metadata: { owner: 'łukasz', n: '1' },
      });
    }
    // The first put went through the SDK (and showed the endpoint); the others did not.
    expect(sdkPuts.count - putsBefore).toBe(1);
    const before = sdkGets.count;
    for (const [key, body] of bodies) {
      const object = await storage.get(key);
      expect(Buffer.from(await object.bytes()).equals(body), key).toBe(true);
      const head = await storage.head(key);
      expect(object).toMatchObject({
        key,
        size: body.byteLength,
        contentType: 'application/x-test',
        cacheControl: 'max-age=60',
        contentDisposition: 'attachment; filename="x.bin"',
        metadata: { owner: 'łukasz', n: '1' },
        etag: head.etag,
      });
      expect(object.lastModified?.getTime()).toBe(head.lastModified?.getTime());
    }
    // The endpoint is known from the puts: no get went through the SDK.
    expect(sdkGets.count - before).toBe(0);
  });

  it('puts private objects, refuses an existing key under onConflict fail, sends large bodies with the SDK', async () => {
    await storage.put('acl/private.txt', 'secret', { visibility: 'private' });
    expect((await storage.head('acl/private.txt')).visibility).toBe('private');
    const anonymous = await fetch(`${server().endpoint}/${bucket.name}/acl/private.txt`);
    expect(anonymous.status).toBe(403);
    await anonymous.body?.cancel();

    const before = sdkPuts.count;
    const refused = await storage
      .put('acl/private.txt', 'other', { onConflict: 'fail' })
      .catch((error: unknown) => error);
    expect(isStorageError(refused) && refused.code).toBe('ALREADY_EXISTS');
    expect(await storage.getText('acl/private.txt')).toBe('secret');
    // Refused directly, then asked again through the SDK, whose answer is the error.
    expect(sdkPuts.count - before).toBe(1);

    const large = randomBytes(DIRECT_PUT_MAX_BYTES + 1);
    await storage.put('large/object.bin', large);
    expect(sdkPuts.count - before).toBe(2);
    expect(Buffer.from(await storage.getBytes('large/object.bin')).equals(large)).toBe(true);
  });

  it('reads a large object in its two requests and ranges of it, streamed or whole', async () => {
    const body = randomBytes(300 * 1024 + 17);
    await storage.put('big/object.bin', body);
    const before = sdkGets.count;
    const whole = await storage.get('big/object.bin');
    const chunks: Uint8Array[] = [];
    for await (const chunk of whole.body()) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(body)).toBe(true);
    const range = await storage.get('big/object.bin', {
      range: { offset: 70_000, length: 100_000 },
    });
    expect(Buffer.from(await range.bytes()).equals(body.subarray(70_000, 170_000))).toBe(true);
    expect(sdkGets.count).toBe(before);
  });

  it('a missing key is NOT_FOUND and a replaced object mid-read PRECONDITION_FAILED, as before', async () => {
    await storage.get('plain/first.txt'); // the endpoint is known
    const missing = await storage.get('nothing/here.txt').catch((error: unknown) => error);
    expect(isStorageError(missing) && missing.code).toBe('NOT_FOUND');

    await storage.put('changing/object.bin', randomBytes(200 * 1024));
    const object = await storage.get('changing/object.bin');
    await storage.put('changing/object.bin', randomBytes(200 * 1024));
    const read = await object.bytes().catch((error: unknown) => error);
    expect(isStorageError(read) && read.code).toBe('PRECONDITION_FAILED');
  });

  it('an aborted get rejects and leaves the driver working', async () => {
    await storage.get('plain/first.txt');
    const controller = new AbortController();
    controller.abort();
    const aborted = await storage
      .get('plain/first.txt', { signal: controller.signal })
      .catch((error: unknown) => error);
    expect(isStorageError(aborted) && aborted.message).toMatch(/abort/i);
    expect((await storage.get('plain/first.txt')).key).toBe('plain/first.txt');
  });
});

describe('a client of the caller', () => {
  it('sees every GetObject in its own middleware stack', async () => {
    const bucket = await tempBucket('direct-own');
    try {
      const client = rawClient();
      await client.send(new PutObjectCommand({ Bucket: bucket.name, Key: 'a.txt', Body: 'hello' }));
      const gets = countSdkGets(client);
      const storage = createStorage(s3({ bucket: bucket.name, client }));
      for (let i = 0; i < 3; i++) {
        expect(Buffer.from(await (await storage.get('a.txt')).bytes()).toString()).toBe('hello');
      }
      expect(gets.count).toBe(3);
    } finally {
      await bucket.remove();
    }
  });
});
