import { createHash } from 'node:crypto';
import type http from 'node:http';
import type { CloudinaryOptions } from '@stowage/cloudinary';
import { type CloudinaryEmulator, startCloudinaryEmulator } from '@stowage/cloudinary/emulator';
import type { Storage } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiOptions,
  emulatorStorage,
  fetchBytes,
  newAgent,
  PNG,
  cloudinary as sdk,
  storageError,
} from './emulator-helpers.js';

/**
 * What the `folder` option promises a caller (issue 19): a folder storage sees and reaches only its
 * folder, its URLs point there, and its errors name keys as the caller wrote them.
 */

let emu: CloudinaryEmulator;
let agent: http.Agent;
let root: Storage;
let app: Storage;

const storageOn = (options: Partial<CloudinaryOptions> = {}): Storage =>
  emulatorStorage(emu, options);

async function keys(storage: Storage, prefix?: string): Promise<string[]> {
  const found: string[] = [];
  for await (const object of storage.listAll(prefix)) found.push(object.key);
  return found;
}

const failure = storageError;

beforeAll(async () => {
  emu = await startCloudinaryEmulator({ cloudName: 'folder-option' });
  agent = newAgent();
  root = storageOn();
  app = storageOn({ folder: 'app' });
  // Neighbours the folder storage must never see: beside it, and a sibling sharing its spelling.
  await root.put('outside.txt', 'out');
  await root.put('appx/y.txt', 'sibling');
  await root.put('app.png', PNG);
  await root.put('app/inside.txt', 'in');
  await app.put('own.png', PNG);
  await app.put('docs/a.txt', 'a');
});

afterAll(async () => {
  await app?.close();
  await root?.close();
  agent?.destroy();
  await emu?.close();
});

describe('cloudinary folder option', () => {
  it('lists and reaches only keys inside the folder, named without it', async () => {
    expect(await keys(app)).toEqual(['docs/a.txt', 'inside.txt', 'own.png']);
    const top = await app.list({ delimiter: '/' });
    expect(top.prefixes).toEqual(['docs/']);
    expect(top.objects.map((o) => o.key)).toEqual(['inside.txt', 'own.png']);
    expect(await app.exists('outside.txt')).toBe(false);
    expect(await app.exists('x/y.txt')).toBe(false);
    expect(await app.getText('inside.txt')).toBe('in');
    expect((await app.head('own.png')).key).toBe('own.png');
    expect(await root.getText('app/docs/a.txt')).toBe('a');
  });

  it('deletes only inside the folder', async () => {
    const scratch = storageOn({ folder: 'scratch' });
    await root.put('scratchy.txt', 'keep');
    await scratch.put('a/1.txt', '1');
    await scratch.put('a/b.png', PNG);
    await scratch.put('ab.txt', 'beside');
    await scratch.deletePrefix('a/');
    expect(await keys(scratch)).toEqual(['ab.txt']);
    await scratch.deleteMany(['ab.txt']);
    expect(await keys(scratch)).toEqual([]);
    expect(await root.getText('scratchy.txt')).toBe('keep');
    expect(await root.getText('outside.txt')).toBe('out');
    await scratch.close();
  });

  it('names the key as the caller gave it in errors', async () => {
    const missing = await failure(() => app.get('docs/missing.txt'));
    expect(missing).toMatchObject({ code: 'NOT_FOUND', key: 'docs/missing.txt' });
    expect(missing.message).toContain('"docs/missing.txt"');
    expect(missing.message).not.toContain('app/');
    const copied = await failure(() => app.copy('nothing.txt', 'there.txt'));
    expect(copied).toMatchObject({ code: 'NOT_FOUND', key: 'nothing.txt' });
    expect(copied.message).not.toContain('app/');
    const taken = await failure(() => app.put('own.png', PNG, { onConflict: 'fail' }));
    expect(taken).toMatchObject({ code: 'ALREADY_EXISTS', key: 'own.png' });
    expect(taken.message).not.toContain('app/');
  });

  it('serves URLs, signed URLs and direct uploads from the folder', async () => {
    const url = app.url('own.png');
    expect(new URL(url).pathname).toMatch(/\/app\/own\.png$/);
    expect((await fetchBytes(url)).body.equals(PNG)).toBe(true);
    const signed = await app.signedUrl('docs/a.txt', { expiresIn: 60 });
    expect((await fetchBytes(signed)).body.toString()).toBe('a');
    const upload = await app.signedUpload('direct/pic.png', { expiresIn: 600 });
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append('file', new Blob([PNG], { type: 'image/png' }), 'pic.png');
    expect((await fetch(upload.url, { method: 'POST', body: form })).status).toBe(200);
    expect((await app.head('direct/pic.png')).size).toBe(PNG.length);
    expect(await root.exists('app/direct/pic.png')).toBe(true);
  });

  it('is the start of every key underneath: a long key is shortened and tagged with it', async () => {
    // The folder is core's prefixed() around the driver (as the s3 prefix): the driver sees
    // `app/<key>`, so a shortened id is the head of `app/<key>` and SHA-256 of `app/<key>`.
    const key = `${'k'.repeat(120)}/${'l'.repeat(200)}.txt`;
    await app.put(key, 'long');
    const hash = createHash('sha256').update(`app/${key}`).digest('hex').slice(0, 40);
    const page = await sdk.api.resources({
      ...apiOptions(emu, agent),
      resource_type: 'raw',
      prefix: `app/${'k'.repeat(120)}`,
      tags: true,
    });
    const ids = (page.resources as Array<{ public_id: string }>).map((r) => r.public_id);
    expect(ids).toHaveLength(1);
    expect(ids[0]).toMatch(new RegExp(`^app/k{120}/l+-${hash}$`));
    expect(ids[0]).toHaveLength(255);
    expect(await app.getText(key)).toBe('long');
    expect(await keys(app, 'k')).toEqual([key]);
    // The same object, seen from the account's root.
    expect(await root.getText(`app/${key}`)).toBe('long');
  });

  it('counts the folder in the 1024 bytes of a key, and names the key as given when over', async () => {
    const fits = `max/${'é'.repeat(508)}`; // 1020 bytes + "app/" = 1024
    await app.put(fits, 'full length');
    expect(await app.getText(fits)).toBe('full length');
    const over = `${fits}z`;
    const error = await failure(() => app.put(over, 'too long'));
    expect(error.code).toBe('INVALID_KEY');
    expect(error.key).toBe(over);
    expect(error.message).toMatch(/1024 bytes/);
    expect(await keys(app, 'max/')).toEqual([fits]);
  });
});
