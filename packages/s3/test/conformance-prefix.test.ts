import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createStorage } from '@stowage/core';
import { runConformance } from '@stowage/core/testing';
import { afterAll, beforeEach, expect } from 'vitest';
import { s3 } from '../src/index.js';
import { driverOptions, tempBucket } from './helpers.js';

const PREFIX = 'site/media';
let stray: string[] = [];

// S3 caps the whole object key at 1024 bytes, so with a prefix the longest storage key is
// shorter: that case is replaced by the prefix-aware one in s3-driver.test.ts.
beforeEach((ctx) => {
  if (ctx.task.name === 'accepts a key of exactly 1024 bytes') {
    ctx.skip('S3 keys are at most 1024 bytes including the driver prefix');
  }
});

// The same suite with a driver prefix (AWS_LOCATION): every object must stay under it.
runConformance({
  name: 's3 (Ceph RGW) with prefix',
  skipLarge: true,
  create: async () => {
    const bucket = await tempBucket('pfx');
    // Objects put public-read are readable at the bucket address: the url() cases run here.
    const storage = createStorage(
      s3(driverOptions(bucket.name, { prefix: PREFIX, publicBucketUrl: true })),
    );
    return {
      storage,
      cleanup: async () => {
        await storage.close();
        // Before the bucket goes: nothing was ever written outside the prefix.
        const listed = await bucket.client.send(new ListObjectsV2Command({ Bucket: bucket.name }));
        stray = (listed.Contents ?? [])
          .map((c) => c.Key ?? '')
          .filter((k) => !k.startsWith(`${PREFIX}/`));
        await bucket.remove();
      },
    };
  },
});

afterAll(() => {
  expect(stray).toEqual([]);
});
