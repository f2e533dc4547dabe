import { S3Client } from '@aws-sdk/client-s3';
import type { EnvDriverFactory } from '@stowage/core';
import { createS3Driver, requestHandlerWithTimeouts, type S3Driver } from '@stowage/s3';
import { useMd5ForDeleteObjects } from './md5-delete.js';
import {
  checkR2Options,
  publicBaseFor,
  type R2Options,
  r2Endpoint,
  r2OptionsFromEnv,
} from './options.js';
import { R2_PROFILE } from './profile.js';

const DRIVER_NAME = 'r2';

export interface R2Factory extends EnvDriverFactory {
  (options: R2Options): S3Driver;
  readonly driverName: 'r2';
  /** The driver from `R2_*` variables; CONFIG naming a missing or malformed one. */
  fromEnv(env: Record<string, string | undefined>): S3Driver;
}

/**
 * Cloudflare R2: the S3 driver with R2's profile (see {@link R2_PROFILE}), its endpoint, and its
 * two ways of serving media: the bucket's public domain, or the app's media proxy.
 */
function createR2Driver(options: R2Options): S3Driver {
  checkR2Options(options);
  const accountId = options.accountId.trim();
  const shared = {
    bucket: options.bucket.trim(),
    region: options.region ?? 'auto',
    endpoint: options.endpoint ?? r2Endpoint(accountId, options.jurisdiction),
    forcePathStyle: true,
    publicBaseUrl: publicBaseFor(options),
    ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
    ...(options.partSize !== undefined ? { partSize: options.partSize } : {}),
    ...(options.queueSize !== undefined ? { queueSize: options.queueSize } : {}),
  };
  if (options.client) return createS3Driver({ ...shared, client: options.client }, R2_PROFILE);
  // The driver builds the client itself to add the DeleteObjects MD5 middleware, and so owns it.
  const client = useMd5ForDeleteObjects(
    new S3Client({
      region: shared.region,
      endpoint: shared.endpoint,
      forcePathStyle: true,
      credentials: {
        accessKeyId: options.accessKeyId.trim(),
        secretAccessKey: options.secretAccessKey.trim(),
      },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: requestHandlerWithTimeouts(options.timeouts ?? {}, undefined),
    }),
  );
  const driver = createS3Driver({ ...shared, client }, R2_PROFILE, { ownsClient: true });
  const closeDriver = driver.close?.bind(driver);
  driver.close = async () => {
    await closeDriver?.();
    client.destroy();
  };
  return driver;
}

export const r2: R2Factory = Object.assign(createR2Driver, {
  driverName: DRIVER_NAME as 'r2',
  fromEnv: (env: Record<string, string | undefined>) => createR2Driver(r2OptionsFromEnv(env)),
});
