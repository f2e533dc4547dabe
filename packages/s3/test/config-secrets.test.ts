import { isStorageError } from '@stowage/core';
import { describe, expect, it } from 'vitest';
import { s3 } from '../src/index.js';

const PASSWORD = 'hunter2-url-password';

function configMessage(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    expect(isStorageError(error, 'CONFIG'), String(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a CONFIG error');
}

const BASE_ENV = { AWS_STORAGE_BUCKET_NAME: 'media' };

// A URL with user:password@ is refused (the password would end up in public URLs and logs), and
// the error names the option without repeating the password.
describe('URLs with a password in them', () => {
  it.each([
    ['endpoint', `https://user:${PASSWORD}@s3.example.com`],
    ['endpoint', `https://user:${PASSWORD}/x@s3.example.com`],
    ['endpoint', `ftp://user:${PASSWORD}@s3.example.com`],
    ['endpoint', `https://user:${PASSWORD} @s3.example.com`],
    ['publicBaseUrl', `https://user:${PASSWORD}@cdn.example.com`],
    ['publicBaseUrl', `https://${PASSWORD}@cdn.example.com`],
  ])('s3({ %s }) is CONFIG naming it, without the password', (option, value) => {
    const message = configMessage(() => s3({ bucket: 'b', [option]: value }));
    expect(message).toContain(option);
    expect(message).not.toContain(PASSWORD);
    expect(message).not.toContain('hunter2');
  });

  it.each([
    ['AWS_S3_ENDPOINT_URL', `https://user:${PASSWORD}@s3.example.com`],
    ['AWS_S3_ENDPOINT_URL', `http://user:${PASSWORD}@s3 .example.com`],
    ['AWS_S3_ENDPOINT_URL', `ftp://user:${PASSWORD}@s3.example.com`],
    ['AWS_S3_ENDPOINT_URL', `user:${PASSWORD}@s3.example.com`],
    ['AWS_S3_CUSTOM_DOMAIN', `user:${PASSWORD}@cdn.example.com`],
    ['AWS_S3_CUSTOM_DOMAIN', `https://user:${PASSWORD}@cdn.example.com`],
    ['AWS_S3_CUSTOM_DOMAIN', `ftp://user:${PASSWORD}@cdn.example.com`],
  ])('%s is CONFIG naming it, without the password', (name, value) => {
    const message = configMessage(() => s3.fromEnv({ ...BASE_ENV, [name]: value }));
    expect(message).toContain(name);
    expect(message).not.toContain(PASSWORD);
    expect(message).not.toContain('hunter2');
  });
});
