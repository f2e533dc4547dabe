import type http from 'node:http';
import { type CloudinaryEmulator, startCloudinaryEmulator } from '@stowage/cloudinary/emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  apiOptions,
  cloudinary,
  fetchBytes,
  md5,
  newAgent,
  PNG,
  untyped,
  uploadBuffer,
  urlOptions,
} from './emulator-helpers.js';

let emu: CloudinaryEmulator;
let agent: http.Agent;
const api = () => apiOptions(emu, agent);

beforeAll(async () => {
  emu = await startCloudinaryEmulator({ cloudName: 'stowage-test' });
  agent = newAgent();
});
afterAll(async () => {
  agent.destroy();
  await emu.close();
});
beforeEach(() => emu.reset());

describe('upload and delivery', () => {
  it('round-trips a PNG through upload_stream and the delivery URL', async () => {
    const result = await uploadBuffer(PNG, { ...api(), public_id: 'photos/pixel' });
    expect(result).toMatchObject({
      public_id: 'photos/pixel',
      format: 'png',
      resource_type: 'image',
      type: 'upload',
      width: 1,
      height: 1,
      bytes: PNG.length,
      etag: md5(PNG),
    });
    expect(result.version).toBeGreaterThan(1_600_000_000);
    expect(result.secure_url).toBe(
      `${emu.url}/stowage-test/image/upload/v${result.version}/photos/pixel.png`,
    );

    const delivered = await fetchBytes(result.secure_url);
    expect(delivered.status).toBe(200);
    expect(delivered.headers.get('content-type')).toBe('image/png');
    expect(delivered.headers.get('etag')).toBe(`"${md5(PNG)}"`);
    expect(delivered.body.equals(PNG)).toBe(true);

    // The SDK's own URL builder, pointed at the emulator.
    const built = cloudinary.url('photos/pixel', { ...urlOptions(emu), format: 'png' });
    expect(built).toBe(`${emu.url}/stowage-test/image/upload/v1/photos/pixel.png`);
    expect((await fetchBytes(built)).body.equals(PNG)).toBe(true);
  });

  it('serves ranges, HEAD and 304, and names unapplied transformations', async () => {
    await uploadBuffer(PNG, { ...api(), public_id: 'pixel' });
    const base = `${emu.url}/stowage-test/image/upload`;
    const part = await fetchBytes(`${base}/pixel.png`, { headers: { Range: 'bytes=1-3' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1-3/${PNG.length}`);
    expect(part.body.equals(PNG.subarray(1, 4))).toBe(true);
    const beyond = await fetchBytes(`${base}/pixel.png`, { headers: { Range: 'bytes=9999-' } });
    expect(beyond.status).toBe(416);
    const head = await fetchBytes(`${base}/pixel.png`, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(PNG.length));
    expect(head.body.length).toBe(0);
    const cached = await fetchBytes(`${base}/pixel.png`, {
      headers: { 'If-None-Match': `"${md5(PNG)}"` },
    });
    expect(cached.status).toBe(304);
    const resized = await fetchBytes(`${base}/w_200,h_100,c_fill/pixel.webp`);
    expect(resized.status).toBe(200);
    expect(resized.headers.get('x-emulator-transformation')).toBe('w_200,h_100,c_fill/f_webp');
    // Applied with @stowage/images (emulator-transforms.test.ts checks the sizes).
    expect(resized.headers.get('content-type')).toBe('image/webp');
    expect((await fetchBytes(`${base}/missing.png`)).status).toBe(404);
  });

  it('keeps non-ASCII letters in public ids and replaces other special characters', async () => {
    // ts_permitted_naming_conventions: special characters become `_`, trimmed at the ends.
    const asked = 'dossier été/mon fichier~(1)';
    const id = 'dossier_été/mon_fichier__1';
    const uploaded = await uploadBuffer(PNG, { ...api(), public_id: asked });
    expect(uploaded.public_id).toBe(id);
    expect((await fetchBytes(uploaded.secure_url)).body.equals(PNG)).toBe(true);
    const signed = cloudinary.url(id, { ...urlOptions(emu), sign_url: true, format: 'png' });
    expect((await fetchBytes(signed)).status).toBe(200);
    expect((await cloudinary.api.resource(id, api())).public_id).toBe(id);
    const listed = await cloudinary.api.resources({ ...api(), prefix: 'dossier_été/' });
    expect(listed.resources.map((r: { public_id: string }) => r.public_id)).toEqual([id]);
    expect(await cloudinary.uploader.destroy(id, untyped(api()))).toEqual({ result: 'ok' });
  });

  it('keeps the extension in raw public ids and sends no format', async () => {
    const text = Buffer.from('hello, raw');
    const named = await uploadBuffer(text, {
      ...api(),
      resource_type: 'raw',
      public_id: 'docs/readme.txt',
    });
    expect(named.public_id).toBe('docs/readme.txt');
    expect(named.format).toBeUndefined();
    const random = await uploadBuffer(text, {
      ...api(),
      resource_type: 'raw',
      filename: 'notes.txt',
    });
    expect(random.public_id).toMatch(/^[a-z0-9]{20}\.txt$/);
    const auto = await uploadBuffer(text, {
      ...api(),
      resource_type: 'auto',
      public_id: 'auto.txt',
    });
    expect(auto.resource_type).toBe('raw');
    const delivered = await fetchBytes(named.secure_url);
    expect(delivered.headers.get('content-type')).toBe('text/plain');
    expect(delivered.body.equals(text)).toBe(true);
    await expect(uploadBuffer(text, { ...api(), resource_type: 'image' })).rejects.toMatchObject({
      http_code: 400,
      message: 'Invalid image file',
    });
  });

  it('stores context and tags, and copies from a URL', async () => {
    const first = await uploadBuffer(PNG, {
      ...api(),
      public_id: 'ctx',
      context: { alt: 'a=b|c', caption: 'hi' },
      tags: ['one', 'two'],
    });
    expect(first.context).toEqual({ custom: { alt: 'a=b|c', caption: 'hi' } });
    expect(first.tags).toEqual(['one', 'two']);
    const copy = await cloudinary.uploader.upload(first.secure_url, {
      ...api(),
      public_id: 'ctx-copy',
    });
    expect(copy).toMatchObject({ public_id: 'ctx-copy', bytes: PNG.length, etag: md5(PNG) });
    const dataUri = `data:image/png;base64,${PNG.toString('base64')}`;
    const fromData = await cloudinary.uploader.upload(dataUri, {
      ...api(),
      public_id: 'from-data',
    });
    expect(fromData.etag).toBe(md5(PNG));
  });

  it('keeps the original when overwrite is false', async () => {
    const original = await uploadBuffer(Buffer.from('first'), {
      ...api(),
      resource_type: 'raw',
      public_id: 'keep.txt',
    });
    const second = await uploadBuffer(Buffer.from('second!'), {
      ...api(),
      resource_type: 'raw',
      public_id: 'keep.txt',
      overwrite: false,
    });
    expect(second).toMatchObject({ existing: true, version: original.version, bytes: 5 });
    expect((await fetchBytes(original.secure_url)).body.toString()).toBe('first');
    const replaced = await uploadBuffer(Buffer.from('third'), {
      ...api(),
      resource_type: 'raw',
      public_id: 'keep.txt',
    });
    expect(replaced.version).toBeGreaterThan(original.version);
    expect(replaced.asset_id).toBe(original.asset_id);
  });
});

describe('authentication', () => {
  it('rejects a wrong secret, a wrong key and a stale timestamp', async () => {
    const wrongSecret = uploadBuffer(PNG, { ...api(), api_secret: 'not-the-secret' });
    await expect(wrongSecret).rejects.toMatchObject({ http_code: 401 });
    await expect(wrongSecret).rejects.toHaveProperty(
      'message',
      expect.stringMatching(
        /^Invalid Signature [0-9a-f]{40}\. String to sign - 'timestamp=\d+'\.$/,
      ),
    );
    await expect(uploadBuffer(PNG, { ...api(), api_key: '42' })).rejects.toMatchObject({
      http_code: 401,
      message: 'Unknown API key 42',
    });
    const stale = uploadBuffer(PNG, { ...api(), timestamp: Math.floor(Date.now() / 1000) - 7200 });
    await expect(stale).rejects.toMatchObject({
      http_code: 401,
      message: expect.stringMatching(/^Stale request/),
    });
    await expect(cloudinary.api.resources({ ...api(), api_secret: 'nope' })).rejects.toMatchObject({
      error: { http_code: 401, message: 'api_secret mismatch' },
    });
  });

  it('accepts SHA-256 signatures when the account uses them', async () => {
    const strict = await startCloudinaryEmulator({ signatureAlgorithm: 'sha256' });
    try {
      const options = apiOptions(strict, agent);
      const ok = await uploadBuffer(PNG, {
        ...options,
        signature_algorithm: 'sha256',
        public_id: 'p',
      });
      expect(ok.signature).toHaveLength(64);
      await expect(uploadBuffer(PNG, options)).rejects.toMatchObject({ http_code: 401 });
      const url = cloudinary.url('p', {
        ...urlOptions(strict),
        sign_url: true,
        signature_algorithm: 'sha256',
        format: 'png',
      });
      expect((await fetchBytes(url)).status).toBe(200);
    } finally {
      await strict.close();
    }
  });
});

describe('Upload API actions', () => {
  it('destroys, answering not found for a missing id', async () => {
    await uploadBuffer(PNG, { ...api(), public_id: 'gone' });
    expect(await cloudinary.uploader.destroy('gone', untyped(api()))).toEqual({ result: 'ok' });
    expect(await cloudinary.uploader.destroy('gone', untyped(api()))).toEqual({
      result: 'not found',
    });
  });

  it('renames, refusing an existing target without overwrite', async () => {
    await uploadBuffer(PNG, { ...api(), public_id: 'from' });
    await uploadBuffer(PNG, { ...api(), public_id: 'taken' });
    const renamed = await cloudinary.uploader.rename('from', 'to/here', untyped(api()));
    expect(renamed).toMatchObject({ public_id: 'to/here', format: 'png' });
    await expect(cloudinary.api.resource('from', api())).rejects.toMatchObject({
      error: { http_code: 404, message: 'Resource not found - from' },
    });
    await expect(
      cloudinary.uploader.rename('to/here', 'taken', untyped(api())),
    ).rejects.toMatchObject({
      http_code: 400,
      message: 'to_public_id (taken) already exists',
    });
    await expect(cloudinary.uploader.rename('nothing', 'x', untyped(api()))).rejects.toMatchObject({
      http_code: 404,
      message: 'Resource not found - nothing',
    });
    const forced = await cloudinary.uploader.rename(
      'to/here',
      'taken',
      untyped({
        ...api(),
        overwrite: true,
      }),
    );
    expect(forced.public_id).toBe('taken');
  });

  it('explicit reads an asset', async () => {
    const uploaded = await uploadBuffer(PNG, { ...api(), public_id: 'exp', type: 'private' });
    const read = await cloudinary.uploader.explicit('exp', { ...api(), type: 'private' });
    expect(read).toMatchObject({ public_id: 'exp', version: uploaded.version, bytes: PNG.length });
  });
});

describe('Admin API', () => {
  it('reads one resource and lists a prefix across pages', async () => {
    for (const name of ['e', 'c', 'a', 'd', 'b']) {
      await uploadBuffer(PNG, { ...api(), public_id: `list/${name}`, context: { n: name } });
    }
    await uploadBuffer(PNG, { ...api(), public_id: 'other' });
    const one = await cloudinary.api.resource('list/a', api());
    expect(one).toMatchObject({
      public_id: 'list/a',
      bytes: PNG.length,
      format: 'png',
      context: { custom: { n: 'a' } },
    });
    expect(one.rate_limit_allowed).toBe(500);

    const ids: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await cloudinary.api.resources({
        ...api(),
        type: 'upload',
        prefix: 'list/',
        max_results: 2,
        ...(cursor && { next_cursor: cursor }),
      });
      ids.push(...page.resources.map((r: { public_id: string }) => r.public_id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    // With a prefix, by public id (admin_api_resources_get_resources).
    expect(ids).toEqual(['list/a', 'list/b', 'list/c', 'list/d', 'list/e']);
    // Without one, newest first.
    const newest = await cloudinary.api.resources({ ...api(), max_results: 3 });
    expect(newest.resources.map((r: { public_id: string }) => r.public_id)).toEqual([
      'other',
      'list/b',
      'list/d',
    ]);
    expect(pages).toBe(3);
    const withContext = await cloudinary.api.resources({
      ...api(),
      prefix: 'list/b',
      context: true,
    });
    expect(withContext.resources[0].context).toEqual({ custom: { n: 'b' } });
    const after = await cloudinary.api.resources(api());
    expect(after.rate_limit_remaining).toBeLessThan(one.rate_limit_remaining);
  });

  it('deletes by ids and by prefix', async () => {
    for (const id of ['del/a', 'del/b', 'pre/x', 'pre/y', 'pre2']) {
      await uploadBuffer(PNG, { ...api(), public_id: id });
    }
    const byIds = await cloudinary.api.delete_resources(['del/a', 'del/missing'], api());
    expect(byIds).toMatchObject({
      deleted: { 'del/a': 'deleted', 'del/missing': 'not_found' },
      partial: false,
    });
    const byPrefix = await cloudinary.api.delete_resources_by_prefix('pre/', api());
    expect(byPrefix).toMatchObject({
      deleted: { 'pre/x': 'deleted', 'pre/y': 'deleted' },
      partial: false,
    });
    const left = await cloudinary.api.resources({ ...api(), max_results: 100 });
    expect(left.resources.map((r: { public_id: string }) => r.public_id)).toEqual([
      'pre2',
      'del/b',
    ]);
    const tooMany = Array.from({ length: 101 }, (_, i) => `id${i}`);
    await expect(cloudinary.api.delete_resources(tooMany, api())).rejects.toMatchObject({
      error: { http_code: 400 },
    });
  });
});
