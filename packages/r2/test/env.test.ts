import { isStorageError, storageFromEnv } from '@stowage/core';
import { r2, r2Endpoint, r2OptionsFromEnv } from '@stowage/r2';
import { s3 } from '@stowage/s3';
import { describe, expect, it } from 'vitest';

const BASE = {
  USE_R2: 'true',
  R2_ACCOUNT_ID: 'abc123def456',
  R2_BUCKET_NAME: 'media',
  R2_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  R2_SECRET_ACCESS_KEY: 'r2-secret-value-not-to-be-shown',
};

function configMessage(env: Record<string, string>): string {
  try {
    storageFromEnv(env, { drivers: [s3, r2] });
  } catch (error) {
    expect(isStorageError(error, 'CONFIG')).toBe(true);
    expect((error as Error).message).not.toContain(BASE.R2_SECRET_ACCESS_KEY);
    return (error as Error).message;
  }
  throw new Error('expected a CONFIG error');
}

describe('r2 from the environment its users already have', () => {
  it('USE_R2=true selects it, with the default endpoint, region auto and the media proxy on', () => {
    const storage = storageFromEnv(BASE, { drivers: [s3, r2] });
    expect(storage.driver).toBe('r2');
    expect(storage.url('avatars/a b.png')).toBe('/media-proxy/avatars/a%20b.png');
    expect(r2OptionsFromEnv(BASE)).toMatchObject({ region: 'auto', mediaProxy: true });
  });

  for (const name of [
    'R2_ACCOUNT_ID',
    'R2_BUCKET_NAME',
    'R2_ACCESS_KEY_ID',
    'R2_SECRET_ACCESS_KEY',
  ] as const) {
    it(`a missing ${name} is a CONFIG error naming it`, () => {
      const env: Record<string, string> = { ...BASE };
      delete env[name];
      expect(configMessage(env)).toContain(name);
      expect(configMessage({ ...BASE, [name]: '   ' })).toContain(name);
    });
  }

  it('R2_PUBLIC_DOMAIN (a host) and R2_PUBLIC_URL (a URL) give the same URLs when the proxy is off', () => {
    const byDomain = storageFromEnv(
      { ...BASE, USE_R2_MEDIA_PROXY: 'false', R2_PUBLIC_DOMAIN: 'pub-1234.r2.dev' },
      { drivers: [r2] },
    );
    const byUrl = storageFromEnv(
      { ...BASE, USE_R2_MEDIA_PROXY: 'false', R2_PUBLIC_URL: 'https://pub-1234.r2.dev/' },
      { drivers: [r2] },
    );
    expect(byDomain.url('a/b.png')).toBe('https://pub-1234.r2.dev/a/b.png');
    expect(byUrl.url('a/b.png')).toBe(byDomain.url('a/b.png'));
  });

  it('with the proxy off and no public URL, url() is UNSUPPORTED, never a guess', () => {
    const storage = storageFromEnv({ ...BASE, USE_R2_MEDIA_PROXY: 'false' }, { drivers: [r2] });
    expect(storage.capabilities.publicUrl).toBe(false);
    expect(() => storage.url('a.png')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
  });

  it('R2_ENDPOINT_URL, R2_REGION_NAME and R2_JURISDICTION', async () => {
    expect(
      r2OptionsFromEnv({ ...BASE, R2_ENDPOINT_URL: 'https://custom.example.com/' }).endpoint,
    ).toBe('https://custom.example.com');
    expect(r2OptionsFromEnv({ ...BASE, R2_REGION_NAME: 'wnam' }).region).toBe('wnam');
    expect(r2Endpoint('abc', 'eu')).toBe('https://abc.eu.r2.cloudflarestorage.com');
    expect(r2Endpoint('abc', 'fedramp')).toBe('https://abc.fedramp.r2.cloudflarestorage.com');
    expect(r2Endpoint('abc')).toBe('https://abc.r2.cloudflarestorage.com');
    // Presigned URLs go to the API host, never to the public domain.
    const storage = storageFromEnv(
      {
        ...BASE,
        USE_R2_MEDIA_PROXY: 'false',
        R2_PUBLIC_DOMAIN: 'pub-1234.r2.dev',
        R2_JURISDICTION: 'eu',
      },
      { drivers: [r2] },
    );
    const signed = new URL(await storage.signedUrl('a.png', { expiresIn: 60 }));
    expect(signed.host).toBe('abc123def456.eu.r2.cloudflarestorage.com');
    expect(signed.pathname).toBe('/media/a.png');
  });

  it('names each malformed variable', () => {
    expect(configMessage({ ...BASE, USE_R2_MEDIA_PROXY: 'sometimes' })).toContain(
      'USE_R2_MEDIA_PROXY',
    );
    expect(configMessage({ ...BASE, R2_PUBLIC_URL: 'pub-1234.r2.dev' })).toContain('R2_PUBLIC_URL');
    expect(configMessage({ ...BASE, R2_PUBLIC_DOMAIN: 'https:/bad domain' })).toContain(
      'R2_PUBLIC_DOMAIN',
    );
    expect(configMessage({ ...BASE, R2_ENDPOINT_URL: 'not a url' })).toContain('R2_ENDPOINT_URL');
    expect(configMessage({ ...BASE, R2_JURISDICTION: 'mars' })).toContain('R2_JURISDICTION');
    expect(configMessage({ ...BASE, R2_ACCOUNT_ID: 'has spaces' })).toContain('R2_ACCOUNT_ID');
    expect(configMessage({ ...BASE, USE_R2: 'yes please' })).toContain('USE_R2');
  });
});
