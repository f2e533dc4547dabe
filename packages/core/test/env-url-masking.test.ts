import { isStorageError } from '@stowage/core';
import { diskFromEnv, envUrl, maskUrlCredentials } from '@stowage/core/driver';
import { describe, expect, it } from 'vitest';

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

describe('URL variables never repeat a password', () => {
  it.each([
    `https://user:${PASSWORD}@host.example.com`,
    `ftp://user:${PASSWORD}@host.example.com`,
    `https://user:${PASSWORD}/x@host.example.com`,
    `https://user:${PASSWORD} x@host.example.com`,
    `https://${PASSWORD}@host.example.com`,
  ])('envUrl(%s) is CONFIG naming the variable, masked', (value) => {
    const message = configMessage(() => envUrl({ SOME_URL: value }, 'SOME_URL'));
    expect(message).toContain('SOME_URL');
    expect(message).toContain('****@host.example.com');
    expect(message).not.toContain('hunter2');
  });

  it.each([
    `ftp://user:${PASSWORD}@cdn.example.com`,
    `https://user:${PASSWORD}@cdn.example.com/media`,
  ])('STORAGE_PUBLIC_BASE_URL=%s likewise', (value) => {
    const message = configMessage(() => diskFromEnv({ STORAGE_PUBLIC_BASE_URL: value }, () => {}));
    expect(message).toContain('STORAGE_PUBLIC_BASE_URL');
    expect(message).not.toContain('hunter2');
  });
});

describe('maskUrlCredentials', () => {
  it.each([
    // The user name stays (it tells which account); the password goes.
    [`https://user:${PASSWORD}@host.example.com/x`, 'https://user:****@host.example.com/x'],
    [`cloudinary://123456:${PASSWORD}@my-cloud`, 'cloudinary://123456:****@my-cloud'],
    // A token alone, or a URL that does not parse: up to the last `@`.
    [`https://${PASSWORD}@host.example.com`, 'https://****@host.example.com'],
    [`https://user:${PASSWORD}/x@host.example.com`, 'https://****@host.example.com'],
    // A host where `user:password@host` was written (no scheme): up to the last `@`.
    [`user:${PASSWORD}@cdn.example.com`, '****@cdn.example.com'],
    // An `@` in the path of a URL that parses is no credential.
    ['https://example.com/a:b@c', 'https://example.com/a:b@c'],
    ['https://cdn.example.com/media', 'https://cdn.example.com/media'],
  ])('%s -> %s', (value, masked) => {
    expect(maskUrlCredentials(value)).toBe(masked);
  });
});
