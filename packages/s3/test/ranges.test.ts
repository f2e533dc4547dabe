import { once } from 'node:events';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createStorage, isStorageError, type Storage, type StorageError } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3 } from '../src/index.js';
import { driverOptions, server, tempBucket } from './helpers.js';

/**
 * A proxy in front of the gateway that answers ranged GETs wrongly: `ignore` sends the whole
 * object with 200 (as s3rver does), `shift` sends the range one byte later than asked. The Range
 * header is signed, so the proxy reads the object with its own client instead of editing it.
 * `chunked` passes ranged GETs through and answers plain ones without a Content-Length (chunked,
 * as a proxy that recompresses might).
 */
class RangeBreakingProxy {
  mode: 'ignore' | 'shift' | 'chunked' = 'ignore';
  readonly server: Server;

  constructor(
    private readonly target: URL,
    private readonly client: S3Client,
  ) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
  }

  async listen(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): void {
    this.server.closeAllConnections();
    this.server.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const range = req.headers.range;
    if (this.mode === 'chunked' && req.method === 'GET' && !range && !req.url?.includes('?')) {
      const [, bucket, ...rest] = new URL(req.url ?? '/', 'http://x').pathname.split('/');
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: decodeURIComponent(bucket ?? ''),
          Key: rest.map(decodeURIComponent).join('/'),
        }),
      );
      res.writeHead(200, {
        'content-type': out.ContentType ?? 'application/octet-stream',
        ...(out.ETag ? { etag: out.ETag } : {}),
      });
      (out.Body as Readable).pipe(res);
      return;
    }
    if (req.method === 'GET' && range && this.mode !== 'chunked') {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const [, bucket, ...rest] = path.split('/');
      const key = rest.map(decodeURIComponent).join('/');
      const asked = /^bytes=(\d+)-(\d*)$/.exec(range);
      const shifted =
        this.mode === 'shift' && asked
          ? `bytes=${Number(asked[1]) + 1}-${asked[2] === '' ? '' : Number(asked[2]) + 1}`
          : undefined;
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: decodeURIComponent(bucket ?? ''),
          Key: key,
          ...(shifted ? { Range: shifted } : {}),
        }),
      );
      res.writeHead(shifted ? 206 : 200, {
        'content-length': String(out.ContentLength ?? 0),
        'content-type': out.ContentType ?? 'application/octet-stream',
        ...(out.ETag ? { etag: out.ETag } : {}),
        ...(out.ContentRange ? { 'content-range': out.ContentRange } : {}),
        ...(out.LastModified ? { 'last-modified': out.LastModified.toUTCString() } : {}),
      });
      (out.Body as Readable).pipe(res);
      return;
    }
    const upstream = httpRequest({
      host: this.target.hostname,
      port: this.target.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    });
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }
}

function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + (i >> 8)) & 0xff;
  return bytes;
}

async function failure(promise: Promise<unknown>): Promise<StorageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isStorageError(error), String(error)).toBe(true);
  return error as StorageError;
}

let bucket: Awaited<ReturnType<typeof tempBucket>>;
let proxy: RangeBreakingProxy;
let storage: Storage;
const small = pattern(1000);
const large = pattern(300 * 1024);

beforeAll(async () => {
  bucket = await tempBucket('range');
  proxy = new RangeBreakingProxy(new URL(server().endpoint), bucket.client);
  const endpoint = await proxy.listen();
  storage = createStorage(s3(driverOptions(bucket.name, { endpoint })));
  await storage.put('small.bin', small);
  await storage.put('large.bin', large);
});
afterAll(async () => {
  await storage?.close();
  proxy?.close();
  await bucket?.remove();
});

describe('a server that ignores Range', () => {
  it.each([
    ['small.bin', 0, 1],
    ['small.bin', 10, 20],
    ['small.bin', 990, undefined],
    ['small.bin', 995, 100],
    ['large.bin', 100_000, 50],
    ['large.bin', 1, 200_000],
    ['large.bin', 300 * 1024 - 5, undefined],
  ])('%s from %i, length %s: the caller gets exactly the range', async (key, offset, length) => {
    proxy.mode = 'ignore';
    const data = key === 'small.bin' ? small : large;
    const range = length === undefined ? { offset } : { offset, length };
    const end = length === undefined ? data.length : Math.min(data.length, offset + length);
    const expected = data.slice(offset, end);
    // In parts (a first 64 KiB, the rest when read) and in one request (readAll).
    for (const readAll of [false, true]) {
      const object = await storage.get(key, { range, readAll });
      expect(object.size).toBe(data.length);
      expect(object.range).toEqual({ offset, length: expected.length });
      expect(Buffer.from(await object.bytes()).equals(Buffer.from(expected))).toBe(true);
      // The streamed body too.
      const again = await storage.get(key, { range, readAll });
      const chunks: Uint8Array[] = [];
      for await (const chunk of again.body()) chunks.push(chunk);
      expect(Buffer.concat(chunks).equals(Buffer.from(expected))).toBe(true);
    }
  });

  it('a whole object answered without a Content-Length is read whole all the same', async () => {
    proxy.mode = 'chunked';
    for (const [key, data] of [
      ['small.bin', small],
      ['large.bin', large],
    ] as const) {
      expect(Buffer.from(await storage.getBytes(key)).equals(Buffer.from(data))).toBe(true);
      const object = await storage.get(key, { readAll: true });
      expect(object.size).toBe(data.length);
      const chunks: Uint8Array[] = [];
      for await (const chunk of object.body()) chunks.push(chunk);
      expect(Buffer.concat(chunks).equals(Buffer.from(data))).toBe(true);
    }
  });

  it('a range past the end is still INVALID_INPUT', async () => {
    proxy.mode = 'ignore';
    const error = await failure(storage.get('small.bin', { range: { offset: 1000 } }));
    expect(error.code).toBe('INVALID_INPUT');
  });

  it('a server answering another range than asked fails typed, never hands over wrong bytes', async () => {
    proxy.mode = 'shift';
    for (const [key, readAll] of [
      ['small.bin', false],
      ['large.bin', false],
      ['large.bin', true],
    ] as const) {
      const error = await failure(
        storage.get(key, { range: { offset: 10, length: 20 }, readAll }).then((o) => o.bytes()),
      );
      expect(error.code).toBe('UNKNOWN');
      expect(error.message).toMatch(/range/i);
    }
  });
});

describe('key length with a prefix', () => {
  it('prefix + key over 1024 bytes is INVALID_KEY before any request', async () => {
    // Nothing listens on port 9: a request would fail with NETWORK, not INVALID_KEY.
    const prefixed = createStorage(
      s3(
        driverOptions(bucket.name, {
          endpoint: 'http://127.0.0.1:9',
          prefix: 'site/media',
          clientConfig: { maxAttempts: 1 },
        }),
      ),
    );
    const key = `${'k'.repeat(1010)}.txt`; // 1014 bytes: valid alone, 1025 with the prefix
    try {
      for (const attempt of [
        () => prefixed.put(key, 'x'),
        () => prefixed.get(key),
        () => prefixed.head(key),
        () => prefixed.copy('a.txt', key),
        () => prefixed.signedUrl(key, { expiresIn: 60 }),
        () => prefixed.signedUpload(key, { expiresIn: 60 }),
      ]) {
        const error = await failure(attempt());
        expect(error.code).toBe('INVALID_KEY');
        expect(error.message).toMatch(/1024/);
      }
    } finally {
      await prefixed.close();
    }
  });
});
