import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    s3: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string };
  }
}

/** The test S3 server (Ceph) and a fresh bucket on it. */
export async function freshBucket(prefix: string) {
  const server = inject('s3');
  const bucket = `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
  const admin = new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  return { server, bucket, admin };
}
