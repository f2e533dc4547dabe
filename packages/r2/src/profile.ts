import { S3_PROFILE, type S3Profile } from '@stowage/s3';

const DRIVER_NAME = 'r2';

/** R2 answers DeleteObjects batches above about 700 keys with InternalError. */
export const R2_DELETE_BATCH = 700;

/**
 * Cloudflare R2 as an S3 profile (facts from Cloudflare's docs and users' bug reports):
 * - no `x-amz-acl` or tagging (R2 answers NotImplemented): visibility is per bucket, so the
 *   `visibility` capability is off and asking for it is UNSUPPORTED;
 * - DeleteObjects in batches of at most 700;
 * - no presigned POST: `signedUpload()` is a presigned PUT;
 * - public URLs have no bucket segment and come only from a public domain or the media proxy;
 * - checksums `WHEN_REQUIRED` (newer SDKs' CRC32 headers were answered 501): the S3 driver
 *   always builds its client that way.
 */
export const R2_PROFILE: Readonly<S3Profile> = Object.freeze({
  ...S3_PROFILE,
  name: DRIVER_NAME,
  supportsAcl: false,
  deleteBatchSize: R2_DELETE_BATCH,
  presignedPost: false,
  publicUrlStyle: 'custom-only',
  // R2 honours If-None-Match on PutObject; on copies the S3 driver checks with HeadObject first.
  conditionalCopyAndMultipart: false,
});
