import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import type { S3ConfigOptions } from '../src/index.js';

/** The test server (Ceph RGW from scripts/s3-server.sh, or S3_ENDPOINT). */
export function server() {
  return inject('s3');
}

/** A raw SDK client on the test server, as a user would build one. */
export function rawClient(
  overrides: Partial<{ secretAccessKey: string; endpoint: string }> = {},
): S3Client {
  const { endpoint, accessKeyId, secretAccessKey, region } = server();
  return new S3Client({
    endpoint: overrides.endpoint ?? endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey: overrides.secretAccessKey ?? secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Driver options for `bucket` on the test server. */
export function driverOptions(
  bucket: string,
  extra: Partial<S3ConfigOptions> = {},
): S3ConfigOptions {
  const { endpoint, accessKeyId, secretAccessKey, region } = server();
  return {
    bucket,
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    ...extra,
  };
}

/** Creates a bucket with a random name; `remove()` empties and deletes it. */
export async function tempBucket(
  label: string,
): Promise<{ name: string; client: S3Client; remove: () => Promise<void> }> {
  const client = rawClient();
  const name = `stowage-${label}-${randomBytes(4).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: name }));
  return {
    name,
    client,
    remove: async () => {
      try {
        await emptyBucket(client, name);
        await client.send(new DeleteBucketCommand({ Bucket: name }));
      } finally {
        client.destroy();
      }
    },
  };
}

/** Aborts open multipart uploads and deletes every object. */
export async function emptyBucket(client: S3Client, bucket: string): Promise<void> {
  const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  for (const upload of uploads.Uploads ?? []) {
    await client.send(
      new AbortMultipartUploadCommand({
        Bucket: bucket,
        Key: upload.Key,
        UploadId: upload.UploadId,
      }),
    );
  }
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
    );
    const objects = (page.Contents ?? []).map((c) => ({ Key: c.Key }));
    if (objects.length > 0) {
      await client.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }),
      );
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** Bytes `total` long, generated in chunks, with a running SHA-256 on the side. */
export async function* generated(
  total: number,
  chunk: number,
  seed = 1,
): AsyncGenerator<Uint8Array> {
  let x = seed >>> 0 || 1;
  for (let sent = 0; sent < total; sent += chunk) {
    const words = new Uint32Array(Math.min(chunk, total - sent) / 4);
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      words[i] = x >>> 0;
    }
    yield new Uint8Array(words.buffer);
  }
}
