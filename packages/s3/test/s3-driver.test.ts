import { createHash } from 'node:crypto';
import {
  GetObjectAclCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { createStorage, isStorageError, type Storage } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3 } from '../src/index.js';
import { driverOptions, generated, tempBucket } from './helpers.js';

const MiB = 1024 * 1024;

let bucket: Awaited<ReturnType<typeof tempBucket>>;
let storage: Storage;
let prefixed: Storage;

beforeAll(async () => {
  bucket = await tempBucket('drv');
  // These buckets' objects are put public-read where url() is fetched: the bucket URL is public.
  storage = createStorage(s3(driverOptions(bucket.name, { publicBucketUrl: true })));
  prefixed = createStorage(
    s3(driverOptions(bucket.name, { prefix: '/site/media/', publicBucketUrl: true })),
  );
});

afterAll(async () => {
  await storage?.close();
  await prefixed?.close();
  await bucket?.remove();
});

async function sha256(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest('hex');
}

async function postForm(upload: { url: string; fields: Record<string, string> }, body: string) {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append('file', new Blob([body]), 'file.txt');
  const response = await fetch(upload.url, { method: 'POST', body: form });
  return { status: response.status, text: await response.text() };
}

describe('presigned requests used by plain fetch', () => {
  it('a signed GET URL serves a private object with header overrides', async () => {
    await storage.put('signed/report.txt', 'private report', { visibility: 'private' });
    const url = await storage.signedUrl('signed/report.txt', {
      expiresIn: 60,
      contentDisposition: 'attachment; filename="r.txt"',
      contentType: 'application/x-report',
    });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-report');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="r.txt"');
    expect(await response.text()).toBe('private report');
  });

  it('a POST policy stores a file and refuses one over maxSize or with another type', async () => {
    const upload = await storage.signedUpload('post/ok.txt', {
      expiresIn: 60,
      contentType: 'text/plain',
      maxSize: 10,
    });
    expect(upload.method).toBe('POST');
    expect(upload.fields['Content-Type']).toBe('text/plain');
    expect((await postForm(upload, 'hello')).status).toBe(204);
    expect(await storage.getText('post/ok.txt')).toBe('hello');
    expect((await storage.head('post/ok.txt')).contentType).toBe('text/plain');

    const big = await storage.signedUpload('post/big.txt', {
      expiresIn: 60,
      contentType: 'text/plain',
      maxSize: 10,
    });
    const tooBig = await postForm(big, 'this body is longer than ten bytes');
    expect(tooBig.status).toBe(400);
    expect(tooBig.text).toContain('EntityTooLarge');
    expect(await storage.exists('post/big.txt')).toBe(false);

    const typed = await storage.signedUpload('post/typed.txt', {
      expiresIn: 60,
      contentType: 'text/plain',
    });
    const wrongType = await postForm(
      { ...typed, fields: { ...typed.fields, 'Content-Type': 'text/html' } },
      'x',
    );
    expect(wrongType.status).toBe(403);
    expect(await storage.exists('post/typed.txt')).toBe(false);
  });

  it('a presigned PUT (profile without POST) stores the object and signs the content type', async () => {
    const puts = createStorage(
      s3(driverOptions(bucket.name, { profile: { presignedPost: false } })),
    );
    try {
      const upload = await puts.signedUpload('put/é file.json', {
        expiresIn: 60,
        contentType: 'application/json',
      });
      expect(upload).toMatchObject({
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        fields: {},
      });
      const ok = await fetch(upload.url, {
        method: 'PUT',
        headers: upload.headers,
        body: '{"a":1}',
      });
      expect(ok.status).toBe(200);
      expect(await puts.getText('put/é file.json')).toBe('{"a":1}');
      expect((await puts.head('put/é file.json')).contentType).toBe('application/json');
      const other = await puts.signedUpload('put/other.json', {
        expiresIn: 60,
        contentType: 'application/json',
      });
      const refused = await fetch(other.url, {
        method: 'PUT',
        headers: { 'content-type': 'text/html' },
        body: '<b>',
      });
      expect(refused.status).toBe(403);
      expect(await puts.exists('put/other.json')).toBe(false);
    } finally {
      await puts.close();
    }
  });
});

describe('visibility and public URLs', () => {
  it('public-read objects are served anonymously at url(); private and default ones are not', async () => {
    const key = 'public/spa ce é #1?&+%.txt';
    await storage.put(key, 'for everyone', { visibility: 'public' });
    await storage.put('public/secret.txt', 'private', { visibility: 'private' });
    await storage.put('public/default.txt', 'default');
    const url = storage.url(key);
    expect(url).toBe(
      `${driverOptions(bucket.name).endpoint}/${bucket.name}/public/spa%20ce%20%C3%A9%20%231%3F%26%2B%25.txt`,
    );
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('for everyone');
    expect((await fetch(storage.url('public/secret.txt'))).status).toBe(403);
    expect((await fetch(storage.url('public/default.txt'))).status).toBe(403);
    // The ACL really is on the object, not only in our metadata.
    const acl = await bucket.client.send(
      new GetObjectAclCommand({ Bucket: bucket.name, Key: key }),
    );
    expect(
      acl.Grants?.some(
        (g) => g.Grantee?.URI?.endsWith('/global/AllUsers') && g.Permission === 'READ',
      ),
    ).toBe(true);
    expect((await storage.head('public/default.txt')).visibility).toBeUndefined();
  });

  it('url() includes the driver prefix; publicBaseUrl replaces the bucket address', async () => {
    await prefixed.put('pub/a b.txt', 'prefixed', { visibility: 'public' });
    const url = prefixed.url('pub/a b.txt');
    expect(url).toBe(
      `${driverOptions(bucket.name).endpoint}/${bucket.name}/site/media/pub/a%20b.txt`,
    );
    expect(await (await fetch(url)).text()).toBe('prefixed');
    const cdn = s3({
      bucket: 'b',
      region: 'eu-west-1',
      prefix: 'media',
      publicBaseUrl: 'https://cdn.example.com/',
    });
    expect(cdn.url?.('a/ü (1).jpg', {})).toBe(
      'https://cdn.example.com/media/a/%C3%BC%20%281%29.jpg',
    );
    const aws = s3({ bucket: 'my-bucket', region: 'eu-west-1', publicBucketUrl: true });
    expect(aws.url?.('k.txt', {})).toBe('https://my-bucket.s3.eu-west-1.amazonaws.com/k.txt');
    const virtual = s3({
      bucket: 'b',
      endpoint: 'https://s3.example.net',
      forcePathStyle: false,
      publicBucketUrl: true,
    });
    expect(virtual.url?.('k', {})).toBe('https://b.s3.example.net/k');
    for (const driver of [cdn, aws, virtual]) await driver.close?.();
  });
});

describe('metadata', () => {
  it('round-trips unicode values and "_" names, stored as ASCII headers', async () => {
    const metadata = {
      snake_case: 'ok',
      'a-_b': 'x',
      filename: 'café 文件 😀.jpg',
      spaced: '  padded  ',
      empty: '',
    };
    const info = await storage.put('meta/a.txt', 'm', { metadata });
    expect(info.metadata).toEqual(metadata);
    expect((await storage.head('meta/a.txt')).metadata).toEqual(metadata);
    const raw = await bucket.client.send(
      new HeadObjectCommand({ Bucket: bucket.name, Key: 'meta/a.txt' }),
    );
    for (const [name, value] of Object.entries(raw.Metadata ?? {})) {
      expect(name).toMatch(/^[a-z0-9-]+$/);
      expect(value).toMatch(/^[\x20-\x7e]*$/);
    }
    expect(raw.Metadata?.filename).toBe(
      `=?UTF-8?B?${Buffer.from(metadata.filename).toString('base64')}?=`,
    );
  });

  it('reads RFC 2047 values written by other tools', async () => {
    await bucket.client.send(
      new PutObjectCommand({
        Bucket: bucket.name,
        Key: 'meta/other.txt',
        Body: 'x',
        Metadata: { title: '=?UTF-8?Q?caf=C3=A9_ok?=' },
      }),
    );
    expect((await storage.head('meta/other.txt')).metadata).toEqual({ title: 'café ok' });
  });
});

describe('copy', () => {
  it('copies keys with spaces and unicode, keeping metadata, headers and visibility', async () => {
    const from = 'copy/spa ce é #1?&+%.txt';
    await prefixed.put(from, 'copied', {
      metadata: { note: 'naïve', snake_case: '1' },
      cacheControl: 'max-age=60',
      visibility: 'public',
    });
    const info = await prefixed.copy(from, 'copy/文件 target.txt');
    expect(info).toMatchObject({ key: 'copy/文件 target.txt', size: 6, visibility: 'public' });
    const head = await prefixed.head('copy/文件 target.txt');
    expect(head).toMatchObject({
      metadata: { note: 'naïve', snake_case: '1' },
      cacheControl: 'max-age=60',
      visibility: 'public',
    });
    expect(head.etag).toBe(info.etag);
    expect(await (await fetch(prefixed.url('copy/文件 target.txt'))).text()).toBe('copied');
  });

  it('copies part by part above multipartCopyThreshold', async () => {
    const parts = createStorage(
      s3(driverOptions(bucket.name, { multipartCopyThreshold: 5 * MiB })),
    );
    try {
      const size = 12 * MiB + 3;
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++) bytes[i] = (i * 7) & 0xff;
      await parts.put('mpcopy/src.bin', bytes, {
        metadata: { owner: 'ünï' },
        visibility: 'private',
      });
      const info = await parts.copy('mpcopy/src.bin', 'mpcopy/dst.bin');
      expect(info.size).toBe(size);
      const head = await parts.head('mpcopy/dst.bin');
      expect(head).toMatchObject({
        size,
        metadata: { owner: 'ünï' },
        visibility: 'private',
        contentType: 'application/octet-stream',
      });
      expect(head.etag).toMatch(/-3"$/);
      expect(await sha256((await parts.get('mpcopy/dst.bin')).body())).toBe(
        createHash('sha256').update(bytes).digest('hex'),
      );
      await expect(
        parts.copy('mpcopy/src.bin', 'mpcopy/dst.bin', { onConflict: 'fail' }),
      ).rejects.toMatchObject({
        code: 'ALREADY_EXISTS',
      });
    } finally {
      await parts.close();
    }
  });
});

describe('multipart uploads', () => {
  it('a streamed put over one part with onConflict fail on a taken key is ALREADY_EXISTS, sending nothing', async () => {
    await storage.put('mp/taken.bin', 'first');
    const error = await storage
      .put('mp/taken.bin', generated(20 * MiB, 64 * 1024), { onConflict: 'fail' })
      .catch((e) => e);
    expect(isStorageError(error, 'ALREADY_EXISTS')).toBe(true);
    expect(await storage.getText('mp/taken.bin')).toBe('first');
  });

  it('an abort signal stops a multipart upload and leaves no upload behind', async () => {
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<Uint8Array> {
      let sent = 0;
      for await (const chunk of generated(64 * MiB, 256 * 1024)) {
        sent += chunk.byteLength;
        if (sent === 20 * MiB) controller.abort();
        yield chunk;
      }
    }
    const error = await storage
      .put('mp/aborted.bin', slow(), { signal: controller.signal })
      .catch((e) => e);
    expect(isStorageError(error)).toBe(true);
    expect(await storage.exists('mp/aborted.bin')).toBe(false);
    const uploads = await bucket.client.send(
      new ListMultipartUploadsCommand({ Bucket: bucket.name, Prefix: 'mp/aborted' }),
    );
    expect(uploads.Uploads ?? []).toEqual([]);
  });

  it('a body stream failing after some parts aborts the upload', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield* generated(20 * MiB, MiB);
      throw new Error('the source broke');
    }
    const error = await storage.put('mp/broken.bin', failing()).catch((e) => e);
    expect(isStorageError(error)).toBe(true);
    expect(String(error.message)).toContain('the source broke');
    expect(await storage.exists('mp/broken.bin')).toBe(false);
    const uploads = await bucket.client.send(
      new ListMultipartUploadsCommand({ Bucket: bucket.name, Prefix: 'mp/broken' }),
    );
    expect(uploads.Uploads ?? []).toEqual([]);
  });
});

describe('keys and batches', () => {
  it('with a prefix, prefix + key must fit in 1024 bytes', async () => {
    const room = 1024 - Buffer.byteLength('site/media/');
    const fits = `${'k'.repeat(99)}/`.repeat(9) + 'z'.repeat(room - 900);
    await prefixed.put(fits, 'long');
    expect(await prefixed.getText(fits)).toBe('long');
    const error = await prefixed.put(`${fits}z`, 'too long').catch((e) => e);
    expect(isStorageError(error, 'INVALID_KEY')).toBe(true);
    expect(error.message).toContain('1024 bytes');
  });

  it('deleteMany sends batches of deleteBatchSize', async () => {
    const small = createStorage(s3(driverOptions(bucket.name, { deleteBatchSize: 2 })));
    try {
      const keys = Array.from({ length: 5 }, (_, i) => `batch/${i} é.txt`);
      for (const key of keys) await small.put(key, key);
      await small.deleteMany([...keys, 'batch/missing.txt']);
      expect((await small.list({ prefix: 'batch/' })).objects).toEqual([]);
    } finally {
      await small.close();
    }
  });

  it('list strips the driver prefix and gives summary info', async () => {
    await prefixed.put('listing/a.json', '{}', { metadata: { x: '1' } });
    await prefixed.put('listing/sub/b.txt', 'b');
    const page = await prefixed.list({ prefix: 'listing/', delimiter: '/' });
    expect(page.prefixes).toEqual(['listing/sub/']);
    expect(page.objects).toHaveLength(1);
    expect(page.objects[0]).toMatchObject({
      key: 'listing/a.json',
      size: 2,
      contentType: 'application/json; charset=utf-8',
      metadata: {},
    });
    expect(page.objects[0]!.lastModified).toBeInstanceOf(Date);
  });
});
