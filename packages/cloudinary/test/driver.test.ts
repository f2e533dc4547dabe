import type http from 'node:http';
import { inspect } from 'node:util';
import { CloudinaryApiError, type CloudinaryOptions } from '@stowage/cloudinary';
import { type CloudinaryEmulator, startCloudinaryEmulator } from '@stowage/cloudinary/emulator';
import type { Storage } from '@stowage/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  apiOptions,
  emulatorStorage,
  fetchBytes,
  newAgent,
  PNG,
  cloudinary as sdk,
  storageError,
  untyped,
  uploadBuffer,
  urlOptions,
} from './emulator-helpers.js';

/** The smallest thing the emulator (like Cloudinary) takes for a JPEG. */
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]);

let emu: CloudinaryEmulator;
let agent: http.Agent;
let storage: Storage;
const api = () => apiOptions(emu, agent);

/** A storage on the emulator with these options on top. */
const storageWith = (options: Partial<CloudinaryOptions> = {}): Storage =>
  emulatorStorage(emu, options);
const failure = storageError;

/** The asset the raw SDK sees, or undefined. */
async function asset(publicId: string, resourceType: 'image' | 'raw' | 'video' = 'image') {
  try {
    return await sdk.api.resource(publicId, { ...api(), resource_type: resourceType });
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  emu = await startCloudinaryEmulator({ cloudName: 'stowage-driver' });
  agent = newAgent();
  storage = storageWith();
});
afterAll(async () => {
  await storage.close();
  agent.destroy();
  await emu.close();
});
beforeEach(() => emu.reset());

describe('images and videos', () => {
  it('stores images as image assets named without the extension', async () => {
    const info = await storage.put('tickets/qr_codes/E1/ticket_T1.png', PNG);
    expect(info).toMatchObject({
      size: PNG.length,
      contentType: 'image/png',
      visibility: 'public',
    });
    const stored = await asset('tickets/qr_codes/E1/ticket_T1');
    expect(stored).toMatchObject({ format: 'png', context: { custom: { _ext: 'png' } } });
    const url = storage.url('tickets/qr_codes/E1/ticket_T1.png');
    expect(url).toBe(`${emu.url}/stowage-driver/image/upload/v1/tickets/qr_codes/E1/ticket_T1.png`);
    expect((await fetchBytes(url)).body.equals(PNG)).toBe(true);
    expect(
      Buffer.from(await storage.getBytes('tickets/qr_codes/E1/ticket_T1.png')).equals(PNG),
    ).toBe(true);
  });

  it('reads, lists and deletes assets other tools uploaded (Django-style public ids)', async () => {
    await uploadBuffer(PNG, { ...api(), public_id: 'tickets/qr_codes/E1/ticket_T1' });
    await uploadBuffer(Buffer.from('%PDF-1.4 ticket'), {
      ...api(),
      public_id: 'tickets/pdf/E1/ticket_T1',
    });
    const key = 'tickets/qr_codes/E1/ticket_T1.png';
    expect(await storage.head(key)).toMatchObject({ size: PNG.length, contentType: 'image/png' });
    expect(Buffer.from(await storage.getBytes(key)).equals(PNG)).toBe(true);
    expect(await storage.getText('tickets/pdf/E1/ticket_T1.pdf')).toBe('%PDF-1.4 ticket');
    const listed = await storage.list({ prefix: 'tickets/' });
    expect(listed.objects.map((o) => o.key)).toEqual([
      'tickets/pdf/E1/ticket_T1.pdf',
      'tickets/qr_codes/E1/ticket_T1.png',
    ]);
    expect(await storage.exists('tickets/qr_codes/E1/ticket_T1.jpg')).toBe(false);
    await storage.delete('tickets/qr_codes/E1/ticket_T1.jpg');
    expect(await storage.exists(key)).toBe(true);
    await storage.delete(key);
    expect(await asset('tickets/qr_codes/E1/ticket_T1')).toBeUndefined();
  });

  it('refuses a key that differs from a stored one only in the extension', async () => {
    await storage.put('a/x.png', PNG);
    for (const onConflict of ['overwrite', 'fail'] as const) {
      const error = await failure(() => storage.put('a/x.jpg', JPEG, { onConflict }));
      expect(error.code).toBe('ALREADY_EXISTS');
      expect(error.message).toContain('"a/x.png"');
    }
    expect((await failure(() => storage.copy('a/x.png', 'a/x.gif'))).code).toBe('ALREADY_EXISTS');
    expect(await storage.exists('a/x.jpg')).toBe(false);
    await storage.delete('a/x.jpg');
    await storage.deleteMany(['a/x.jpg', 'a/x.gif']);
    expect(await storage.exists('a/x.png')).toBe(true);
    // The key's own image can be replaced.
    const second = Buffer.concat([PNG, Buffer.from('more')]);
    await storage.put('a/x.png', second);
    expect((await storage.head('a/x.png')).size).toBe(second.length);
  });

  it('keeps content Cloudinary refuses as an image in a raw asset under the whole key', async () => {
    await storage.put('n/notes.png', 'not an image');
    expect(await asset('n/notes.png', 'raw')).toMatchObject({ bytes: 12 });
    expect(await storage.head('n/notes.png')).toMatchObject({ contentType: 'image/png', size: 12 });
    expect(await storage.getText('n/notes.png')).toBe('not an image');
    // An image replaces it, and reads find the image first.
    await storage.put('n/notes.png', PNG);
    expect(Buffer.from(await storage.getBytes('n/notes.png')).equals(PNG)).toBe(true);
    expect((await storage.list({ prefix: 'n/' })).objects.map((o) => o.key)).toEqual([
      'n/notes.png',
    ]);
    // Text again: the image this key owned goes.
    await storage.put('n/notes.png', 'text again');
    expect(await asset('n/notes')).toBeUndefined();
    expect(await storage.getText('n/notes.png')).toBe('text again');
    await storage.delete('n/notes.png');
    expect(await asset('n/notes.png', 'raw')).toBeUndefined();
    expect(await storage.exists('n/notes.png')).toBe(false);
  });

  it('keeps the original bytes when the content is another format than the extension', async () => {
    await storage.put('p/photo.png', JPEG);
    expect(await asset('p/photo')).toMatchObject({ format: 'jpg' });
    expect(Buffer.from(await storage.getBytes('p/photo.png')).equals(JPEG)).toBe(true);
    expect((await storage.list({ prefix: 'p/' })).objects.map((o) => o.key)).toEqual([
      'p/photo.png',
    ]);
  });

  it('renames within a resource type and copies across types', async () => {
    await storage.put('m/a.png', PNG, { metadata: { owner: 'ada' } });
    const moved = await storage.move('m/a.png', 'm/b.PNG');
    expect(moved).toMatchObject({ key: 'm/b.PNG', metadata: { owner: 'ada' } });
    expect(await asset('m/b')).toMatchObject({
      context: { custom: { _ext: 'PNG', owner: 'ada' } },
    });
    expect((await storage.list({ prefix: 'm/' })).objects.map((o) => o.key)).toEqual(['m/b.PNG']);
    await storage.move('m/b.PNG', 'm/c.bin');
    expect(await asset('m/b')).toBeUndefined();
    expect(await storage.head('m/c.bin')).toMatchObject({
      contentType: 'image/png',
      size: PNG.length,
    });
    expect(Buffer.from(await storage.getBytes('m/c.bin')).equals(PNG)).toBe(true);
  });

  it('uploads videos as video assets', async () => {
    const mp4 = Buffer.concat([
      Buffer.from([0, 0, 0, 0x18]),
      Buffer.from('ftypmp42'),
      Buffer.alloc(16),
    ]);
    await storage.put('v/clip.mp4', mp4);
    expect(await asset('v/clip', 'video')).toMatchObject({ format: 'mp4', bytes: mp4.length });
    expect(storage.url('v/clip.mp4')).toBe(`${emu.url}/stowage-driver/video/upload/v1/v/clip.mp4`);
  });
});

describe('errors', () => {
  it('a wrong secret is UNAUTHENTICATED, and no error carries the secret', async () => {
    const wrong = 'wrong-secret-0123456789';
    const bad = storageWith({ apiSecret: wrong });
    await storage.put('s/a.txt', 'a');
    const errors = [
      await failure(() => bad.put('s/b.txt', 'b')),
      await failure(() => bad.head('s/a.txt')),
      await failure(() => bad.list({ prefix: 's/' })),
      await failure(() => bad.deletePrefix('s/')),
    ];
    for (const error of errors) {
      expect(error.code).toBe('UNAUTHENTICATED');
      expect(error.cause).toBeInstanceOf(CloudinaryApiError);
      for (const text of [
        JSON.stringify(error),
        inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
        String(error.stack),
      ]) {
        expect(text).not.toContain(wrong);
        expect(text).not.toContain(`${emu.apiKey}:`);
        expect(text).not.toContain(emu.apiSecret);
      }
    }
    await bad.close();
  });

  it('maps 420 and 429 to RATE_LIMITED with retryAfter from the headers', async () => {
    emu.failNext({ status: 420, api: 'admin', resetIn: 120 });
    const limited = await failure(() => storage.list({ prefix: 'x/' }));
    expect(limited).toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
      status: 420,
      operation: 'list',
    });
    expect(limited.retryAfter!.getTime()).toBeGreaterThan(Date.now() + 100_000);
    expect(limited.retryAfter!.getTime()).toBeLessThan(Date.now() + 125_000);

    emu.failNext({ status: 429, api: 'upload', resetIn: 30 });
    const upload = await failure(() => storage.put('x/a.txt', 'a'));
    expect(upload).toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
      status: 429,
      operation: 'put',
    });
    expect(upload.retryAfter!.getTime()).toBeGreaterThan(Date.now() + 20_000);
    expect(upload.retryAfter!.getTime()).toBeLessThan(Date.now() + 35_000);
  });

  it('head, exists and get fall back to the delivery URL when the Admin API is rate limited', async () => {
    await storage.put('f/a.txt', 'hello', { metadata: { owner: 'ada' } });
    await storage.put('f/b.png', PNG);
    emu.failNext({ status: 420, api: 'admin', count: 20 });
    expect(await storage.head('f/a.txt')).toMatchObject({ size: 5, metadata: {} });
    expect(await storage.exists('f/b.png')).toBe(true);
    expect(await storage.exists('f/b.jpg')).toBe(false);
    expect(await storage.exists('f/missing.txt')).toBe(false);
    expect(await storage.getText('f/a.txt')).toBe('hello');
    const part = await storage.get('f/a.txt', { range: { offset: 1, length: 3 } });
    expect(await part.text()).toBe('ell');

    const strict = storageWith({ deliveryFallback: false });
    emu.failNext({ status: 429, api: 'admin' });
    expect((await failure(() => strict.head('f/a.txt'))).code).toBe('RATE_LIMITED');
    await strict.close();
  });

  it('retries an Admin API read once after a server error', async () => {
    await storage.put('r/a.txt', 'a');
    emu.failNext({ status: 500, api: 'admin' });
    expect((await storage.head('r/a.txt')).size).toBe(1);
    emu.failNext({ status: 500, api: 'admin', count: 2 });
    expect(await failure(() => storage.head('r/a.txt'))).toMatchObject({
      code: 'UNKNOWN',
      status: 500,
      retryable: true,
    });
  });

  it('a server that does not answer is NETWORK', async () => {
    const offline = storageWith({
      uploadPrefix: 'http://127.0.0.1:9',
      deliveryUrl: 'http://127.0.0.1:9',
    });
    for (const run of [() => offline.put('a.txt', 'a'), () => offline.head('a.txt')]) {
      expect(await failure(run)).toMatchObject({ code: 'NETWORK', retryable: true });
    }
    await offline.close();
  });

  it('with escapeKeys false, refuses what Cloudinary refuses before any request', async () => {
    const strict = storageWith({ escapeKeys: false });
    const before = emu.requests.length;
    const error = await failure(() => strict.put('q/a?b.txt', 'x'));
    expect(error).toMatchObject({ code: 'INVALID_KEY', operation: 'put', key: 'q/a?b.txt' });
    expect(error.message).toContain('"?"');
    expect((await failure(() => strict.head('q/50%.txt'))).code).toBe('INVALID_KEY');
    expect(emu.requests.length).toBe(before);
    await strict.close();
  });
});

describe('URLs', () => {
  it('serves transformation URLs', async () => {
    await storage.put('img/pixel.png', PNG);
    const url = storage.url('img/pixel.png', {
      transform: {
        width: 200,
        height: 200,
        crop: 'fill',
        quality: 'auto',
        format: 'auto',
        gravity: 'auto',
      },
    });
    expect(url).toBe(
      `${emu.url}/stowage-driver/image/upload/c_fill,f_auto,g_auto,h_200,q_auto,w_200/v1/img/pixel.png`,
    );
    const served = await fetchBytes(url);
    expect(served.status).toBe(200);
    expect(served.headers.get('x-emulator-transformation')).toBe(
      'c_fill,f_auto,g_auto,h_200,q_auto,w_200',
    );
    expect(
      (await failure(async () => storage.url('a.txt', { transform: { width: 10 } }))).code,
    ).toBe('UNSUPPORTED');
    expect(
      (await failure(async () => storage.url('a.png', { transform: { width: -1 } }))).code,
    ).toBe('INVALID_INPUT');
  });

  it('builds the same delivery URLs as cloudinary.url()', async () => {
    const { deliveryUrl } = await import('../src/delivery-url.js');
    const config = { baseUrl: emu.url, cloudName: emu.cloudName, apiSecret: emu.apiSecret };
    const ids = ['pixel', 'a/b', 'dossier été/mon fichier (1)', "q~3Fa=1~26b'(x)", 'x:y/z'];
    for (const publicId of ids) {
      for (const [resourceType, format] of [
        ['image', 'png'],
        ['raw', undefined],
      ] as const) {
        for (const type of ['upload', 'authenticated'] as const) {
          const sign = type === 'authenticated';
          for (const version of [undefined, 1712345678]) {
            for (const transformation of [undefined, 'w_200,c_fill']) {
              const ours = deliveryUrl(config, {
                resourceType,
                type,
                publicId,
                format,
                version,
                transformation,
                sign,
              });
              const theirs = sdk.url(publicId, {
                ...urlOptions(emu),
                resource_type: resourceType,
                type,
                sign_url: sign,
                ...(format ? { format } : {}),
                ...(version ? { version } : {}),
                ...(transformation ? { raw_transformation: transformation } : {}),
              });
              expect(ours).toBe(theirs);
            }
          }
        }
      }
    }
  });

  it('signs expiring URLs for private assets', async () => {
    const secret = storageWith({ deliveryType: 'private' });
    await secret.put('docs/a.txt', 'private text');
    expect(await asset('docs/a.txt', 'raw')).toBeUndefined(); // not an upload-type asset
    const url = await secret.signedUrl('docs/a.txt', { expiresIn: 60 });
    expect(url).toMatch(/\/v1_1\/stowage-driver\/raw\/download\?/);
    const ok = await fetchBytes(url);
    expect(ok.status).toBe(200);
    expect(ok.body.toString()).toBe('private text');
    const tampered = url.replace(
      /signature=([0-9a-f])/,
      (_m, c: string) => `signature=${c === 'a' ? 'b' : 'a'}`,
    );
    expect((await fetchBytes(tampered)).status).toBe(401);
    const later = url.replace(
      /expires_at=(\d+)/,
      (_m, t: string) => `expires_at=${Number(t) + 3600}`,
    );
    expect((await fetchBytes(later)).status).toBe(401);
    // No unsigned way in.
    const plain = `${emu.url}/stowage-driver/raw/private/docs/a.txt`;
    expect((await fetchBytes(plain)).status).toBe(401);
    const download = await fetchBytes(
      await secret.signedUrl('docs/a.txt', { expiresIn: 60, contentDisposition: 'attachment' }),
    );
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="a.txt"/);
    expect(
      (
        await failure(() =>
          secret.signedUrl('docs/a.txt', { expiresIn: 60, contentType: 'text/html' }),
        )
      ).code,
    ).toBe('UNSUPPORTED');
    const expiring = await secret.signedUrl('docs/a.txt', { expiresIn: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await fetchBytes(expiring)).status).toBe(401);
    await secret.close();
  });

  it('signs direct uploads of images, valid at most an hour', async () => {
    const upload = await storage.signedUpload('direct/pic.png', { expiresIn: 7200 });
    expect(upload.url).toBe(`${emu.url}/v1_1/stowage-driver/image/upload`);
    expect(upload.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 3600_000);
    expect(upload.expiresAt.getTime()).toBeGreaterThan(Date.now() + 3590_000);
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append('file', new Blob([PNG], { type: 'image/png' }), 'pic.png');
    const response = await fetch(upload.url, { method: 'POST', body: form });
    expect(response.status).toBe(200);
    expect(await storage.head('direct/pic.png')).toMatchObject({
      size: PNG.length,
      contentType: 'image/png',
    });
    expect(await asset('direct/pic')).toMatchObject({ context: { custom: { _ext: 'png' } } });
  });

  it('destroys through the SDK the way the driver expects', async () => {
    await storage.put('d/a.txt', 'a');
    expect(
      await sdk.uploader.destroy('d/a.txt', untyped({ ...api(), resource_type: 'raw' })),
    ).toEqual({
      result: 'ok',
    });
    expect(await storage.exists('d/a.txt')).toBe(false);
  });
});
