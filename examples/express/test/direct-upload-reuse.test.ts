// The Express example over HTTP (no browser): a direct-upload URL cannot change an avatar once
// the server has checked it, the upload API names a missing size, and refused forms take no id.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudinaryEmulator, startCloudinaryEmulator } from '@stowage/cloudinary/emulator';
import type { DirectUpload, Env, Storage } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientPng } from '../../test-support/images.js';
import { storedKeys } from '../../test-support/scenario.js';
import { r2Env, s3Env } from '../../test-support/storage-env.js';
import { createBucket, type HttpApp, startHttpApp } from './http-app.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const HTML = '<!doctype html><script>alert(document.domain)</script>\n';

type RunningApp = HttpApp;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stowage-example-express-reuse-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const startApp = (name: string, env: Env) => startHttpApp(join(dir, name, 'data'), env);

interface FormImage {
  bytes: Uint8Array;
  type: string;
  filename: string;
}

/** Posts the new-customer form as a browser does (an empty file part when no file is chosen). */
function postCustomerForm(app: RunningApp, name: string, image?: FormImage): Promise<Response> {
  const form = new FormData();
  form.append('name', name);
  form.append('email', '');
  const file = image
    ? new Blob([new Uint8Array(image.bytes)], { type: image.type })
    : new Blob([], { type: 'application/octet-stream' });
  form.append('image', file, image?.filename ?? '');
  return fetch(`${app.baseUrl}/api/customers`, { method: 'POST', body: form, redirect: 'manual' });
}

/** The customers on the list page: id, name and the avatar's `src`, in the page's order. */
async function listedCustomers(
  app: RunningApp,
): Promise<Array<{ id: number; name: string; src: string }>> {
  const page = await (await fetch(`${app.baseUrl}/`)).text();
  const rows = page.split('<tr data-customer-id="').slice(1);
  return rows.map((row) => ({
    id: Number(/^(\d+)"/.exec(row)?.[1]),
    name: /<td class="name">([^<]*)<\/td>/.exec(row)?.[1] ?? '',
    src: (/<img class="avatar" src="([^"]*)"/.exec(row)?.[1] ?? '').replaceAll('&amp;', '&'),
  }));
}

/** Creates a customer without an image; its id. */
async function createCustomer(app: RunningApp, name: string): Promise<number> {
  const response = await postCustomerForm(app, name);
  expect(response.status).toBe(303);
  expect(response.headers.get('location')).toBe('/');
  const found = (await listedCustomers(app)).filter((c) => c.name === name);
  expect(found).toHaveLength(1);
  return found[0]!.id;
}

async function postJson(app: RunningApp, path: string, body: unknown) {
  const response = await fetch(`${app.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the app's JSON answers, checked by the tests.
  return { status: response.status, body: (await response.json()) as any };
}

/** Step 1 of the direct upload: where to send a PNG of `size` bytes. */
async function askUpload(
  app: RunningApp,
  customerId: number,
  size: number,
): Promise<{ key: string; upload: DirectUpload }> {
  const answer = await postJson(app, '/api/uploads', {
    customerId,
    contentType: 'image/png',
    size,
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

/** Sends bytes to a direct-upload URL, as the page's script does (PUT, or a signed POST form). */
function sendUpload(app: RunningApp, upload: DirectUpload, bytes: Uint8Array): Promise<Response> {
  const url = new URL(upload.url, app.baseUrl);
  const file = new Blob([new Uint8Array(bytes)], { type: 'image/png' });
  if (upload.method === 'PUT') {
    return fetch(url, { method: 'PUT', headers: upload.headers, body: file });
  }
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append('file', file, 'avatar.png');
  return fetch(url, { method: 'POST', body: form });
}

/** Step 2: tells the app the file is there. */
function attach(app: RunningApp, customerId: number, key: string) {
  return postJson(app, `/api/customers/${customerId}/image`, { key });
}

/** Uploads and attaches a PNG; the attach answer's body (`{ key, imageUrl }`). */
async function uploadAvatar(app: RunningApp, customerId: number, png: Uint8Array) {
  const { key, upload } = await askUpload(app, customerId, png.length);
  expect((await sendUpload(app, upload, png)).ok).toBe(true);
  const attached = await attach(app, customerId, key);
  expect(attached.status, JSON.stringify(attached.body)).toBe(200);
  return { uploadKey: key, upload, ...(attached.body as { key: string; imageUrl: string }) };
}

/** Bytes as a short comparable text: their size, digest and first characters. */
function summary(bytes: Uint8Array): string {
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const start = JSON.stringify(Buffer.from(bytes.subarray(0, 16)).toString('latin1'));
  return `${bytes.length} bytes, sha256 ${digest}…, starting ${start}`;
}

/** Every key in the storage but the image variants (made when an avatar is first shown). */
async function allKeys(storage: Storage): Promise<string[]> {
  return (await storedKeys(storage, '')).filter((key) => !key.startsWith('.stowage-variants/'));
}

/**
 * `refusesNonImages`: the storage itself refuses a file that is not an image (Cloudinary's image
 * uploads: "Invalid image file"), so a second upload of HTML fails there already.
 */
function directUploadChecks(getApp: () => RunningApp, refusesNonImages = false) {
  it('keeps the checked avatar when the upload URL is used again (HTML sent as image/png)', async () => {
    const app = getApp();
    const id = await createCustomer(app, 'Reuse Check');
    const png = gradientPng(96);
    const { upload, key, imageUrl } = await uploadAvatar(app, id, png);

    // The URL is still valid: the storage takes the HTML, which the server never checks.
    const again = await sendUpload(app, upload, new TextEncoder().encode(HTML));
    expect(again.ok, `second upload: HTTP ${again.status}`).toBe(!refusesNonImages);

    // The customer's avatar is still the PNG: the stored file, and the image the page shows.
    const listed = (await listedCustomers(app)).find((c) => c.id === id);
    expect(listed?.src).toBe(imageUrl);
    expect(summary(await app.storage.getBytes(key))).toBe(summary(png));
    const shown = await fetch(new URL(imageUrl, app.baseUrl));
    expect(shown.status).toBe(200);
    expect(shown.headers.get('content-type')).toMatch(/^image\//);
    const bytes = new Uint8Array(await shown.arrayBuffer());
    expect([...bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  });

  it('moves a checked upload to a key of its own; nothing is left at the upload key', async () => {
    const app = getApp();
    const id = await createCustomer(app, 'Moved Upload');
    const png = gradientPng(64);
    const { uploadKey, key } = await uploadAvatar(app, id, png);
    expect(key).not.toBe(uploadKey);
    expect(key.startsWith(`avatars/${id}/`)).toBe(true);
    expect(await app.storage.exists(uploadKey)).toBe(false);
    expect(await storedKeys(app.storage, `avatars/${id}/`)).toEqual([key]);
    // The upload key is not an avatar key the attach step takes again once it is used.
    const reused = await attach(app, id, uploadKey);
    expect(reused.status).toBe(400);
    expect((await listedCustomers(app)).find((c) => c.id === id)?.src).not.toContain(
      'default-avatar',
    );
  });

  it('replaces a direct-upload avatar (the old one is deleted) and deletes it with the customer', async () => {
    const app = getApp();
    const id = await createCustomer(app, 'Replaced Upload');
    const first = await uploadAvatar(app, id, gradientPng(64));
    const second = await uploadAvatar(app, id, gradientPng(80, [0, 0, 0], [255, 255, 255]));
    expect(second.key).not.toBe(first.key);
    expect(await storedKeys(app.storage, `avatars/${id}/`)).toEqual([second.key]);

    const deleted = await fetch(`${app.baseUrl}/api/customers/${id}/delete`, {
      method: 'POST',
      redirect: 'manual',
    });
    expect(deleted.status).toBe(303);
    expect(await storedKeys(app.storage, `avatars/${id}/`)).toEqual([]);
  });

  it('leaves nothing behind when a direct upload is refused, and keeps the avatar', async () => {
    const app = getApp();
    const id = await createCustomer(app, 'Refused Upload');
    const { key, imageUrl } = await uploadAvatar(app, id, gradientPng(64));
    const before = await allKeys(app.storage);

    const html = new TextEncoder().encode(HTML);
    const { key: uploadKey, upload } = await askUpload(app, id, html.length);
    expect((await sendUpload(app, upload, html)).ok).toBe(!refusesNonImages);
    const refused = await attach(app, id, uploadKey);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain(
      refusesNonImages ? 'did not arrive' : 'not an image',
    );

    expect(await allKeys(app.storage)).toEqual(before);
    expect(await app.storage.exists(key)).toBe(true);
    expect((await listedCustomers(app)).find((c) => c.id === id)?.src).toBe(imageUrl);
  });

  it('shows the default icon for a customer without an image', async () => {
    const app = getApp();
    const id = await createCustomer(app, 'No Image');
    expect((await listedCustomers(app)).find((c) => c.id === id)?.src).toBe('/default-avatar.svg');
  });
}

function uploadRequestChecks(getApp: () => RunningApp) {
  it('answers 400 naming the size when it is missing or not a number of bytes', async () => {
    const app = getApp();
    const id = await createCustomer(app, 'Size Check');
    for (const size of [undefined, null, 'abc', '', -1, 1.5]) {
      const answer = await postJson(app, '/api/uploads', {
        customerId: id,
        contentType: 'image/png',
        ...(size === undefined ? {} : { size }),
      });
      expect(answer.status, `size ${JSON.stringify(size)}`).toBe(400);
      expect(answer.body.error.code).toBe('INVALID_INPUT');
      expect(answer.body.error.message).toMatch(/size/i);
    }
    const tooLarge = await postJson(app, '/api/uploads', {
      customerId: id,
      contentType: 'image/png',
      size: 6 * 1024 * 1024,
    });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error.message).toBe('The image is larger than 5 MiB.');
  });

  it('gives the next id to the next accepted customer, whatever forms were refused before', async () => {
    const app = getApp();
    const first = await createCustomer(app, 'Before Refusals');
    const refusals: Array<[string, FormImage | undefined]> = [
      ['', undefined],
      ['   ', undefined],
      ['x'.repeat(121), undefined],
      [
        'Text As Png',
        { bytes: Buffer.from('not an image\n'), type: 'image/png', filename: 'a.png' },
      ],
      ['', { bytes: gradientPng(32), type: 'image/png', filename: 'nameless.png' }],
    ];
    for (const [name, image] of refusals) {
      const response = await postCustomerForm(app, name, image);
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toMatch(/^\/customers\/new\?/);
    }
    const next = await createCustomer(app, 'After Refusals');
    expect(next).toBe(first + 1);
    // A customer created with an image gets the next id too, and its image under that id.
    const response = await postCustomerForm(app, 'With Image', {
      bytes: gradientPng(48),
      type: 'image/png',
      filename: 'with.png',
    });
    expect(response.status).toBe(303);
    const withImage = (await listedCustomers(app)).find((c) => c.name === 'With Image');
    expect(withImage?.id).toBe(first + 2);
    const keys = await storedKeys(app.storage, `avatars/${first + 2}/`);
    expect(keys).toHaveLength(1);
    expect(summary(await app.storage.getBytes(keys[0]!))).toBe(summary(gradientPng(48)));
  });
}

describe('Express example on the disk driver: direct uploads and refused input', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp('disk', { STORAGE_DISK_ROOT: join(dir, 'disk', 'media') });
  });
  afterAll(() => app?.server.close());
  directUploadChecks(() => app);
  uploadRequestChecks(() => app);
});

describe('Express example on S3: direct uploads', () => {
  let app: RunningApp;
  beforeAll(async () => {
    const { bucket, s3 } = await createBucket('example-express-reuse');
    app = await startApp('s3', s3Env(bucket, s3));
  });
  afterAll(() => app?.server.close());
  directUploadChecks(() => app);
});

// R2's direct uploads are presigned PUTs, which cannot carry a size limit (the driver refuses
// maxSize): the demo signs without one and the attach step checks the size.
describe('Express example on R2 with its documented defaults: direct uploads', () => {
  let app: RunningApp;
  beforeAll(async () => {
    const { bucket, s3 } = await createBucket('example-express-reuse-r2');
    app = await startApp('r2', r2Env(bucket, s3));
  });
  afterAll(() => app?.server.close());
  directUploadChecks(() => app);
});

describe('Express example on Cloudinary: direct uploads and refused input', () => {
  let app: RunningApp;
  let emu: CloudinaryEmulator;
  beforeAll(async () => {
    emu = await startCloudinaryEmulator({ cloudName: 'demo-express-reuse' });
    app = await startApp('cloudinary', {
      CLOUDINARY_URL: emu.cloudinaryUrl,
      CLOUDINARY_DELIVERY_URL: emu.url,
    });
  });
  afterAll(async () => {
    app?.server.close();
    await app?.storage.close();
    await emu?.close();
  });
  directUploadChecks(() => app, true);
  // A new customer's image is moved from its staging key once the form is accepted.
  uploadRequestChecks(() => app);
});
