import { createStorage, memory, type Storage } from '@stowage/core';
import { createUploadHandler } from '@stowage/core/http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SignedParams, signedUrlFor } from '../src/signing.js';
import { route, startServer, type TestServer } from './http-test-server.js';

const SECRET = 'upload-secret';
const ORIGIN = 'https://app.example';
const MAX = 1000;

let storage: Storage;
let server: TestServer;

const inOneMinute = () => Math.floor(Date.now() / 1000) + 60;
const uploadUrl = (
  key: string,
  extra: Partial<SignedParams> = {},
  secret = SECRET,
  base = '/uploads',
) =>
  signedUrlFor(
    `${server.origin}${base}`,
    { method: 'PUT', key, expires: inOneMinute(), ...extra },
    secret,
  );

async function storedKeys(): Promise<string[]> {
  return (await storage.list()).objects.map((o) => o.key);
}

/** A body streamed in chunks, so fetch sends it without Content-Length. */
function chunked(chunks: number, size: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent++ >= chunks) return controller.close();
      controller.enqueue(new Uint8Array(size).fill(97));
    },
  });
}

beforeAll(async () => {
  storage = createStorage(memory());
  server = await startServer(
    route({
      '/uploads': createUploadHandler(storage, {
        basePath: '/uploads',
        signingSecret: SECRET,
        maxSize: MAX,
        allowOrigin: ORIGIN,
        putOptions: { visibility: 'public' },
      }),
      '/closed': createUploadHandler(storage, {
        basePath: '/closed',
        signingSecret: SECRET,
        maxSize: MAX,
      }),
    }),
  );
});

afterAll(async () => {
  await server.close();
});

beforeEach(async () => {
  await storage.deleteMany(await storedKeys());
});

describe('createUploadHandler', () => {
  it('stores the body of a valid signed PUT and answers 201 with its info', async () => {
    const res = await fetch(uploadUrl('docs/été 1.txt', { uploadContentType: 'text/plain' }), {
      method: 'PUT',
      headers: { 'Content-Type': 'text/plain' },
      body: 'hello upload',
    });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({ key: 'docs/été 1.txt', size: 12, contentType: 'text/plain' });
    expect(body.etag).toMatch(/^"/);
    expect(await storage.getText('docs/été 1.txt')).toBe('hello upload');
    expect((await storage.head('docs/été 1.txt')).visibility).toBe('public');
    expect(res.headers.get('access-control-allow-origin')).toBeNull(); // no Origin sent
  });

  it('stores a streamed body without Content-Length within the limit', async () => {
    const res = await fetch(uploadUrl('stream.bin'), {
      method: 'PUT',
      body: chunked(4, 200),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(201);
    expect((await storage.head('stream.bin')).size).toBe(800);
  });

  it('refuses a bad, missing, expired or GET signature with 403', async () => {
    const good = new URL(uploadUrl('a.txt'));
    const tampered = new URL(good);
    tampered.pathname = '/uploads/b.txt';
    const cases = [
      { url: tampered.href, message: /invalid signature/ },
      { url: uploadUrl('a.txt', {}, 'wrong-secret'), message: /invalid signature/ },
      { url: `${server.origin}/uploads/a.txt`, message: /signed URL/ },
      {
        url: uploadUrl('a.txt', { expires: Math.floor(Date.now() / 1000) - 5 }),
        message: /expired/,
      },
      { url: uploadUrl('a.txt', { method: 'GET' }), message: /invalid signature/ },
      // Only the canonical spelling: a padded signature, a size limit written with a leading zero.
      { url: `${good.href}=`, message: /invalid signature/ },
      {
        url: uploadUrl('a.txt', { maxSize: 500 }).replace('max=500', 'max=0500'),
        message: /invalid signature/,
      },
    ];
    for (const { url, message } of cases) {
      const res = await fetch(url, { method: 'PUT', body: 'x' });
      expect(res.status, url).toBe(403);
      const { error } = await res.json();
      expect(error.message).toMatch(message);
    }
    expect(await storedKeys()).toEqual([]);
  });

  it('refuses a body over the limit by Content-Length and stores nothing', async () => {
    const res = await fetch(uploadUrl('big.bin'), { method: 'PUT', body: new Uint8Array(MAX + 1) });
    expect(res.status).toBe(413);
    expect((await res.json()).error).toEqual({
      code: 'TOO_LARGE',
      message: 'The upload is larger than 1000 bytes.',
    });
    expect(await storedKeys()).toEqual([]);
  });

  it('applies a lower signed max', async () => {
    const res = await fetch(uploadUrl('small.bin', { maxSize: 10 }), {
      method: 'PUT',
      body: new Uint8Array(11),
    });
    expect(res.status).toBe(413);
    const ok = await fetch(uploadUrl('small.bin', { maxSize: 10 }), {
      method: 'PUT',
      body: new Uint8Array(10),
    });
    expect(ok.status).toBe(201);
  });

  it('aborts a streamed body that goes over the limit and stores nothing', async () => {
    const res = await fetch(uploadUrl('chunked.bin'), {
      method: 'PUT',
      body: chunked(10, 300),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await storedKeys()).toEqual([]);
    // The connection and the server are still fine afterwards.
    const next = await fetch(uploadUrl('after.txt'), { method: 'PUT', body: 'ok' });
    expect(next.status).toBe(201);
  });

  it('stops reading a huge streamed body soon after refusing it, and still answers 413', async () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 256 * 1024 * 1024) return controller.close();
        controller.enqueue(new Uint8Array(64 * 1024));
        sent += 64 * 1024;
      },
    });
    const res = await fetch(uploadUrl('huge.bin'), {
      method: 'PUT',
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    // The rest is drained only briefly (so the client reads the 413), then the connection is closed.
    expect(sent).toBeLessThan(32 * 1024 * 1024);
    expect(await storedKeys()).toEqual([]);
  });

  it('refuses a content type other than the signed one', async () => {
    const url = uploadUrl('pic.png', { uploadContentType: 'image/png' });
    const wrong = await fetch(url, {
      method: 'PUT',
      headers: { 'Content-Type': 'text/html' },
      body: '<script>',
    });
    expect(wrong.status).toBe(415);
    const missing = await fetch(url, { method: 'PUT', body: new Uint8Array(4) });
    expect(missing.status).toBe(415);
    expect(await storedKeys()).toEqual([]);
    const right = await fetch(url, {
      method: 'PUT',
      headers: { 'Content-Type': 'image/png' },
      body: new Uint8Array(4),
    });
    expect(right.status).toBe(201);
    expect((await storage.head('pic.png')).contentType).toBe('image/png');
  });

  it('answers a CORS preflight for PUT from an allowed origin', async () => {
    const res = await fetch(`${server.origin}/uploads/pic.png`, {
      method: 'OPTIONS',
      headers: {
        Origin: ORIGIN,
        'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-allow-methods')).toBe('PUT');
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type');
    const other = await fetch(`${server.origin}/uploads/pic.png`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'PUT' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const put = await fetch(uploadUrl('cors.txt'), {
      method: 'PUT',
      headers: { Origin: ORIGIN },
      body: 'x',
    });
    expect(put.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  it('answers 405 to OPTIONS without allowOrigin, and to other methods', async () => {
    const res = await fetch(`${server.origin}/closed/a.txt`, { method: 'OPTIONS' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('PUT');
    expect((await fetch(uploadUrl('a.txt', {}, SECRET, '/closed'))).status).toBe(405);
  });

  it('answers 400 for an invalid key', async () => {
    const res = await fetch(`${server.origin}/uploads/a%2F..%2Fb?expires=1&sig=x`, {
      method: 'PUT',
      body: 'x',
    });
    expect(res.status).toBe(400);
  });
});
