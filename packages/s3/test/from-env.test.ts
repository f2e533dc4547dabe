import { isStorageError, storageFromEnv } from '@stowage/core';
import { describe, expect, it } from 'vitest';
import { optionsFromEnv, s3 } from '../src/index.js';

const BASE = {
  USE_S3: 'true',
  AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret-value-123',
  AWS_STORAGE_BUCKET_NAME: 'media-bucket',
};

function configError(env: Record<string, string | undefined>): { code: string; message: string } {
  try {
    s3.fromEnv(env);
  } catch (error) {
    if (!isStorageError(error)) throw error;
    return { code: error.code, message: error.message };
  }
  throw new Error('expected a CONFIG error');
}

describe('s3.fromEnv', () => {
  it('storageFromEnv picks s3 with USE_S3=true', async () => {
    const storage = storageFromEnv({ ...BASE, AWS_QUERYSTRING_AUTH: 'false' }, { drivers: [s3] });
    expect(storage.driver).toBe('s3');
    expect(s3.driverName).toBe('s3');
    expect(storage.url('a b.jpg')).toBe(
      'https://media-bucket.s3.us-east-1.amazonaws.com/a%20b.jpg',
    );
    await storage.close();
  });

  it('reads every variable', () => {
    const options = optionsFromEnv({
      ...BASE,
      AWS_SESSION_TOKEN: 'token',
      AWS_S3_REGION_NAME: 'eu-west-3',
      AWS_S3_ENDPOINT_URL: 'http://127.0.0.1:7480/',
      AWS_S3_CUSTOM_DOMAIN: 'cdn.example.com',
      AWS_LOCATION: '/static/',
    });
    expect(options).toEqual({
      bucket: 'media-bucket',
      region: 'eu-west-3',
      credentials: {
        accessKeyId: 'AKIAEXAMPLE',
        secretAccessKey: 'secret-value-123',
        sessionToken: 'token',
      },
      endpoint: 'http://127.0.0.1:7480',
      forcePathStyle: true,
      publicBaseUrl: 'https://cdn.example.com',
      prefix: 'static/',
    });
    const driver = s3.fromEnv({
      ...BASE,
      AWS_S3_CUSTOM_DOMAIN: 'cdn.example.com',
      AWS_LOCATION: 'static',
    });
    expect(driver.url?.('css/a.css', {})).toBe('https://cdn.example.com/static/css/a.css');
  });

  it('defaults: region us-east-1, no prefix, virtual-hosted URLs; an endpoint implies path style', () => {
    expect(optionsFromEnv(BASE)).toMatchObject({
      region: 'us-east-1',
      prefix: '',
      forcePathStyle: false,
    });
    expect(optionsFromEnv(BASE).publicBaseUrl).toBeUndefined();
    const withEndpoint = { ...BASE, AWS_S3_ENDPOINT_URL: 'https://minio.local:9000' };
    expect(optionsFromEnv(withEndpoint).forcePathStyle).toBe(true);
    expect(optionsFromEnv({ ...withEndpoint, S3_FORCE_PATH_STYLE: 'false' }).forcePathStyle).toBe(
      false,
    );
    expect(
      optionsFromEnv({ ...withEndpoint, AWS_S3_ADDRESSING_STYLE: 'virtual' }).forcePathStyle,
    ).toBe(false);
    expect(
      optionsFromEnv({ ...BASE, AWS_S3_CUSTOM_DOMAIN: 'http://localhost:8080/media/' })
        .publicBaseUrl,
    ).toBe('http://localhost:8080/media');
  });

  it('without any keys, the SDK default credential chain is used', () => {
    const { AWS_ACCESS_KEY_ID: _, AWS_SECRET_ACCESS_KEY: __, ...noKeys } = BASE;
    expect(optionsFromEnv(noKeys).credentials).toBeUndefined();
  });

  it.each([
    ['AWS_STORAGE_BUCKET_NAME', { AWS_STORAGE_BUCKET_NAME: undefined }],
    ['AWS_STORAGE_BUCKET_NAME', { AWS_STORAGE_BUCKET_NAME: '  ' }],
    ['AWS_STORAGE_BUCKET_NAME', { AWS_STORAGE_BUCKET_NAME: 'a/b' }],
    ['AWS_SECRET_ACCESS_KEY', { AWS_SECRET_ACCESS_KEY: undefined }],
    ['AWS_ACCESS_KEY_ID', { AWS_ACCESS_KEY_ID: '' }],
    ['AWS_S3_REGION_NAME', { AWS_S3_REGION_NAME: 'eu west 1' }],
    ['AWS_S3_ENDPOINT_URL', { AWS_S3_ENDPOINT_URL: 'localhost:9000' }],
    ['AWS_S3_ENDPOINT_URL', { AWS_S3_ENDPOINT_URL: 'ftp://example.com' }],
    ['AWS_S3_CUSTOM_DOMAIN', { AWS_S3_CUSTOM_DOMAIN: 'cdn example.com' }],
    ['AWS_S3_CUSTOM_DOMAIN', { AWS_S3_CUSTOM_DOMAIN: 'ftp://cdn.example.com' }],
    ['AWS_LOCATION', { AWS_LOCATION: 'media/../etc' }],
    ['AWS_LOCATION', { AWS_LOCATION: 'a//b' }],
    ['S3_FORCE_PATH_STYLE', { S3_FORCE_PATH_STYLE: 'maybe' }],
    ['AWS_S3_ADDRESSING_STYLE', { AWS_S3_ADDRESSING_STYLE: 'sideways' }],
  ])('a bad %s is CONFIG naming it', (name, change) => {
    const error = configError({ ...BASE, ...change });
    expect(error.code).toBe('CONFIG');
    expect(error.message).toContain(name);
  });

  it('no secret appears in CONFIG errors', () => {
    const error = configError({ ...BASE, AWS_S3_ENDPOINT_URL: 'nope' });
    expect(error.message).not.toContain(BASE.AWS_SECRET_ACCESS_KEY);
  });
});

describe('s3() options', () => {
  it.each([
    ['bucket', { bucket: '' }],
    ['endpoint', { bucket: 'b', endpoint: 'not a url' }],
    ['partSize', { bucket: 'b', partSize: 1024 }],
    ['queueSize', { bucket: 'b', queueSize: 0 }],
    ['deleteBatchSize', { bucket: 'b', deleteBatchSize: 1001 }],
    ['deleteBatchSize', { bucket: 'b', deleteBatchSize: 701, profile: { deleteBatchSize: 700 } }],
    ['prefix', { bucket: 'b', prefix: '../up' }],
    ['publicBaseUrl', { bucket: 'b', publicBaseUrl: 'cdn.example.com' }],
  ])('a bad %s is CONFIG at construction', (name, options) => {
    let caught: unknown;
    try {
      s3(options);
    } catch (error) {
      caught = error;
    }
    expect(isStorageError(caught, 'CONFIG')).toBe(true);
    expect((caught as Error).message).toContain(name);
  });

  it('a client without region or endpoint has no public URLs unless publicBaseUrl is set', async () => {
    const { S3Client } = await import('@aws-sdk/client-s3');
    const client = new S3Client({ region: 'eu-west-1' });
    expect(s3({ bucket: 'b', client, publicBucketUrl: true }).capabilities.publicUrl).toBe(false);
    expect(
      s3({ bucket: 'b', client, region: 'eu-west-1', publicBucketUrl: true }).capabilities
        .publicUrl,
    ).toBe(true);
    expect(
      s3({ bucket: 'b', client, publicBaseUrl: 'https://cdn.example.com' }).url?.('k', {}),
    ).toBe('https://cdn.example.com/k');
    // Not ours to destroy.
    await s3({ bucket: 'b', client }).close?.();
    client.destroy();
  });

  it('a profile without ACLs or bucket URLs (the R2 shape) turns those capabilities off', () => {
    const driver = s3({
      bucket: 'b',
      endpoint: 'https://account.r2.cloudflarestorage.com',
      profile: {
        name: 'r2',
        supportsAcl: false,
        publicUrlStyle: 'custom-only',
        presignedPost: false,
        deleteBatchSize: 700,
      },
    });
    expect(driver.name).toBe('r2');
    expect(driver.capabilities).toMatchObject({
      visibility: false,
      publicUrl: false,
      signedUpload: true,
    });
  });
});
