import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Driver,
  type EnvDriverFactory,
  isStorageError,
  memory,
  selectDriver,
  storageFromEnv,
} from '@stowage/core';
import { describe, expect, it } from 'vitest';

const fakeCloud = (driverName: string): EnvDriverFactory => ({
  driverName,
  fromEnv: (): Driver => ({ ...memory(), name: driverName }),
});

describe('storageFromEnv', () => {
  it('defaults to disk at ./media with /media URLs when no cloud is configured', () => {
    const storage = storageFromEnv({});
    expect(storage.driver).toBe('disk');
    expect(storage.url('a b.png')).toBe('/media/a%20b.png');
  });

  it('uses STORAGE_DISK_ROOT and STORAGE_PUBLIC_BASE_URL', async () => {
    const root = mkdtempSync(join(tmpdir(), 'stowage-env-'));
    const storage = storageFromEnv({
      STORAGE_DISK_ROOT: root,
      STORAGE_PUBLIC_BASE_URL: 'https://cdn.example.com/files/',
    });
    await storage.put('x.txt', 'hi');
    expect(storage.url('x.txt')).toBe('https://cdn.example.com/files/x.txt');
    expect(await storageFromEnv({ STORAGE_DISK_ROOT: root }).getText('x.txt')).toBe('hi');
  });

  it('picks the driver in the documented order', () => {
    expect(selectDriver({ STORAGE_DRIVER: 'S3', USE_R2: 'true' }).driver).toBe('s3');
    expect(
      selectDriver({ USE_R2: 'true', USE_S3: 'true', CLOUDINARY_URL: 'cloudinary://k:s@c' }).driver,
    ).toBe('r2');
    expect(selectDriver({ USE_S3: 'True', CLOUDINARY_URL: 'cloudinary://k:s@c' }).driver).toBe(
      's3',
    );
    expect(selectDriver({ USE_S3: 'false', CLOUDINARY_CLOUD_NAME: 'demo' }).driver).toBe(
      'cloudinary',
    );
    expect(selectDriver({ USE_R2: '0' }).driver).toBe('disk');
  });

  it('builds a registered cloud driver from its factory', () => {
    const storage = storageFromEnv(
      { USE_R2: 'true' },
      { drivers: [fakeCloud('s3'), fakeCloud('r2')] },
    );
    expect(storage.driver).toBe('r2');
  });

  it('names the variable when it is malformed, or the package when a driver is missing', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ USE_S3: 'maybe' }, /USE_S3 must be true or false/],
      [{ STORAGE_DRIVER: 'ftp' }, /STORAGE_DRIVER must be one of/],
      [{ USE_S3: 'true' }, /install @stowage\/s3/],
      [{ STORAGE_SIGNING_SECRET: 'short' }, /STORAGE_SIGNING_SECRET must be at least 16/],
      [{ STORAGE_PUBLIC_BASE_URL: 'media' }, /STORAGE_PUBLIC_BASE_URL must be a path/],
    ];
    for (const [env, message] of cases) {
      const error = (() => {
        try {
          storageFromEnv(env);
        } catch (e) {
          return e;
        }
      })();
      expect(isStorageError(error, 'CONFIG')).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('warns once about an ephemeral disk in production, unless told the disk persists', async () => {
    const { diskFromEnv } = await import('@stowage/core/driver');
    const root = mkdtempSync(join(tmpdir(), 'stowage-env-'));
    const silenced: string[] = [];
    diskFromEnv(
      { NODE_ENV: 'production', STORAGE_DISK_ROOT: root, STORAGE_DISK_PERSISTENT: 'true' },
      (m) => silenced.push(m),
    );
    expect(silenced).toEqual([]);
    const warnings: string[] = [];
    diskFromEnv({ NODE_ENV: 'production', STORAGE_DISK_ROOT: root }, (m) => warnings.push(m));
    diskFromEnv({ NODE_ENV: 'production', STORAGE_DISK_ROOT: root }, (m) => warnings.push(m));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/lost at the next redeploy/);
  });
});
