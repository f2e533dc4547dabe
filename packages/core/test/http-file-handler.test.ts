import { request as httpRequest } from 'node:http';
import { createStorage, memory, type Storage } from '@stowage/core';
import { createFileHandler, statusForError } from '@stowage/core/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageError } from '../src/errors.js';
import { encodeKeyPath, signedUrlFor } from '../src/signing.js';
import { route, startServer, type TestServer } from './http-test-server.js';

const SECRET = 'test-signing-secret';
const OLD_SECRET = 'previous-signing-secret';
const TEXT = 'Hello, world!';

let storage: Storage;
let server: TestServer;
let media: string;

const inOneMinute = () => Math.floor(Date.now() / 1000) + 60;
const signed = (
  key: string,
  extra: { expires?: number; rcd?: string; rct?: string; secret?: string } = {},
) =>
  signedUrlFor(
    media,
    {
      method: 'GET',
      key,
      expires: extra.expires ?? inOneMinute(),
      responseContentDisposition: extra.rcd,
      responseContentType: extra.rct,
    },
    extra.secret ?? SECRET,
  );

beforeAll(async () => {
  storage = createStorage(memory());
  const pub = { visibility: 'public' } as const;
  await storage.put('hello.txt', TEXT, pub);
  await storage.put('page.html', '<script>alert(document.cookie)</script>', pub);
  await storage.put(
    'logo.svg',
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    pub,
  );
  await storage.put('pixel.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47]), pub);
  await storage.put('dir/été 1.txt', 'unicode', pub);
  await storage.put('own-cache.txt', 'x', {
    ...pub,
    cacheControl: 'public, max-age=31536000, immutable',
  });
  await storage.put('empty.txt', '', pub);
  await storage.put('secret.txt', 'top secret', { visibility: 'private' });
  await storage.put('private/résumé 2.pdf', '%PDF-1.4 private', { visibility: 'private' });
  server = await startServer(
    route({
      '/media': createFileHandler(storage, {
        basePath: '/media',
        signingSecret: [SECRET, OLD_SECRET],
      }),
      '/trusted': createFileHandler(storage, {
        basePath: '/trusted/',
        allowActiveContent: true,
        cacheControl: 'public, max-age=60',
      }),
    }),
  );
  media = `${server.origin}/media`;
});

afterAll(async () => {
  await server.close();
});

describe('createFileHandler: whole objects', () => {
  it('serves a GET with type, length, validators and safe headers', async () => {
    const res = await fetch(`${media}/hello.txt`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(TEXT);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('content-length')).toBe(String(TEXT.length));
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    expect(res.headers.get('last-modified')).toMatch(/GMT$/);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(res.headers.get('content-disposition')).toBeNull();
    expect(res.headers.get('content-security-policy')).toBeNull();
  });

  it('answers HEAD with the headers of a GET and no body', async () => {
    const res = await fetch(`${media}/hello.txt`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(TEXT.length));
    expect(res.headers.get('etag')).toMatch(/^"/);
    expect(await res.text()).toBe('');
  });

  it("prefers the object's own Cache-Control, then the handler's option", async () => {
    const own = await fetch(`${media}/own-cache.txt`);
    expect(own.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const option = await fetch(`${server.origin}/trusted/hello.txt`);
    expect(option.headers.get('cache-control')).toBe('public, max-age=60');
  });

  it('serves an empty object', async () => {
    const res = await fetch(`${media}/empty.txt`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('0');
    expect(await res.text()).toBe('');
  });

  it('answers 404 for a missing object and outside the base path, 405 for other methods', async () => {
    expect((await fetch(`${media}/nope.txt`)).status).toBe(404);
    expect((await fetch(`${media}`)).status).toBe(404);
    const post = await fetch(`${media}/hello.txt`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('createFileHandler: ranges', () => {
  const range = (value: string, headers: Record<string, string> = {}) =>
    fetch(`${media}/hello.txt`, { headers: { Range: value, ...headers } });

  it.each([
    ['bytes=0-4', 'Hello', 'bytes 0-4/13'],
    ['bytes=7-', 'world!', 'bytes 7-12/13'],
    ['bytes=-6', 'world!', 'bytes 7-12/13'],
    ['bytes=7-1000', 'world!', 'bytes 7-12/13'],
    ['bytes=-1000', TEXT, 'bytes 0-12/13'],
    ['bytes=12-12', '!', 'bytes 12-12/13'],
  ])('%s -> 206 %j', async (header, body, contentRange) => {
    const res = await range(header);
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(contentRange);
    expect(res.headers.get('content-length')).toBe(String(body.length));
    expect(await res.text()).toBe(body);
  });

  it.each(['bytes=13-', 'bytes=100-200', 'bytes=-0'])('%s -> 416 with the size', async (header) => {
    const res = await range(header);
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe('bytes */13');
  });

  it.each(['bytes=0-1,3-4', 'bytes=5-2', 'items=0-1', 'bytes=abc'])(
    '%s -> the whole object',
    async (header) => {
      const res = await range(header);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(TEXT);
    },
  );

  it('applies If-Range only while the object is unchanged', async () => {
    const { headers } = await fetch(`${media}/hello.txt`, { method: 'HEAD' });
    const etag = headers.get('etag')!;
    const lastModified = headers.get('last-modified')!;
    expect((await range('bytes=0-4', { 'If-Range': etag })).status).toBe(206);
    expect((await range('bytes=0-4', { 'If-Range': lastModified })).status).toBe(206);
    const stale = await range('bytes=0-4', { 'If-Range': '"something-else"' });
    expect(stale.status).toBe(200);
    expect(await stale.text()).toBe(TEXT);
    expect((await range('bytes=0-4', { 'If-Range': 'Thu, 01 Jan 1970 00:00:00 GMT' })).status).toBe(
      200,
    );
  });

  it('ignores Range on HEAD', async () => {
    const res = await fetch(`${media}/hello.txt`, {
      method: 'HEAD',
      headers: { Range: 'bytes=0-1' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('13');
  });
});

describe('createFileHandler: conditional requests', () => {
  it('answers 304 to a matching If-None-Match (weak or strong) and 200 otherwise', async () => {
    const etag = (await fetch(`${media}/hello.txt`, { method: 'HEAD' })).headers.get('etag')!;
    for (const value of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await fetch(`${media}/hello.txt`, { headers: { 'If-None-Match': value } });
      expect(res.status).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
      expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
      expect(await res.text()).toBe('');
    }
    const changed = await fetch(`${media}/hello.txt`, { headers: { 'If-None-Match': '"other"' } });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toBe(TEXT);
  });

  it('answers 304 by date when not modified since, and 200 when modified since', async () => {
    const lastModified = (await fetch(`${media}/hello.txt`, { method: 'HEAD' })).headers.get(
      'last-modified',
    )!;
    expect(
      (await fetch(`${media}/hello.txt`, { headers: { 'If-Modified-Since': lastModified } }))
        .status,
    ).toBe(304);
    const later = new Date(Date.now() + 3600_000).toUTCString();
    expect(
      (await fetch(`${media}/hello.txt`, { headers: { 'If-Modified-Since': later } })).status,
    ).toBe(304);
    const earlier = new Date(Date.parse(lastModified) - 3600_000).toUTCString();
    const res = await fetch(`${media}/hello.txt`, { headers: { 'If-Modified-Since': earlier } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(TEXT);
  });

  it('lets If-None-Match win over If-Modified-Since', async () => {
    const lastModified = (await fetch(`${media}/hello.txt`, { method: 'HEAD' })).headers.get(
      'last-modified',
    )!;
    const res = await fetch(`${media}/hello.txt`, {
      headers: { 'If-None-Match': '"other"', 'If-Modified-Since': lastModified },
    });
    expect(res.status).toBe(200);
  });

  it('answers 412 when If-Match fails', async () => {
    expect((await fetch(`${media}/hello.txt`, { headers: { 'If-Match': '"other"' } })).status).toBe(
      412,
    );
  });
});

describe('createFileHandler: active content', () => {
  it.each([
    ['page.html', 'text/html; charset=utf-8'],
    ['logo.svg', 'image/svg+xml'],
  ])('serves %s as a sandboxed attachment', async (key, type) => {
    const res = await fetch(`${media}/${key}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    expect(res.headers.get('content-disposition')).toMatch(
      new RegExp(`^attachment; filename="${key}"`),
    );
    expect(res.headers.get('content-security-policy')).toBe('sandbox');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('keeps passive content inline', async () => {
    const res = await fetch(`${media}/pixel.png`);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-disposition')).toBeNull();
    expect(res.headers.get('content-security-policy')).toBeNull();
  });

  it('serves active content inline when the app opts in', async () => {
    const res = await fetch(`${server.origin}/trusted/page.html`);
    expect(res.headers.get('content-disposition')).toBeNull();
    expect(res.headers.get('content-security-policy')).toBeNull();
  });

  it('sandboxes even a signed text/html override', async () => {
    const url = signedUrlFor(
      media,
      { method: 'GET', key: 'hello.txt', expires: inOneMinute(), responseContentType: 'text/html' },
      SECRET,
    );
    const res = await fetch(url);
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(res.headers.get('content-security-policy')).toBe('sandbox');
  });
});

describe('createFileHandler: private objects', () => {
  it('answers an unsigned request for a private object exactly as for a missing one', async () => {
    // Otherwise anyone could probe which private keys exist.
    for (const init of [{}, { method: 'HEAD' }, { headers: { Range: 'bytes=0-2' } }]) {
      const hidden = await fetch(`${media}/secret.txt`, init);
      const missing = await fetch(`${media}/no-such-secret.txt`, init);
      expect(hidden.status).toBe(404);
      expect(missing.status).toBe(404);
      expect(await hidden.text()).toBe(await missing.text());
      expect([...hidden.headers].filter(([name]) => name !== 'date')).toEqual(
        [...missing.headers].filter(([name]) => name !== 'date'),
      );
    }
    const conditional = await fetch(`${media}/secret.txt`, { headers: { 'If-None-Match': '*' } });
    expect(conditional.status).toBe(404);
    // A valid signature for a missing key is still a 404.
    expect((await fetch(signed('no-such-secret.txt'))).status).toBe(404);
  });

  it('serves a private object with a valid signature, not for caches', async () => {
    const res = await fetch(signed('secret.txt'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('top secret');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const part = await fetch(signed('secret.txt'), { headers: { Range: 'bytes=4-' } });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe('secret');
  });

  it('accepts a URL signed with a previous secret (rotation)', async () => {
    expect((await fetch(signed('secret.txt', { secret: OLD_SECRET }))).status).toBe(200);
    expect((await fetch(signed('secret.txt', { secret: 'never-configured' }))).status).toBe(403);
  });

  it('applies the signed Content-Disposition and Content-Type overrides', async () => {
    const res = await fetch(
      signed('secret.txt', { rcd: 'attachment; filename="s.txt"', rct: 'text/csv' }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="s.txt"');
    expect(res.headers.get('content-type')).toBe('text/csv');
  });

  it('refuses a tampered signed URL', async () => {
    const good = new URL(signed('secret.txt', { rcd: 'inline' }));
    const otherKey = new URL(good);
    otherKey.pathname = '/media/hello.txt';
    const otherOverride = new URL(good);
    otherOverride.searchParams.set('rcd', 'attachment');
    const longer = new URL(good);
    longer.searchParams.set('expires', String(Number(good.searchParams.get('expires')) + 3600));
    const badSig = new URL(good);
    badSig.searchParams.set('sig', `${good.searchParams.get('sig')!.slice(0, -2)}AA`);
    for (const url of [otherKey, otherOverride, longer, badSig]) {
      const res = await fetch(url);
      expect(res.status, url.href).toBe(403);
      expect(await res.text()).toMatch(/invalid signature/i);
    }
  });

  it('refuses an empty override added to a URL signed without one (rcd=, rct=, ct=)', async () => {
    // An empty value signs the same bytes as no value, but would still replace the header.
    await storage.put('report.pdf', '%PDF-1.4 r', {
      visibility: 'private',
      contentDisposition: 'attachment; filename="report.pdf"',
    });
    const good = new URL(signed('report.pdf'));
    const plain = await fetch(good);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-disposition')).toBe('attachment; filename="report.pdf"');
    for (const name of ['rcd', 'rct', 'ct']) {
      const url = new URL(good);
      url.searchParams.set(name, '');
      const res = await fetch(url);
      expect(res.status, url.search).toBe(403);
      expect(res.headers.get('content-disposition'), url.search).toBeNull();
    }
  });

  it('accepts only the canonical spelling of a signature and its numbers', async () => {
    const good = new URL(signed('secret.txt', { rcd: 'inline' }));
    expect((await fetch(good)).status).toBe(200);
    const sig = good.searchParams.get('sig')!;
    const expires = good.searchParams.get('expires')!;
    // The last of 43 base64url characters carries 4 bits of the hash and 2 unused ones.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(sig.at(-1)!);
    const otherLow = `${sig.slice(0, -1)}${alphabet[last ^ 1]}`;
    const standard = Buffer.from(sig, 'base64url').toString('base64');
    const spellings: Record<string, string> = {
      padded: `sig=${sig}=`,
      'trailing junk': `sig=${sig}!`,
      'trailing dot': `sig=${sig}.`,
      'inserted space': `sig=${sig.slice(0, 10)}%20${sig.slice(10)}`,
      'standard base64': `sig=${encodeURIComponent(standard)}`,
      'changed unused bits': `sig=${otherLow}`,
      'leading zero in expires': `expires=0${expires}`,
      'plus in expires': `expires=%2B${expires}`,
      'repeated sig': `sig=${sig}&sig=${sig}`,
    };
    expect(standard, 'the hash has a byte base64 and base64url spell apart').not.toBe(sig);
    for (const [name, change] of Object.entries(spellings)) {
      const [param] = change.split('=');
      const url = new URL(good);
      url.searchParams.delete(param!);
      url.search = `${url.search}&${change}`;
      const res = await fetch(url);
      expect(res.status, `${name}: ${url.search}`).toBe(403);
    }
  });

  it('refuses an expired signed URL and says so', async () => {
    const res = await fetch(signed('secret.txt', { expires: Math.floor(Date.now() / 1000) - 1 }));
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/expired/);
  });

  it('refuses a PUT signature for a GET', async () => {
    const url = signedUrlFor(
      media,
      { method: 'PUT', key: 'secret.txt', expires: inOneMinute() },
      SECRET,
    );
    expect((await fetch(url)).status).toBe(403);
  });

  it('refuses signed URLs where no secret is configured', async () => {
    const url = signed('hello.txt').replace('/media/', '/trusted/');
    expect((await fetch(url)).status).toBe(403);
    // Without a secret a private object is never served: it answers as missing.
    expect((await fetch(`${server.origin}/trusted/secret.txt`)).status).toBe(404);
  });
});

describe('createFileHandler: stored headers written by other tools', () => {
  it('serves a file whose stored Content-Type, Content-Disposition and Cache-Control are not ASCII', async () => {
    // put() refuses such values now; a bucket written by another tool may still hold them, and
    // Headers refuses characters above U+00FF (the file answered 500 before).
    const foreign = {
      contentType: 'text/plain; charset=utf-8; x="写"',
      contentDisposition: 'attachment; filename="报告.txt"',
      cacheControl: 'max-age=60, 写',
    };
    const inner = memory();
    const withForeignHeaders = <T extends object>(info: T) => ({ ...info, ...foreign });
    const driver = new Proxy(inner, {
      get(target, name) {
        if (name === 'head')
          return async (key: string) => withForeignHeaders(await target.head(key));
        if (name === 'get') {
          return async (key: string, options: Parameters<typeof target.get>[1]) => {
            const found = await target.get(key, options);
            return { ...found, info: withForeignHeaders(found.info) };
          };
        }
        const value = Reflect.get(target, name, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const foreignStorage = createStorage(driver);
    await foreignStorage.put('report.txt', 'report', { visibility: 'public' });
    const foreignServer = await startServer(
      createFileHandler(foreignStorage, { basePath: '/media' }),
    );
    try {
      const res = await fetch(`${foreignServer.origin}/media/report.txt`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('report');
      expect(res.headers.get('content-type')).toBe('text/plain;charset=utf-8');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="report.txt"/);
      expect(res.headers.get('cache-control')).not.toContain('写');
    } finally {
      await foreignServer.close();
    }
  });
});

describe('createFileHandler: keys in paths', () => {
  it('decodes percent-encoded unicode and spaces', async () => {
    const res = await fetch(`${media}/${encodeKeyPath('dir/été 1.txt')}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('unicode');
    const priv = await fetch(signed('private/résumé 2.pdf'));
    expect(priv.status).toBe(200);
    expect(await priv.text()).toBe('%PDF-1.4 private');
  });

  it.each([
    ['/media/bad%zz.txt', 'invalid percent-encoding'],
    ['/media/half%E2%82.txt', 'invalid percent-encoding'],
    ['/media/a%2F..%2Fhello.txt', '".."'],
    ['/media/a//hello.txt', 'empty segments'],
    ['/media/nul%00.txt', 'control characters'],
    ['/media/back%5Cslash', 'backslash'],
    ['/media/dir/', 'empty segments'],
  ])('answers 400 for %s', async (path, reason) => {
    const res = await fetch(`${server.origin}${path}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain(reason);
  });

  it('never serves what dot segments point at', async () => {
    // Sent raw: fetch would normalise the path before sending it.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${server.origin}/media/%2e%2e/media/secret.txt`, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect([400, 403, 404]).toContain(status);
    expect(status).not.toBe(200);
  });
});

describe('statusForError', () => {
  it.each([
    ['NOT_FOUND', 404],
    ['INVALID_KEY', 400],
    ['INVALID_INPUT', 400],
    ['TOO_LARGE', 413],
    ['PERMISSION_DENIED', 403],
    ['RATE_LIMITED', 503],
    ['UNAUTHENTICATED', 502],
    ['NETWORK', 502],
    ['UNKNOWN', 500],
  ] as const)('%s -> %i', (code, status) => {
    expect(statusForError(new StorageError(code, 'x'))).toBe(status);
  });

  it('answers 500 for anything else', () => {
    expect(statusForError(new Error('boom'))).toBe(500);
  });
});
