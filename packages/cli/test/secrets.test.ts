import { maskUrlCredentials } from '@stowage/core/driver';
import { describe, expect, it } from 'vitest';
import { isSecretName, maskValue } from '../src/index.js';
import { Redactor, secretValues } from '../src/secrets.js';

describe('secrets', () => {
  it('treats names with SECRET, KEY, PASSWORD or TOKEN as secret', () => {
    for (const name of [
      'AWS_SECRET_ACCESS_KEY',
      'AWS_ACCESS_KEY_ID',
      'R2_SECRET_ACCESS_KEY',
      'CLOUDINARY_API_SECRET',
      'CLOUDINARY_API_KEY',
      'AWS_SESSION_TOKEN',
      'DB_PASSWORD',
      'STORAGE_SIGNING_SECRET',
    ]) {
      expect(isSecretName(name)).toBe(true);
    }
    for (const name of ['AWS_STORAGE_BUCKET_NAME', 'USE_S3', 'CLOUDINARY_URL', 'R2_PUBLIC_URL']) {
      expect(isSecretName(name)).toBe(false);
    }
  });

  it('masks secret values and the password of a URL', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    expect(maskValue('AWS_SECRET_ACCESS_KEY', secret)).toBe('**** (40 characters)');
    expect(maskValue('AWS_STORAGE_BUCKET_NAME', 'media')).toBe('media');
    expect(maskValue('CLOUDINARY_URL', 'cloudinary://123456789012345:abcdEFGH_ijkl@my-cloud')).toBe(
      'cloudinary://123456789012345:****@my-cloud',
    );
    expect(maskUrlCredentials('https://example.com/a:b@c')).toBe('https://example.com/a:b@c');
    expect(maskUrlCredentials('not a url')).toBe('not a url');
  });

  it('redacts every secret value of an environment from output', () => {
    const env = {
      AWS_SECRET_ACCESS_KEY: 'super-secret-value-1',
      CLOUDINARY_URL: 'cloudinary://1234:p%40ss-word-2@cloud',
      AWS_STORAGE_BUCKET_NAME: 'public-bucket-name',
      SHORT_KEY: 'abc',
    };
    expect(secretValues(env).sort()).toEqual(
      ['super-secret-value-1', 'p%40ss-word-2', 'p@ss-word-2'].sort(),
    );
    const redactor = new Redactor();
    redactor.addEnv(env);
    expect(
      redactor.apply(
        'sig super-secret-value-1 url p@ss-word-2 raw p%40ss-word-2 public-bucket-name',
      ),
    ).toBe('sig **** url **** raw **** public-bucket-name');
  });
});

describe('URL passwords that do not parse', () => {
  it.each([
    ['https://user:p/w-secret@s3.example.com', 'https://****@s3.example.com'],
    ['https://user:p w-secret@s3.example.com', 'https://user:****@s3.example.com'],
    ['https://user:p@w-secret@s3.example.com/x', 'https://user:****@s3.example.com/x'],
    ['https://token-secret@s3.example.com', 'https://****@s3.example.com'],
  ])('maskUrlCredentials(%s) shows no part of the password', (value, masked) => {
    expect(maskUrlCredentials(value)).toBe(masked);
    const redactor = new Redactor();
    redactor.addEnv({ SOME_URL: value });
    expect(redactor.apply(`endpoint ${value} failed`)).not.toMatch(/w-secret|token-secret/);
  });
});
