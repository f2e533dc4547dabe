import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createStorage,
  type Driver,
  disk,
  isStorageError,
  memory,
  type ObjectInfo,
  type Storage,
} from '@stowage/core';
import { createFileHandler, createUploadHandler, receiveUpload } from '@stowage/core/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { route, startServer, type TestServer } from './http-test-server.js';

/**
 * Stored XSS through a Content-Type list: `image/png, text/html` looks like an image to a naive
 * check, while browsers take the last valid type of the list (WHATWG Fetch, "extract a MIME
 * type") and render HTML on the app's origin.
 */
const SECRET = 'content-type-test-secret';
const HTML = '<script>document.title = "pwned:" + document.cookie</script>';
const LISTS = [
  'image/png, text/html',
  'video/mp4, text/html',
  'font/woff2, text/html',
  'image/png,text/html;charset=utf-8',
];

let root: string;
let storage: Storage;
let server: TestServer;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'stowage-ctype-'));
  storage = createStorage(
    disk({ root, publicBaseUrl: '/media', uploadBaseUrl: '/uploads', signingSecret: SECRET }),
  );
  server = await startServer(
    route({
      '/media': createFileHandler(storage, { basePath: '/media', signingSecret: SECRET }),
      '/uploads': createUploadHandler(storage, {
        basePath: '/uploads',
        signingSecret: SECRET,
        maxSize: 1024 * 1024,
        putOptions: { visibility: 'public' },
      }),
    }),
  );
});

afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

/**
 * What a browser would do with the response must not be "render HTML here": either it is a
 * sandboxed attachment, or its Content-Type is one single type that is not markup.
 */
function expectNotRenderedAsHtml(res: Response): void {
  const type = res.headers.get('content-type') ?? '';
  const sandboxedAttachment =
    /^attachment/.test(res.headers.get('content-disposition') ?? '') &&
    res.headers.get('content-security-policy') === 'sandbox';
  if (sandboxedAttachment) return;
  expect(type, 'an inline response has one single type').not.toContain(',');
  expect(type).not.toMatch(/html|xml|svg|javascript/i);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
}

async function uploadDirect(key: string, contentType: string): Promise<Response> {
  const upload = await storage.signedUpload(key, { expiresIn: 60, maxSize: 1024 });
  return fetch(`${server.origin}${upload.url}`, {
    method: upload.method,
    headers: { ...upload.headers, 'Content-Type': contentType },
    body: HTML,
  });
}

describe('content types sent as a list (stored XSS)', () => {
  it.each(LISTS)('a direct upload sent as %j is never served inline as HTML', async (sent) => {
    for (const key of ['avatars/42.png', 'avatars/43', 'avatars/44.html']) {
      const res = await uploadDirect(key, sent);
      // Refusing the upload is fine; storing it is fine as long as it is served safely.
      if (res.status !== 201) {
        expect(res.status, key).toBeGreaterThanOrEqual(400);
        continue;
      }
      const stored = await storage.head(key);
      expect(stored.contentType, 'what the uploader sent is not the stored type').not.toBe(sent);
      const unsigned = await fetch(`${server.origin}/media/${key}`);
      expect(unsigned.status).toBe(200);
      expectNotRenderedAsHtml(unsigned);
      const signed = await fetch(
        `${server.origin}${await storage.signedUrl(key, { expiresIn: 60 })}`,
      );
      expect(signed.status).toBe(200);
      expectNotRenderedAsHtml(signed);
    }
  });

  it.each(LISTS)('put() refuses contentType %j with INVALID_INPUT', async (type) => {
    const error = await storage
      .put('put/evil.png', HTML, { contentType: type, visibility: 'public' })
      .catch((e: unknown) => e);
    expect(isStorageError(error, 'INVALID_INPUT'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/contentType/);
    expect(await storage.exists('put/evil.png')).toBe(false);
  });

  it('receiveUpload() refuses a content type list given for the stored file', async () => {
    const form = new FormData();
    form.append('file', new Blob([HTML], { type: 'image/png, text/html' }), 'a.png');
    const request = new Request('http://localhost/form', { method: 'POST', body: form });
    const error = await receiveUpload(request, storage, {
      maxSize: 1024,
      key: 'form/evil.png',
      putOptions: { contentType: 'image/png, text/html', visibility: 'public' },
    }).catch((e: unknown) => e);
    expect(isStorageError(error, 'INVALID_INPUT'), String(error)).toBe(true);
    expect(await storage.exists('form/evil.png')).toBe(false);
  });

  it('signedUpload() and signedUrl() refuse a content type list', async () => {
    for (const run of [
      () => storage.signedUpload('x.png', { expiresIn: 60, contentType: 'image/png, text/html' }),
      () => storage.signedUrl('x.png', { expiresIn: 60, contentType: 'image/png, text/html' }),
    ]) {
      const error = await run().catch((e: unknown) => e);
      expect(isStorageError(error, 'INVALID_INPUT'), String(error)).toBe(true);
    }
  });

  it('a signed content type cannot be extended with a list', async () => {
    const upload = await storage.signedUpload('typed.png', {
      expiresIn: 60,
      contentType: 'image/png',
    });
    for (const sent of ['image/png, text/html', 'image/png;x=1, text/html']) {
      const res = await fetch(`${server.origin}${upload.url}`, {
        method: 'PUT',
        headers: { 'Content-Type': sent },
        body: HTML,
      });
      expect(res.status, sent).toBe(415);
    }
    expect(await storage.exists('typed.png')).toBe(false);
  });

  it('a direct upload signed without a type stores the type of its key, not what was sent', async () => {
    const res = await uploadDirect('notes/a.txt', 'text/html');
    expect(res.status).toBe(201);
    expect((await storage.head('notes/a.txt')).contentType).toBe('text/plain; charset=utf-8');
    const served = await fetch(`${server.origin}/media/notes/a.txt`);
    expect(served.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await served.text()).toBe(HTML);
  });
});

describe('content types reported by a driver', () => {
  /** A driver whose backend holds a type list (written by another tool, or before this check). */
  function listReportingDriver(): Driver {
    const inner = memory();
    const listed = (info: ObjectInfo): ObjectInfo => ({
      ...info,
      contentType: 'image/png, text/html',
    });
    return {
      ...inner,
      head: async (key) => listed(await inner.head(key)),
      get: async (key, options) => {
        const found = await inner.get(key, options);
        return { ...found, info: listed(found.info) };
      },
    };
  }

  it('are read as browsers read them, and served as active content', async () => {
    const listing = createStorage(listReportingDriver());
    await listing.put('evil.png', HTML, { visibility: 'public' });
    expect((await listing.head('evil.png')).contentType).toBe('text/html');
    expect((await listing.get('evil.png')).contentType).toBe('text/html');
    const local = await startServer(createFileHandler(listing, { basePath: '/' }));
    try {
      for (const init of [{}, { headers: { Range: 'bytes=0-3' } }, { method: 'HEAD' }]) {
        const res = await fetch(`${local.origin}/evil.png`, init);
        expect(res.status).toBeLessThan(300);
        expect(res.headers.get('content-type')).toBe('text/html');
        expect(res.headers.get('content-disposition')).toMatch(/^attachment/);
        expect(res.headers.get('content-security-policy')).toBe('sandbox');
      }
    } finally {
      await local.close();
    }
  });
});
