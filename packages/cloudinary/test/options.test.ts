import { type CloudinaryOptions, cloudinary, parseCloudinaryUrl } from '@stowage/cloudinary';
import { startCloudinaryEmulator } from '@stowage/cloudinary/emulator';
import { createStorage, type Env, isStorageError, storageFromEnv } from '@stowage/core';
import { describe, expect, it } from 'vitest';

const SECRET = 'sEcReT/with+odd=chars';
const URL_VALUE = `cloudinary://123456789012345:${encodeURIComponent(SECRET)}@my-cloud`;

/** The CONFIG error `run` throws; fails when it throws something else or nothing. */
function configErrorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    expect(isStorageError(error, 'CONFIG'), String(error)).toBe(true);
    expect((error as Error).message).not.toContain(SECRET);
    expect((error as Error).message).not.toContain(encodeURIComponent(SECRET));
    return error as Error;
  }
  throw new Error('expected a CONFIG error');
}

describe('CLOUDINARY_URL', () => {
  it('parses key, secret (percent-decoded), cloud name and upload_prefix', () => {
    expect(parseCloudinaryUrl(URL_VALUE)).toEqual({
      cloudName: 'my-cloud',
      apiKey: '123456789012345',
      apiSecret: SECRET,
    });
    expect(parseCloudinaryUrl(`${URL_VALUE}?upload_prefix=http://127.0.0.1:9`)).toMatchObject({
      uploadPrefix: 'http://127.0.0.1:9',
    });
  });

  it('explains the expected form without echoing the value', () => {
    const malformed = [
      'not a url',
      `https://123:${SECRET}@cloud`,
      `cloudinary://:${encodeURIComponent(SECRET)}@cloud`,
      'cloudinary://123@cloud',
      `cloudinary://123:${encodeURIComponent(SECRET)}@`,
      `cloudinary://123:%E0%A4%A@cloud`,
    ];
    for (const value of malformed) {
      const error = configErrorOf(() => parseCloudinaryUrl(value));
      expect(error.message).toContain(
        'CLOUDINARY_URL must look like cloudinary://API_KEY:API_SECRET@CLOUD_NAME',
      );
    }
  });
});

describe('cloudinary() options', () => {
  const base = { cloudName: 'demo', apiKey: '123', apiSecret: SECRET };

  it('names the option at fault', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ cloudName: 'demo', apiKey: '123' }, /apiSecret is missing/],
      [{ ...base, cloudName: 'my cloud' }, /cloud name must be letters/],
      [
        { ...base, deliveryType: 'public' },
        /deliveryType must be one of upload, private, authenticated/,
      ],
      [{ ...base, folder: '/media' }, /folder must not start or end with "\/"/],
      [{ ...base, folder: 'a/v1/b' }, /folder must not have/],
      [{ ...base, folder: 'a?b' }, /folder must be made of/],
      [{ ...base, uploadPrefix: 'ftp://x' }, /uploadPrefix must be an http\(s\) URL/],
      [{ ...base, deliveryUrl: 'nope' }, /deliveryUrl must be an http\(s\) URL/],
      [{ ...base, timeout: 0 }, /timeout must be a whole number/],
      [{ ...base, url: URL_VALUE }, /either url or cloudName/],
      [{ url: 'cloudinary://x' }, /url must look like/],
    ];
    for (const [options, pattern] of cases) {
      const error = configErrorOf(() => cloudinary(options as CloudinaryOptions));
      expect(error.message).toMatch(pattern);
    }
  });

  it('builds delivery URLs on res.cloudinary.com, over http with secure: false, or on deliveryUrl', () => {
    const url = (options: Partial<CloudinaryOptions>) =>
      createStorage(cloudinary({ ...base, ...options } as CloudinaryOptions)).url('a/b.png');
    expect(url({})).toBe('https://res.cloudinary.com/demo/image/upload/v1/a/b.png');
    expect(url({ secure: false })).toBe('http://res.cloudinary.com/demo/image/upload/v1/a/b.png');
    expect(url({ deliveryUrl: 'https://cdn.example.com/' })).toBe(
      'https://cdn.example.com/demo/image/upload/v1/a/b.png',
    );
    expect(url({ folder: 'site' })).toBe(
      'https://res.cloudinary.com/demo/image/upload/v1/site/a/b.png',
    );
  });

  it('has no public URLs or transforms for private and authenticated assets', () => {
    for (const deliveryType of ['private', 'authenticated'] as const) {
      const storage = createStorage(cloudinary({ ...base, deliveryType }));
      expect(storage.capabilities).toMatchObject({
        publicUrl: false,
        transforms: false,
        signedUrl: true,
      });
      expect(() => storage.url('a.png')).toThrow(/does not support public URLs/);
    }
  });
});

describe('cloudinary.fromEnv', () => {
  const vars: Env = {
    CLOUDINARY_CLOUD_NAME: 'demo',
    CLOUDINARY_API_KEY: '123456789012345',
    CLOUDINARY_API_SECRET: SECRET,
  };

  it('is the factory storageFromEnv looks for', () => {
    expect(cloudinary.driverName).toBe('cloudinary');
    expect(cloudinary.fromEnv(vars).name).toBe('cloudinary');
    expect(cloudinary.fromEnv({ CLOUDINARY_URL: URL_VALUE }).name).toBe('cloudinary');
  });

  it('names each missing variable', () => {
    for (const missing of Object.keys(vars)) {
      const env = { ...vars, [missing]: '  ' };
      expect(configErrorOf(() => cloudinary.fromEnv(env)).message).toContain(
        `${missing} is not set`,
      );
    }
  });

  it('reads CLOUDINARY_SECURE (default true), CLOUDINARY_FOLDER, _DELIVERY_TYPE and _DELIVERY_URL', () => {
    const url = (env: Env) => createStorage(cloudinary.fromEnv({ ...vars, ...env })).url('x.txt');
    expect(url({})).toBe('https://res.cloudinary.com/demo/raw/upload/x.txt');
    expect(url({ CLOUDINARY_SECURE: 'false' })).toBe(
      'http://res.cloudinary.com/demo/raw/upload/x.txt',
    );
    expect(url({ CLOUDINARY_FOLDER: '/site/' })).toBe(
      'https://res.cloudinary.com/demo/raw/upload/v1/site/x.txt',
    );
    expect(url({ CLOUDINARY_DELIVERY_URL: 'http://127.0.0.1:9' })).toBe(
      'http://127.0.0.1:9/demo/raw/upload/x.txt',
    );
    expect(
      cloudinary.fromEnv({ ...vars, CLOUDINARY_DELIVERY_TYPE: 'private' }).capabilities.publicUrl,
    ).toBe(false);
    const bad: Array<[Env, RegExp]> = [
      [{ CLOUDINARY_SECURE: 'maybe' }, /CLOUDINARY_SECURE must be true or false/],
      [{ CLOUDINARY_DELIVERY_TYPE: 'public' }, /CLOUDINARY_DELIVERY_TYPE must be one of/],
      [
        { CLOUDINARY_DELIVERY_URL: 'cdn.example.com' },
        /CLOUDINARY_DELIVERY_URL must be a full URL/,
      ],
      [{ CLOUDINARY_FOLDER: 'a%b' }, /CLOUDINARY_FOLDER must be made of/],
      [
        { CLOUDINARY_URL: `http://123:${SECRET}@demo` },
        /CLOUDINARY_URL must look like cloudinary:\/\/API_KEY:API_SECRET@CLOUD_NAME/,
      ],
    ];
    for (const [env, pattern] of bad) {
      expect(configErrorOf(() => cloudinary.fromEnv({ ...vars, ...env })).message).toMatch(pattern);
    }
  });

  it('CLOUDINARY_URL wins over the three variables', () => {
    const storage = createStorage(
      cloudinary.fromEnv({ ...vars, CLOUDINARY_CLOUD_NAME: 'other', CLOUDINARY_URL: URL_VALUE }),
    );
    expect(storage.url('x.txt')).toBe('https://res.cloudinary.com/my-cloud/raw/upload/x.txt');
  });

  it('storageFromEnv picks it from CLOUDINARY_URL and it works', async () => {
    const emu = await startCloudinaryEmulator();
    try {
      const storage = storageFromEnv(
        { CLOUDINARY_URL: emu.cloudinaryUrl, CLOUDINARY_DELIVERY_URL: emu.url },
        { drivers: [cloudinary] },
      );
      expect(storage.driver).toBe('cloudinary');
      await storage.put('env/hello.txt', 'from the environment');
      expect(await storage.getText('env/hello.txt')).toBe('from the environment');
      await storage.close();
      // Without the driver in the list, the environment still names it.
      expect(() => storageFromEnv({ CLOUDINARY_URL: emu.cloudinaryUrl })).toThrow(
        /install @stowage\/cloudinary/,
      );
    } finally {
      await emu.close();
    }
  });
});
