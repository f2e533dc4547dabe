import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createStorage,
  type Driver,
  disk,
  isStorageError,
  memory,
  type Storage,
} from '@stowage/core';
import { createFileHandler, toNodeHandler } from '@stowage/core/http';
import { imageTransforms, VARIANTS_PREFIX } from '@stowage/images';
import express from 'express';
import sharp from 'sharp';
import { beforeEach, describe, expect, it } from 'vitest';
import { jpeg, request, SECRET } from './helpers.js';

let storage: Storage;
const transform = { width: 50, crop: 'scale' } as const;

beforeEach(async () => {
  storage = createStorage(memory());
  await storage.put('photo.jpg', await jpeg(300, 200));
});

describe('only signed URLs are served', () => {
  it('refuses a missing, forged or altered signature with 403', async () => {
    const { storage: images, handler } = imageTransforms(storage, {
      basePath: '/img',
      signingSecret: SECRET,
    });
    const url = images.url('photo.jpg', { transform });
    expect((await handler(request(url.replace(/\?s=.*/, '')))).status).toBe(403);
    expect((await handler(request(url.replace('w_50', 'w_5000')))).status).toBe(403);
    expect((await handler(request(url.replace('photo.jpg', 'other.jpg')))).status).toBe(403);
    const other = imageTransforms(storage, { basePath: '/img', signingSecret: `${SECRET}-other` });
    expect((await other.handler(request(url))).status).toBe(403);
    expect((await handler(request(url))).status).toBe(200);
  });

  it('accepts only the canonical spelling of a signature (one URL, one cache key)', async () => {
    const { storage: images, handler } = imageTransforms(storage, {
      basePath: '/img',
      signingSecret: SECRET,
    });
    const url = images.url('photo.jpg', { transform });
    const sig = new URL(url, 'http://x').searchParams.get('s')!;
    // A SHA-256 HMAC in base64url is 43 characters, the last one holding 2 unused bits.
    const last = sig.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sameBits = alphabet[alphabet.indexOf(last) ^ 1]!;
    for (const spelling of [`${sig}=`, `${sig}%20`, `${sig}!`, `${sig.slice(0, -1)}${sameBits}`]) {
      const res = await handler(request(url.replace(`s=${sig}`, `s=${spelling}`)));
      expect(res.status, spelling).toBe(403);
    }
    expect((await handler(request(url))).status).toBe(200);
  });

  it('accepts URLs signed with an older secret while rotating', async () => {
    const old = imageTransforms(storage, {
      basePath: '/img',
      signingSecret: 'old-secret-0123456789',
    });
    const rotated = imageTransforms(storage, {
      basePath: '/img',
      signingSecret: [SECRET, 'old-secret-0123456789'],
    });
    const url = old.storage.url('photo.jpg', { transform });
    expect((await rotated.handler(request(url))).status).toBe(200);
  });

  it('answers 405 to other methods and HEAD with headers only', async () => {
    const { storage: images, handler } = imageTransforms(storage, {
      basePath: '/img',
      signingSecret: SECRET,
    });
    const url = images.url('photo.jpg', { transform });
    expect((await handler(request(url, {}, 'DELETE'))).status).toBe(405);
    const head = await handler(request(url, {}, 'HEAD'));
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });
});

describe('bad originals', () => {
  const images = () => imageTransforms(storage, { basePath: '/img', signingSecret: SECRET });

  it('a missing original is 404', async () => {
    const { storage: s, handler } = images();
    expect((await handler(request(s.url('nothing.jpg', { transform })))).status).toBe(404);
  });

  it('a non-image is 415, an SVG too', async () => {
    await storage.put('notes.txt', 'hello, not a picture');
    await storage.put(
      'logo.svg',
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
    );
    const { storage: s, handler } = images();
    expect((await handler(request(s.url('notes.txt', { transform })))).status).toBe(415);
    expect((await handler(request(s.url('logo.svg', { transform })))).status).toBe(415);
  });

  it('a truncated image is 415, not a 500', async () => {
    const whole = await jpeg(300, 200);
    await storage.put('cut.jpg', whole.subarray(0, whole.length / 2));
    const { storage: s, handler } = images();
    expect((await handler(request(s.url('cut.jpg', { transform })))).status).toBe(415);
  });

  it('an image over the pixel limit is 413 before it is decoded (decompression bombs)', async () => {
    // 10000 x 10000 of one colour: a few KB of PNG, 300 MB once decoded.
    const bomb = await sharp({
      create: { width: 10_000, height: 10_000, channels: 3, background: '#fff' },
    })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(1_000_000);
    await storage.put('bomb.png', bomb);
    const { storage: s, handler } = images();
    const response = await handler(request(s.url('bomb.png', { transform })));
    expect(response.status).toBe(413);
    expect(await response.text()).toContain('10000x10000');
  });

  it('an output over the size limit is 413; so is an original over maxInputBytes', async () => {
    const small = imageTransforms(storage, {
      basePath: '/img',
      signingSecret: SECRET,
      maxOutputPixels: 1000 * 1000,
      maxInputBytes: 1000,
    });
    await storage.put(
      'tiny.png',
      await sharp({ create: { width: 2, height: 2, channels: 3, background: '#000' } })
        .png()
        .toBuffer(),
    );
    const big = small.storage.url('tiny.png', {
      transform: { width: 2000, height: 2000, crop: 'pad' },
    });
    expect((await small.handler(request(big))).status).toBe(413);
    expect(
      (await small.handler(request(small.storage.url('photo.jpg', { transform })))).status,
    ).toBe(413);
  });
});

it('applies EXIF orientation and strips metadata', async () => {
  // Stored 300x100, shown rotated by 90 degrees: 100x300.
  await storage.put('turned.jpg', await jpeg(300, 100, { orientation: 6 }));
  expect((await sharp(await storage.getBytes('turned.jpg')).metadata()).orientation).toBe(6);
  const { storage: s, handler } = imageTransforms(storage, {
    basePath: '/img',
    signingSecret: SECRET,
  });
  const response = await handler(request(s.url('turned.jpg', { transform: { width: 50 } })));
  const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
  expect([meta.width, meta.height]).toEqual([50, 150]);
  expect(meta.orientation).toBeUndefined();
  expect(meta.exif).toBeUndefined();
});

describe('the storage it returns', () => {
  it('keeps url(key) as the storage made it, and checks transforms and keys', () => {
    const { storage: s } = imageTransforms(storage, { basePath: '/img', signingSecret: SECRET });
    expect(() => s.url('photo.jpg')).toThrow(/does not support public URLs/);
    const error = (() => {
      try {
        s.url('photo.jpg', { transform: { width: -1 } });
      } catch (e) {
        return e;
      }
    })();
    expect(isStorageError(error, 'INVALID_INPUT')).toBe(true);
    expect(() => s.url('../x.jpg', { transform })).toThrow(/Invalid key/);
    expect(s.url('dir/Été 1.jpg', { transform })).toMatch(
      /^\/img\/c_scale,w_50\/dir\/%C3%89t%C3%A9%201\.jpg\?s=/,
    );
  });

  it('is the storage itself on a driver with native transforms (Cloudinary)', () => {
    const base = memory();
    const native: Driver = {
      name: 'native',
      capabilities: { ...base.capabilities, transforms: true, publicUrl: true },
      put: (k, b, o) => base.put(k, b, o),
      get: (k, o) => base.get(k, o),
      head: (k) => base.head(k),
      delete: (k) => base.delete(k),
      list: (o) => base.list(o),
      url: (key, o) => `https://cdn.test/${o.transform ? 'w_200/' : ''}${key}`,
    };
    const cdn = createStorage(native);
    const images = imageTransforms(cdn, { basePath: '/img', signingSecret: SECRET });
    expect(images.storage).toBe(cdn);
    expect(images.storage.url('a.jpg', { transform: { width: 200 } })).toBe(
      'https://cdn.test/w_200/a.jpg',
    );
  });

  it('refuses a missing or short signing secret with CONFIG', () => {
    expect(() => imageTransforms(storage, { basePath: '/img', signingSecret: 'short' })).toThrow(
      /signingSecret/,
    );
    expect(() => imageTransforms(storage, { basePath: 'img', signingSecret: SECRET })).toThrow(
      /basePath/,
    );
  });
});

it('serves through Express and toNodeHandler', async () => {
  const { storage: s, handler } = imageTransforms(storage, {
    basePath: '/media/_img',
    signingSecret: SECRET,
  });
  const app = express();
  app.use('/media/_img', toNodeHandler(handler));
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const url = s.url('photo.jpg', {
      transform: { width: 120, height: 80, crop: 'fill', format: 'webp' },
    });
    const response = await fetch(`http://127.0.0.1:${port}${url}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 120, 80]);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

it('serves a private original privately, and keeps its variants private', async () => {
  const files = createStorage(
    disk({ root: mkdtempSync(join(tmpdir(), 'stowage-images-private-')), publicBaseUrl: '/media' }),
  );
  await files.put('secret.jpg', await jpeg(300, 200), { visibility: 'private' });
  const {
    storage: s,
    handler,
    idle,
  } = imageTransforms(files, { basePath: '/img', signingSecret: SECRET });
  const response = await handler(request(s.url('secret.jpg', { transform })));
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
  await idle();
  const [variant] = (await files.list({ prefix: VARIANTS_PREFIX })).objects;
  expect(variant?.visibility).toBe('private');
  // The storage's own file handler does not serve it without a signature (it answers as for a
  // missing key, so that private keys cannot be probed).
  const fileHandler = createFileHandler(files, { basePath: '/media' });
  expect((await fileHandler(request(`/media/${variant!.key}`))).status).toBe(404);
});

it("writes a public original's variants as plain objects, a private one's as private", async () => {
  const files = createStorage(
    disk({ root: mkdtempSync(join(tmpdir(), 'stowage-images-public-')), publicBaseUrl: '/media' }),
  );
  await files.put('open.jpg', await jpeg(300, 200));
  const {
    storage: s,
    handler,
    idle,
  } = imageTransforms(files, {
    basePath: '/img',
    signingSecret: SECRET,
  });
  expect((await handler(request(s.url('open.jpg', { transform })))).status).toBe(200);
  await idle();
  const [variant] = (await files.list({ prefix: VARIANTS_PREFIX })).objects;
  expect((await files.head(variant!.key)).visibility).not.toBe('private');
});
