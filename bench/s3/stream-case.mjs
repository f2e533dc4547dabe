// One streamed-upload case in a fresh process, on the built packages: prints { ms, maxRssMiB }.
// Usage: node stream-case.mjs <raw-put|ours-put> <bucket> <bytes>   (S3_* variables as printed by
// scripts/s3-server.sh). raw-put is the SDK's own streaming upload, lib-storage's Upload, with the
// same part size and queue size as ours.
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { createStorage } from '../../packages/core/dist/index.js';
import { s3 } from '../../packages/s3/dist/index.js';

// The SDK is a dependency of packages/s3 only.
const load = createRequire(new URL('../../packages/s3/package.json', import.meta.url));
const { S3Client } = load('@aws-sdk/client-s3');
const { Upload } = load('@aws-sdk/lib-storage');

const [kind, bucket, total] = process.argv.slice(2);
const bytes = Number(total);
const CHUNK = 1024 * 1024;
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;
const env = process.env;
const config = {
  endpoint: env.S3_ENDPOINT,
  region: env.S3_REGION ?? 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY },
};

// The same chunk over and over, as in bench/disk: the source itself allocates nothing.
async function* source() {
  const chunk = new Uint8Array(CHUNK).fill(7);
  for (let sent = 0; sent < bytes; sent += CHUNK) yield chunk;
}

const start = performance.now();
if (kind === 'raw-put') {
  const client = new S3Client({
    ...config,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const upload = new Upload({
    client,
    params: { Bucket: bucket, Key: 'raw-big.bin', Body: Readable.from(source()) },
    partSize: PART_SIZE,
    queueSize: QUEUE_SIZE,
  });
  await upload.done();
  client.destroy();
} else if (kind === 'ours-put') {
  const storage = createStorage(
    s3({ bucket, ...config, partSize: PART_SIZE, queueSize: QUEUE_SIZE }),
  );
  await storage.put('ours-big.bin', source());
  await storage.close();
} else {
  throw new Error(`unknown case ${kind}`);
}
const ms = performance.now() - start;
console.log(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
