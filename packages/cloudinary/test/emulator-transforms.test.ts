import { mkdtempSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudinaryEmulator, startCloudinaryEmulator } from '@stowage/cloudinary/emulator';
import { createStorage, disk, type ImageTransform } from '@stowage/core';
import {
  imageTransforms,
  normalizeTransform,
  planTransform,
  transformImage,
} from '@stowage/images';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiOptions,
  cloudinary,
  emulatorStorage,
  fetchBytes,
  newAgent,
  uploadBuffer,
  urlOptions,
} from './emulator-helpers.js';

// The emulator transforms delivered images with @stowage/images, so the same transform gives the
// same size on Cloudinary (emulated, through the real SDK's url()) and on disk via imageTransforms().

let emu: CloudinaryEmulator;
let agent: http.Agent;
const secret = 'emulator-parity-secret-0123456789';

/** Width and height from a PNG's IHDR chunk. */
function pngSize(data: Buffer): { width: number; height: number } {
  expect(data.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

const SOURCES = [
  { id: 'landscape', width: 1200, height: 800 },
  { id: 'portrait', width: 300, height: 500 },
];

beforeAll(async () => {
  emu = await startCloudinaryEmulator({ cloudName: 'stowage-parity' });
  agent = newAgent();
  for (const source of SOURCES) {
    // A JPEG made by the same pipeline: a grey image of the given size.
    const { data } = await transformImage(
      Buffer.from(
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
        'base64',
      ),
      normalizeTransform({ width: source.width, height: source.height, format: 'jpg' }),
      'jpg',
    );
    await uploadBuffer(data, { ...apiOptions(emu, agent), public_id: source.id });
  }
});
afterAll(async () => {
  agent.destroy();
  await emu.close();
});

const CASES: ImageTransform[] = [
  ...(['fill', 'fit', 'limit', 'scale', 'thumb', 'crop', 'pad'] as const).flatMap((crop) => [
    { width: 200, height: 200, crop },
    { width: 150, crop },
    { width: 2000, height: 900, crop },
  ]),
  { width: 200, height: 120, crop: 'fill', gravity: 'north_east' },
  { width: 200, height: 120, crop: 'crop', gravity: 'south' },
];

describe.each(SOURCES)(
  'same sizes on the emulator and on disk for $id ($width x $height)',
  (source) => {
    it.each(CASES)('%j', async (transform) => {
      const root = mkdtempSync(join(tmpdir(), 'stowage-parity-'));
      const storage = createStorage(disk({ root }));
      const original = await fetchBytes(
        cloudinary.url(source.id, { ...urlOptions(emu), format: 'jpg' }),
      );
      await storage.put(`${source.id}.jpg`, original.body);
      const images = imageTransforms(storage, { basePath: '/img', signingSecret: secret });

      const onDisk = await images.handler(
        new Request(
          `http://app.test${images.storage.url(`${source.id}.jpg`, { transform: { ...transform, format: 'png' } })}`,
        ),
      );
      expect(onDisk.status).toBe(200);
      const diskSize = pngSize(Buffer.from(await onDisk.arrayBuffer()));

      const url = cloudinary.url(source.id, { ...urlOptions(emu), ...transform, format: 'png' });
      const emulated = await fetchBytes(url);
      expect(emulated.status).toBe(200);
      expect(emulated.headers.get('content-type')).toBe('image/png');
      expect(pngSize(emulated.body)).toEqual(diskSize);
      expect(diskSize).toEqual(planTransform(source, normalizeTransform(transform)).output);
    });
  },
);

it('f_auto gives WebP to a client that takes it, on the emulator too', async () => {
  const url = cloudinary.url('landscape', {
    ...urlOptions(emu),
    width: 100,
    crop: 'scale',
    fetch_format: 'auto',
  });
  const webp = await fetchBytes(url, { headers: { Accept: 'image/webp,*/*' } });
  expect(webp.headers.get('content-type')).toBe('image/webp');
  expect(webp.headers.get('vary')).toBe('Accept');
  const other = await fetchBytes(url, { headers: { Accept: '*/*' } });
  expect(other.headers.get('content-type')).toBe('image/jpeg');
});

it('imageTransforms() leaves the Cloudinary driver as it is: its CDN makes the variants', async () => {
  const storage = emulatorStorage(emu);
  const images = imageTransforms(storage, { basePath: '/img', signingSecret: secret });
  expect(images.storage).toBe(storage);
  const url = images.storage.url('landscape.jpg', {
    transform: { width: 200, height: 200, crop: 'fill' },
  });
  expect(url.startsWith(emu.url)).toBe(true);
  const served = await fetchBytes(url, { headers: { Accept: '*/*' } });
  expect(served.headers.get('content-type')).toBe('image/jpeg');
  await storage.close();
});
