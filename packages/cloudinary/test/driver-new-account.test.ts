import type http from 'node:http';
import type { CloudinaryOptions } from '@stowage/cloudinary';
import {
  type CloudinaryEmulator,
  type CloudinaryEmulatorOptions,
  startCloudinaryEmulator,
} from '@stowage/cloudinary/emulator';
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
} from './emulator-helpers.js';

/** What a new Cloudinary account does, held against the driver (issue 15). */

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');

let emu: CloudinaryEmulator;
let agent: http.Agent;
let storage: Storage;
const extra: Array<{ close(): Promise<void> }> = [];

function storageOn(target: CloudinaryEmulator, options: Partial<CloudinaryOptions> = {}): Storage {
  const created = emulatorStorage(target, options);
  extra.push(created);
  return created;
}

async function emulator(options: CloudinaryEmulatorOptions): Promise<CloudinaryEmulator> {
  const started = await startCloudinaryEmulator(options);
  extra.push(started);
  return started;
}

const failure = storageError;

async function allAssets(target: CloudinaryEmulator): Promise<string[]> {
  const ids: string[] = [];
  for (const resource_type of ['image', 'video', 'raw']) {
    const page = await sdk.api.resources({
      ...apiOptions(target, agent),
      resource_type,
      max_results: 500,
    });
    for (const resource of page.resources as Array<{ public_id: string }>) {
      ids.push(resource.public_id);
    }
  }
  return ids;
}

beforeAll(async () => {
  emu = await startCloudinaryEmulator({ cloudName: 'new-account' });
  agent = newAgent();
  storage = storageOn(emu);
});
afterAll(async () => {
  for (const item of extra.reverse()) await item.close();
  agent.destroy();
  await emu.close();
});
beforeEach(() => emu.reset());

describe('PDF and ZIP delivery blocked (item 1)', () => {
  it('get, copy and signedUrl of a PDF work; url() says why it cannot', async () => {
    const key = 'tickets/pdf/E1/ticket_T1.pdf';
    await storage.put(key, PDF);
    expect(Buffer.from(await storage.getBytes(key)).equals(PDF)).toBe(true);
    const ranged = await storage.get(key, { range: { offset: 1, length: 3 } });
    expect(Buffer.from(await ranged.bytes()).toString()).toBe('PDF');
    await storage.copy(key, 'copies/t1.pdf');
    expect(Buffer.from(await storage.getBytes('copies/t1.pdf')).equals(PDF)).toBe(true);
    const signed = await fetchBytes(await storage.signedUrl(key, { expiresIn: 60 }));
    expect(signed.status).toBe(200);
    expect(signed.body.equals(PDF)).toBe(true);
    const refused = await failure(() => storage.url(key));
    expect(refused.code).toBe('UNSUPPORTED');
    expect(refused.message).toMatch(/Allow delivery of PDF and ZIP files/);
    expect((await failure(() => storage.url('bundles/a.zip'))).code).toBe('UNSUPPORTED');
    // A PDF page as an image is not a PDF delivery.
    expect(storage.url(key, { transform: { format: 'jpg', width: 100 } })).toMatch(/f_jpg/);
  });

  it('url() of a PDF works when the account allows PDF delivery', async () => {
    const open = await emulator({ allowPdfZipDelivery: true });
    const allowed = storageOn(open, { pdfZipDelivery: true });
    await allowed.put('t.pdf', PDF);
    const served = await fetchBytes(allowed.url('t.pdf'));
    expect(served.status).toBe(200);
  });
});

describe('public ids (item 3) and refused extensions (item 4)', () => {
  it('stores keys with any character or extension and reads them back', async () => {
    const keys = [
      'odd/a~b.txt',
      'odd/~7E.txt',
      'odd/x y (1).txt',
      'odd/Zoë.png',
      'odd/q=1;x=2,y.csv',
      'odd/_under_.txt',
      'tools/setup.exe',
      'blobs/data.bin',
      'scripts/run.BAT',
      'apps/app.apk',
      'dos/cmd.com',
      'odd/x--y.txt',
    ];
    for (const key of keys) await storage.put(key, `body of ${key}`);
    for (const key of keys) expect(await storage.getText(key)).toBe(`body of ${key}`);
    const listed: string[] = [];
    for await (const info of storage.listAll()) listed.push(info.key);
    expect(listed.sort()).toEqual([...keys].sort());
    for (const id of await allAssets(emu)) expect(id).toMatch(/^[A-Za-z0-9._/-]+$/);
  });

  it('fails with INVALID_KEY and leaves nothing when the account renames the public id', async () => {
    // An account whose naming rules differ from the documented ones (they "may change").
    const strict = await emulator({ replacedCharacters: 'q' });
    const target = storageOn(strict);
    const error = await failure(() => target.put('aqua.txt', 'x'));
    expect(error.code).toBe('INVALID_KEY');
    expect(error.message).toMatch(/a_ua\.txt/);
    expect(await allAssets(strict)).toEqual([]);
    expect(await target.exists('aqua.txt')).toBe(false);
  });
});

describe('context limit (item 2)', () => {
  it('round-trips a 1024-byte key and metadata up to the documented limit', async () => {
    const key = `${'é'.repeat(300)}/${'k'.repeat(419)}.txt`;
    expect(Buffer.byteLength(key)).toBe(1024);
    const longest = { m: 'x'.repeat(253) }; // "m=" + 253 = 255 bytes
    await storage.put(key, 'long', { metadata: longest });
    expect(await storage.getText(key)).toBe('long');
    expect((await storage.head(key)).metadata).toEqual(longest);
    const listed: string[] = [];
    for await (const info of storage.listAll()) listed.push(info.key);
    expect(listed).toEqual([key]);
    const moved = `${key.slice(0, -5)}2.txt`;
    await storage.move(key, moved);
    expect(await storage.getText(moved)).toBe('long');
    expect((await storage.head(moved)).metadata).toEqual(longest);
    expect(await storage.exists(key)).toBe(false);
  });

  it('refuses what cannot fit with INVALID_INPUT before any upload', async () => {
    const before = emu.requests.length;
    const error = await failure(() =>
      storage.put('a.txt', 'x', { metadata: { m: 'x'.repeat(254) } }),
    );
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(/255/);
    const tooMuch = await failure(() =>
      storage.put('b.txt', 'x', { metadata: { caption: 'ü'.repeat(140) } }),
    );
    expect(tooMuch.code).toBe('INVALID_INPUT');
    expect(emu.requests.slice(before).filter((r) => r.path.endsWith('/upload'))).toEqual([]);
  });
});

describe('overwrite on an account that retains context (item 7)', () => {
  it('leaves only what the last put stored', async () => {
    const keeping = await emulator({ retainContextOnOverwrite: true });
    const target = storageOn(keeping);
    await target.put('doc.txt', 'v1', {
      metadata: { a: '1', b: '2' },
      contentType: 'text/markdown',
    });
    await target.put('doc.txt', 'v2');
    const bare = await target.head('doc.txt');
    expect(bare.metadata).toEqual({});
    expect(bare.contentType).toMatch(/^text\/plain/);
    await target.put('doc.txt', 'v3', { metadata: { c: '3' } });
    expect((await target.head('doc.txt')).metadata).toEqual({ c: '3' });
  });
});

describe('dynamic folders (item 8)', () => {
  it('puts each asset in the Media Library folder of its key', async () => {
    const inFolder = storageOn(emu, { folder: 'app' });
    await inFolder.put('photos/2024/cat.png', PNG);
    await inFolder.put('notes/readme.txt', 'x');
    const image = await sdk.api.resource('app/photos/2024/cat', apiOptions(emu, agent));
    expect(image.asset_folder).toBe('app/photos/2024');
    const raw = await sdk.api.resource('app/notes/readme.txt', {
      ...apiOptions(emu, agent),
      resource_type: 'raw',
    });
    expect(raw.asset_folder).toBe('app/notes');
    // A rename keeps an asset's folder on Cloudinary: a move puts it in its new key's folder.
    await inFolder.move('photos/2024/cat.png', 'photos/2025/cat.png');
    const moved = await sdk.api.resource('app/photos/2025/cat', apiOptions(emu, agent));
    expect(moved.asset_folder).toBe('app/photos/2025');
  });
});

describe('Admin API costs (item 5)', () => {
  it('listAll of 5,000 keys costs ceil(5000/500) calls per resource type plus a constant', async () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `bulk/${String(i).padStart(5, '0')}.txt`);
    for (let at = 0; at < keys.length; at += 50) {
      await Promise.all(keys.slice(at, at + 50).map((key) => storage.put(key, 'x')));
    }
    const before = emu.adminCalls;
    let count = 0;
    for await (const _ of storage.listAll('bulk/')) count += 1;
    expect(count).toBe(5000);
    // 10 pages of raw assets, one (empty) page each of images and videos.
    expect(emu.adminCalls - before).toBeLessThanOrEqual(Math.ceil(5000 / 500) + 2);
  }, 120_000);

  it('a spent hourly budget is RATE_LIMITED with retryAfter, without another request', async () => {
    const limited = await emulator({ adminRateLimit: 2 });
    const target = storageOn(limited, { deliveryFallback: false });
    await target.put('a.txt', 'x');
    await target.head('a.txt');
    await target.head('a.txt'); // the answer says: 0 left this hour
    const calls = limited.adminCalls;
    const error = await failure(() => target.list());
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryable).toBe(true);
    expect(error.retryAfter?.getTime()).toBeGreaterThan(Date.now());
    expect(limited.adminCalls).toBe(calls);
  });
});

describe('transformation strings (item 6)', () => {
  it('are exactly what cloudinary.url() writes, for every crop, gravity, format and quality', () => {
    const crops = [undefined, 'fill', 'fit', 'limit', 'scale', 'thumb', 'crop', 'pad'] as const;
    const gravities = [undefined, 'auto', 'face', 'faces', 'center', 'north', 'south_east'];
    const formats = [undefined, 'auto', 'webp', 'avif', 'jpg', 'png'];
    const qualities = [undefined, 'auto', 80] as const;
    const sizes = [{ width: 200, height: 200 }, { width: 300 }, { height: 120 }, {}];
    let compared = 0;
    for (const crop of crops)
      for (const gravity of gravities)
        for (const format of formats)
          for (const quality of qualities)
            for (const size of sizes) {
              const transform = { ...size, crop, gravity, format, quality };
              if (Object.values(transform).every((value) => value === undefined)) continue;
              const ours = storage.url('img/pixel.png', { transform });
              const theirs = sdk.url('img/pixel', {
                cloud_name: emu.cloudName,
                secure: false,
                cname: new URL(emu.url).host,
                urlAnalytics: false,
                format: 'png',
                ...size,
                ...(crop ? { crop } : {}),
                ...(gravity ? { gravity } : {}),
                ...(format ? { fetch_format: format } : {}),
                ...(quality !== undefined ? { quality } : {}),
              });
              expect(ours).toBe(theirs);
              compared += 1;
            }
    expect(compared).toBeGreaterThan(4000);
  });
});
