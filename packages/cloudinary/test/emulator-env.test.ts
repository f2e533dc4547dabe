import { type CloudinaryEmulator, startCloudinaryEmulator } from '@stowage/cloudinary/emulator';
import { afterAll, beforeAll, expect, it } from 'vitest';

let emu: CloudinaryEmulator;
let original: string | undefined;

beforeAll(async () => {
  emu = await startCloudinaryEmulator();
  original = process.env.CLOUDINARY_URL;
});
afterAll(async () => {
  if (original === undefined) delete process.env.CLOUDINARY_URL;
  else process.env.CLOUDINARY_URL = original;
  await emu.close();
});

it('works with CLOUDINARY_URL set before the SDK is first loaded, without per-call options', async () => {
  process.env.CLOUDINARY_URL = emu.cloudinaryUrl;
  // Loaded only now: the SDK picks http or https from CLOUDINARY_URL when it loads.
  const { v2: cloudinary } = await import('cloudinary');
  const result = await cloudinary.uploader.upload(`data:text/plain;base64,${btoa('env')}`, {
    resource_type: 'raw',
    public_id: 'env.txt',
  });
  expect(result.public_id).toBe('env.txt');
  expect((await cloudinary.api.resource('env.txt', { resource_type: 'raw' })).bytes).toBe(3);
  const url = cloudinary.url('env.txt', {
    resource_type: 'raw',
    secure: false,
    cname: new URL(emu.url).host,
  });
  expect(await (await fetch(url)).text()).toBe('env');
});
