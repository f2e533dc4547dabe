import { createStorage } from '@stowage/core';
import { runConformance } from '@stowage/core/testing';
import { s3 } from '../src/index.js';
import { driverOptions, tempBucket } from './helpers.js';

// The whole suite against the Ceph gateway, on a bucket of its own.
runConformance({
  name: 's3 (Ceph RGW)',
  create: async () => {
    const bucket = await tempBucket('conf');
    const storage = createStorage(s3(driverOptions(bucket.name)));
    return {
      storage,
      cleanup: async () => {
        await storage.close();
        await bucket.remove();
      },
    };
  },
});
