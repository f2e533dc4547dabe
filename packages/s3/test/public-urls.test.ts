import { createStorage, isStorageError, storageFromEnv } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3 } from '../src/index.js';
import { driverOptions, server, tempBucket } from './helpers.js';

// New AWS buckets block public access (since April 2023): a bucket's own address answers 403
// unless the bucket was opened on purpose. url() only claims what the configuration says.

let bucket: Awaited<ReturnType<typeof tempBucket>>;
beforeAll(async () => {
  bucket = await tempBucket('pub');
});
afterAll(async () => {
  await bucket?.remove();
});

const BASE_ENV = {
  USE_S3: 'true',
  AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret-value-123',
  AWS_STORAGE_BUCKET_NAME: 'media-bucket',
};

describe('public URLs of an S3 bucket', () => {
  it('a default storage has none: url() is UNSUPPORTED and says what to configure', async () => {
    const storage = createStorage(s3(driverOptions(bucket.name)));
    try {
      await storage.put('private/a.txt', 'not for everyone');
      expect(storage.capabilities.publicUrl).toBe(false);
      let caught: unknown;
      try {
        storage.url('private/a.txt');
      } catch (error) {
        caught = error;
      }
      expect(isStorageError(caught, 'UNSUPPORTED')).toBe(true);
      expect((caught as Error).message).toMatch(/publicBaseUrl|signedUrl/);
      // The way to hand the file out: a signed URL, which works on a private bucket.
      const signed = await storage.signedUrl('private/a.txt', { expiresIn: 60 });
      expect(await (await fetch(signed)).text()).toBe('not for everyone');
    } finally {
      await storage.close();
    }
  });

  it('a region alone (AWS) or from the environment without a custom domain gives none either', async () => {
    const aws = s3({ bucket: 'my-bucket', region: 'eu-west-1' });
    expect(aws.capabilities.publicUrl).toBe(false);
    await aws.close?.();
    const fromEnv = storageFromEnv(BASE_ENV, { drivers: [s3] });
    expect(fromEnv.capabilities.publicUrl).toBe(false);
    expect(() => fromEnv.url('a.jpg')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
    await fromEnv.close();
  });

  it('publicBaseUrl (a CDN or a bucket opened on purpose) gives working URLs', async () => {
    const { endpoint } = server();
    const storage = createStorage(
      s3(driverOptions(bucket.name, { publicBaseUrl: `${endpoint}/${bucket.name}` })),
    );
    try {
      expect(storage.capabilities.publicUrl).toBe(true);
      await storage.put('open/b c.txt', 'for everyone', { visibility: 'public' });
      const url = storage.url('open/b c.txt');
      expect(url).toBe(`${endpoint}/${bucket.name}/open/b%20c.txt`);
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('for everyone');
    } finally {
      await storage.close();
    }
  });

  it('publicBucketUrl: true says the bucket address is readable', async () => {
    const storage = createStorage(s3(driverOptions(bucket.name, { publicBucketUrl: true })));
    try {
      expect(storage.capabilities.publicUrl).toBe(true);
      await storage.put('open/d.txt', 'public-read', { visibility: 'public' });
      expect(await (await fetch(storage.url('open/d.txt'))).text()).toBe('public-read');
    } finally {
      await storage.close();
    }
    const aws = s3({ bucket: 'my-bucket', region: 'eu-west-1', publicBucketUrl: true });
    expect(aws.url?.('k.txt', {})).toBe('https://my-bucket.s3.eu-west-1.amazonaws.com/k.txt');
    await aws.close?.();
  });

  it('from the environment: AWS_S3_CUSTOM_DOMAIN, or AWS_QUERYSTRING_AUTH=false as django-storages reads it', async () => {
    const cdn = storageFromEnv(
      { ...BASE_ENV, AWS_S3_CUSTOM_DOMAIN: 'cdn.example.com' },
      { drivers: [s3] },
    );
    expect(cdn.url('a b.jpg')).toBe('https://cdn.example.com/a%20b.jpg');
    const open = storageFromEnv({ ...BASE_ENV, AWS_QUERYSTRING_AUTH: 'false' }, { drivers: [s3] });
    expect(open.url('a b.jpg')).toBe('https://media-bucket.s3.us-east-1.amazonaws.com/a%20b.jpg');
    const signedOnly = storageFromEnv(
      { ...BASE_ENV, AWS_QUERYSTRING_AUTH: 'true' },
      { drivers: [s3] },
    );
    expect(signedOnly.capabilities.publicUrl).toBe(false);
    expect(() =>
      storageFromEnv({ ...BASE_ENV, AWS_QUERYSTRING_AUTH: 'perhaps' }, { drivers: [s3] }),
    ).toThrow(expect.objectContaining({ code: 'CONFIG' }));
    for (const storage of [cdn, open, signedOnly]) await storage.close();
  });
});
