import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { createStorage, disk, memory, type Storage } from '@stowage/core';
import { s3 } from '@stowage/s3';
import sharp from 'sharp';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    s3: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string };
  }
}

export const SECRET = 'images-test-secret-0123456789';

/** A photo-like JPEG (noise compresses like a photo, not like a flat colour). */
export function jpeg(width: number, height: number, options: { orientation?: number } = {}) {
  let image = sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  }).jpeg({ quality: 85 });
  if (options.orientation) image = image.withMetadata({ orientation: options.orientation });
  return image.toBuffer();
}

/** Fresh, empty storages of each kind the images package serves from. */
export const storages: [string, () => Promise<Storage>][] = [
  ['memory', async () => createStorage(memory())],
  [
    'disk',
    async () => createStorage(disk({ root: mkdtempSync(join(tmpdir(), 'stowage-images-')) })),
  ],
  [
    's3',
    async () => {
      const server = inject('s3');
      const bucket = `stowage-images-${Math.random().toString(36).slice(2, 10)}`;
      const credentials = {
        accessKeyId: server.accessKeyId,
        secretAccessKey: server.secretAccessKey,
      };
      const client = new S3Client({
        endpoint: server.endpoint,
        region: server.region,
        forcePathStyle: true,
        credentials,
      });
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      client.destroy();
      return createStorage(
        s3({ bucket, endpoint: server.endpoint, region: server.region, credentials }),
      );
    },
  ],
];

/** GET (or another method) of a handler URL. */
export function request(url: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Request(new URL(url, 'http://app.test'), { method, headers });
}
