import { isStorageError } from '@stowage/core';
import { r2 } from '@stowage/r2';
import { describe, expect, it } from 'vitest';

const PASSWORD = 'hunter2-url-password';
const BASE = {
  R2_ACCOUNT_ID: 'abc123def456',
  R2_BUCKET_NAME: 'media',
  R2_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  R2_SECRET_ACCESS_KEY: 'r2-secret-value-not-to-be-shown',
  USE_R2_MEDIA_PROXY: 'false',
};

function configMessage(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    expect(isStorageError(error, 'CONFIG'), String(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a CONFIG error');
}

describe('R2 URLs with a password in them', () => {
  it.each([
    ['R2_PUBLIC_URL', `https://user:${PASSWORD}@pub-1234.r2.dev`],
    ['R2_PUBLIC_URL', `https://user:${PASSWORD} x@pub-1234.r2.dev`],
    ['R2_PUBLIC_URL', `ftp://user:${PASSWORD}@pub-1234.r2.dev`],
    ['R2_PUBLIC_DOMAIN', `user:${PASSWORD}@pub-1234.r2.dev`],
    ['R2_ENDPOINT_URL', `https://user:${PASSWORD}@abc.r2.cloudflarestorage.com`],
    ['R2_ENDPOINT_URL', `ftp://user:${PASSWORD}@abc.r2.cloudflarestorage.com`],
    ['R2_ENDPOINT_URL', `https://user:${PASSWORD}/x@abc.r2.cloudflarestorage.com`],
  ])('%s is CONFIG naming it, without the password', (name, value) => {
    const message = configMessage(() => r2.fromEnv({ ...BASE, [name]: value }));
    expect(message).toContain(name);
    expect(message).not.toContain(PASSWORD);
    expect(message).not.toContain('hunter2');
  });

  it('r2({ publicUrl, endpoint }) likewise', () => {
    const options = {
      accountId: 'abc123def456',
      bucket: 'media',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'r2-secret-value-not-to-be-shown',
    };
    for (const extra of [
      { publicUrl: `https://user:${PASSWORD}@pub-1234.r2.dev` },
      { endpoint: `https://user:${PASSWORD}@abc.r2.cloudflarestorage.com` },
    ]) {
      const message = configMessage(() => r2({ ...options, ...extra }));
      expect(message).toContain(Object.keys(extra)[0]);
      expect(message).not.toContain(PASSWORD);
    }
  });
});
