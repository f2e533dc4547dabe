// The Express example as `pnpm start` builds it from .env, on a free port of 127.0.0.1: what the
// tests that talk to it (over HTTP or in Chromium) start.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, PutBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import type { Env, Storage } from '@stowage/core';
import { inject } from 'vitest';
import type { S3Settings } from '../../test-support/storage-env.js';
import { createApp } from '../src/app.js';
import { appOptionsFromEnv } from '../src/config.js';

export const SECRETS = {
  STORAGE_SIGNING_SECRET: 'example-test-signing-secret-0123456789',
  TICKET_SIGNING_SECRET: 'example-test-ticket-secret-0123456789',
};

export interface HttpApp {
  baseUrl: string;
  storage: Storage;
  server: Server;
}

/** Starts the app with SECRETS, its data in `dataDir`, and `env`; `onError` gets what it logs. */
export async function startHttpApp(
  dataDir: string,
  env: Env,
  onError: (error: unknown) => void = () => {},
): Promise<HttpApp> {
  const options = appOptionsFromEnv({ ...SECRETS, DATA_DIR: dataDir, ...env });
  const server = createApp({ ...options, onError }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, storage: options.storage, server };
}

/** A new bucket on the test S3 server, with the CORS rule the browser's direct upload needs. */
export async function createBucket(prefix: string): Promise<{ bucket: string; s3: S3Settings }> {
  const s3 = inject('s3');
  const bucket = `${prefix}-${Date.now().toString(36)}`;
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  // The browser uploads straight to the bucket from the app's origin (the direct upload).
  await client.send(
    new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: {
        CORSRules: [
          {
            AllowedOrigins: ['*'],
            AllowedMethods: ['GET', 'PUT', 'POST'],
            AllowedHeaders: ['*'],
            ExposeHeaders: ['ETag'],
          },
        ],
      },
    }),
  );
  client.destroy();
  return { bucket, s3 };
}
