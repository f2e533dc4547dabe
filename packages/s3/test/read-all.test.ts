import { randomBytes } from 'node:crypto';
import type { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createStorage, type Storage } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3 } from '../src/index.js';
import { driverOptions, rawClient, tempBucket } from './helpers.js';

/**
 * get() without `readAll` reads a first 64 KiB and the rest when the body is read (so an unread
 * body holds no socket: unread-bodies.test.ts). A caller that reads everything at once (getBytes,
 * getText, migrate, the file handler) says so with `readAll`, and gets one GetObject: no Range
 * header when no range was asked (a ranged GET costs the gateway more: 5,000 x 16 KiB took Ceph
 * 5.6-5.8 s of CPU ranged against 4.9 s plain, measured on the bench machine), the range's own when
 * one was. These count the requests in a caller's own client, which keeps every GetObject in the
 * SDK's stack.
 */
function recordGets(
  client: S3Client,
): { range: string | undefined; ifMatch: string | undefined }[] {
  const seen: { range: string | undefined; ifMatch: string | undefined }[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === 'GetObjectCommand') {
        const input = args.input as GetObjectCommand['input'];
        seen.push({ range: input.Range, ifMatch: input.IfMatch });
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordGets' },
  );
  return seen;
}

let bucket: Awaited<ReturnType<typeof tempBucket>>;
let storage: Storage;
let gets: ReturnType<typeof recordGets>;
const large = randomBytes(300 * 1024 + 17);
const small = randomBytes(1000);

beforeAll(async () => {
  bucket = await tempBucket('read-all');
  const client = rawClient();
  storage = createStorage(s3({ bucket: bucket.name, client }));
  await storage.put('large.bin', large, {
    contentType: 'application/x-test',
    metadata: { origin: 'read-all' },
  });
  await storage.put('small.bin', small);
  await storage.put('empty.bin', new Uint8Array(0));
  gets = recordGets(client);
});
afterAll(async () => {
  await storage?.close();
  await bucket?.remove();
});

async function streamed(body: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('get() with readAll: one request', () => {
  it('getBytes() of a 300 KiB object sends one GetObject without a Range', async () => {
    gets.length = 0;
    expect(Buffer.from(await storage.getBytes('large.bin')).equals(large)).toBe(true);
    expect(gets).toEqual([{ range: undefined, ifMatch: undefined }]);
  });

  it('a streamed body is the whole object, with the same info as head()', async () => {
    gets.length = 0;
    const object = await storage.get('large.bin', { readAll: true });
    const head = await storage.head('large.bin');
    expect((await streamed(object.body())).equals(large)).toBe(true);
    expect(gets).toEqual([{ range: undefined, ifMatch: undefined }]);
    expect({ ...object, body: 0, bytes: 0, text: 0, json: 0 }).toEqual({
      ...head,
      body: 0,
      bytes: 0,
      text: 0,
      json: 0,
    });
    expect(object.metadata).toEqual({ origin: 'read-all' });
    expect(object.contentType).toBe('application/x-test');
  });

  it('small and empty objects, text included', async () => {
    gets.length = 0;
    expect(Buffer.from(await storage.getBytes('small.bin')).equals(small)).toBe(true);
    expect(await storage.getText('empty.bin')).toBe('');
    const empty = await storage.get('empty.bin', { readAll: true });
    expect(empty.size).toBe(0);
    expect(await empty.bytes()).toHaveLength(0);
    expect(gets).toEqual([
      { range: undefined, ifMatch: undefined },
      { range: undefined, ifMatch: undefined },
      { range: undefined, ifMatch: undefined },
    ]);
  });

  it.each<[{ offset: number; length?: number }, string]>([
    [{ offset: 70_000, length: 100_000 }, 'bytes=70000-169999'],
    [{ offset: 100 }, 'bytes=100-'],
    [{ offset: large.length - 5, length: 50 }, `bytes=${large.length - 5}-${large.length + 44}`],
  ])('range %j is asked for in one request (%s)', async (range, header) => {
    gets.length = 0;
    const object = await storage.get('large.bin', { range, readAll: true });
    const end = Math.min(large.length, range.offset + (range.length ?? large.length));
    expect((await streamed(object.body())).equals(large.subarray(range.offset, end))).toBe(true);
    expect(object.range).toEqual({ offset: range.offset, length: end - range.offset });
    expect(object.size).toBe(large.length);
    expect(gets).toEqual([{ range: header, ifMatch: undefined }]);
  });

  it('a range of an empty object from 0 is empty, as without readAll', async () => {
    const object = await storage.get('empty.bin', { range: { offset: 0 }, readAll: true });
    expect(await object.bytes()).toHaveLength(0);
  });

  it('without readAll, a large object still comes in two requests (nothing held unread)', async () => {
    gets.length = 0;
    const object = await storage.get('large.bin');
    expect(gets).toHaveLength(1);
    expect(gets[0]?.range).toBe('bytes=0-65535');
    expect(Buffer.from(await object.bytes()).equals(large)).toBe(true);
    expect(gets).toHaveLength(2);
  });
});

describe('readAll on the driver-built client (direct requests)', () => {
  it('reads large, small and ranged objects exactly', async () => {
    const own = await tempBucket('read-all-direct');
    const direct = createStorage(s3(driverOptions(own.name)));
    try {
      await direct.put('large.bin', large);
      await direct.put('small.bin', small);
      for (let i = 0; i < 2; i++) {
        expect(Buffer.from(await direct.getBytes('large.bin')).equals(large)).toBe(true);
        expect(Buffer.from(await direct.getBytes('small.bin')).equals(small)).toBe(true);
        const object = await direct.get('large.bin', { readAll: true });
        expect((await streamed(object.body())).equals(large)).toBe(true);
        const part = await direct.get('large.bin', {
          range: { offset: 1, length: 200_000 },
          readAll: true,
        });
        expect(Buffer.from(await part.bytes()).equals(large.subarray(1, 200_001))).toBe(true);
      }
    } finally {
      await direct.close();
      await own.remove();
    }
  });
});
