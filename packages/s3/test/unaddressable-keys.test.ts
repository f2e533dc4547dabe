import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createStorage, type SkippedKey, type Storage } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3 } from '../src/index.js';
import { driverOptions, tempBucket } from './helpers.js';

// Keys other tools write that break Stowage's key rules: the S3 console's folder markers, an
// empty segment, a control character, a backslash. get() would refuse each with INVALID_KEY,
// so listings leave them out and say so.
const UNADDRESSABLE = ['a//b', 'back\\slash.txt', 'ctl\u0001key.txt', 'photos/'];
const VALID = ['a/c.txt', 'ok.txt', 'photos/cat.jpg'];

let bucket: Awaited<ReturnType<typeof tempBucket>>;
let storage: Storage;

beforeAll(async () => {
  bucket = await tempBucket('odd');
  for (const key of [...UNADDRESSABLE, ...VALID]) {
    await bucket.client.send(
      new PutObjectCommand({ Bucket: bucket.name, Key: key, Body: key.endsWith('/') ? '' : key }),
    );
  }
  storage = createStorage(s3(driverOptions(bucket.name)));
});
afterAll(async () => {
  await storage?.close();
  // DeleteObjects is XML, which cannot carry a control character: delete those one by one.
  for (const key of UNADDRESSABLE) {
    await bucket?.client.send(new DeleteObjectCommand({ Bucket: bucket.name, Key: key }));
  }
  await bucket?.remove();
});

describe('keys Stowage cannot address', () => {
  it('list() leaves them out of objects and reports them in skipped, with the reason', async () => {
    const page = await storage.list();
    expect(page.objects.map((o) => o.key)).toEqual(VALID);
    expect(page.skipped?.map((s) => s.key)).toEqual(UNADDRESSABLE);
    for (const skipped of page.skipped ?? []) expect(skipped.problem).toMatch(/a key must/);
    // Every listed object can be read.
    for (const object of page.objects) expect(await storage.getText(object.key)).toBe(object.key);
  });

  it('prefixes that no key could start with are skipped too', async () => {
    const root = await storage.list({ delimiter: '/' });
    expect(root.prefixes).toEqual(['a/', 'photos/']);
    expect(root.objects.map((o) => o.key)).toEqual(['ok.txt']);
    expect(root.skipped?.map((s) => s.key)).toEqual(['back\\slash.txt', 'ctl\u0001key.txt']);
    const inA = await storage.list({ prefix: 'a/', delimiter: '/' });
    expect(inA.prefixes).toEqual([]);
    expect(inA.objects.map((o) => o.key)).toEqual(['a/c.txt']);
    expect(inA.skipped?.map((s) => s.key)).toEqual(['a//']);
    // A page without any has no skipped field.
    expect((await storage.list({ prefix: 'photos/c' })).skipped).toBeUndefined();
  });

  it('listAll() yields only addressable objects and tells onSkipped about the rest', async () => {
    const skipped: SkippedKey[] = [];
    const keys: string[] = [];
    for await (const info of storage.listAll('', { onSkipped: (s) => skipped.push(s) })) {
      keys.push(info.key);
    }
    expect(keys).toEqual(VALID);
    expect(skipped.map((s) => s.key)).toEqual(UNADDRESSABLE);
  });

  it('across pages', async () => {
    const keys: string[] = [];
    const skipped: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await storage.list({ limit: 2, cursor });
      keys.push(...page.objects.map((o) => o.key));
      skipped.push(...(page.skipped ?? []).map((s) => s.key));
      cursor = page.cursor;
    } while (cursor);
    expect(keys).toEqual(VALID);
    expect(skipped).toEqual(UNADDRESSABLE);
  });
});
