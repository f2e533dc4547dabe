// `pnpm --filter @stowage/example-express bucket`: creates the bucket named in .env on the S3
// server it names (the local test server: scripts/s3-server.sh start), with the CORS rule the
// browser's direct upload needs. Safe to run again.
import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  PutBucketCorsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { config } from 'dotenv';

config({ quiet: true });
const env = process.env;
const bucket = env.AWS_STORAGE_BUCKET_NAME?.trim();
const endpoint = env.AWS_S3_ENDPOINT_URL?.trim() || 'http://127.0.0.1:7480';
if (!bucket) {
  console.error(
    'Set AWS_STORAGE_BUCKET_NAME (and AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) in .env.',
  );
  process.exit(1);
}
const client = new S3Client({
  endpoint,
  region: env.AWS_S3_REGION_NAME?.trim() || 'us-east-1',
  forcePathStyle: true,
  credentials: {
    accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
  },
});
try {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  console.log(`Created bucket ${bucket} on ${endpoint}.`);
} catch (error) {
  if (!(error instanceof BucketAlreadyOwnedByYou)) throw error;
  console.log(`Bucket ${bucket} already exists on ${endpoint}.`);
}
// The browser PUTs or POSTs the file straight to the bucket from the app's page.
const origins = (env.CORS_ORIGINS ?? 'http://localhost:3000,http://127.0.0.1:3000').split(',');
await client.send(
  new PutBucketCorsCommand({
    Bucket: bucket,
    CORSConfiguration: {
      CORSRules: [
        {
          AllowedOrigins: origins.map((o) => o.trim()).filter(Boolean),
          AllowedMethods: ['GET', 'PUT', 'POST'],
          AllowedHeaders: ['*'],
          ExposeHeaders: ['ETag'],
          MaxAgeSeconds: 3600,
        },
      ],
    },
  }),
);
console.log(`CORS rule set for ${origins.join(', ')}.`);
client.destroy();
