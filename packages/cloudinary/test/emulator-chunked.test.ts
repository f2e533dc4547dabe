import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudinaryEmulator, startCloudinaryEmulator } from '@stowage/cloudinary/emulator';
import type { UploadApiResponse } from 'cloudinary';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiOptions,
  cloudinary,
  fetchBytes,
  md5,
  newAgent,
  uploadChunked,
} from './emulator-helpers.js';

const MiB = 1024 * 1024;
let emu: CloudinaryEmulator;
let agent: http.Agent;
let dir: string;

beforeAll(async () => {
  emu = await startCloudinaryEmulator();
  agent = newAgent();
  dir = await mkdtemp(join(tmpdir(), 'stowage-emu-'));
});
afterAll(async () => {
  agent.destroy();
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

describe('chunked uploads', () => {
  it('assembles a 25 MiB upload_chunked_stream sent in 6 MiB chunks', async () => {
    const data = randomBytes(25 * MiB);
    const before = emu.requests.length;
    const result = await uploadChunked(data, {
      ...apiOptions(emu, agent),
      resource_type: 'raw',
      public_id: 'big/blob.dat',
      chunk_size: 6 * MiB,
    });
    expect(result).toMatchObject({
      public_id: 'big/blob.dat',
      bytes: data.length,
      etag: md5(data),
    });
    expect(emu.requests.length - before).toBe(5);
    const delivered = await fetchBytes(result.secure_url);
    expect(delivered.body.equals(data)).toBe(true);
  });

  it('assembles upload_large from a file', async () => {
    const data = randomBytes(7 * MiB);
    const path = join(dir, 'video-ish.dat');
    await writeFile(path, data);
    const result = await new Promise<UploadApiResponse>((resolve, reject) => {
      cloudinary.uploader.upload_large(
        path,
        { ...apiOptions(emu, agent), chunk_size: 6 * MiB, public_id: 'large.dat' },
        (error, res) =>
          error ? reject(error) : res ? resolve(res) : reject(new Error('no result')),
      );
    });
    expect(result).toMatchObject({ resource_type: 'raw', bytes: data.length, etag: md5(data) });
    const part = await fetchBytes(result.secure_url, { headers: { Range: `bytes=${6 * MiB}-` } });
    expect(part.status).toBe(206);
    expect(part.body.equals(data.subarray(6 * MiB))).toBe(true);
  });
});
