import type { Capabilities } from '@stowage/core';
import type { S3Profile } from './options.js';

/**
 * What an S3 driver can do with a given profile.
 *
 * - `publicUrl`: with `publicBaseUrl`, or the bucket's own URL when the profile has one and the
 *   address is known (region or endpoint).
 * - `visibility`: canned ACLs (`public-read` / `private`), unless the profile has none (R2).
 * - `conditionalWrite`: `If-None-Match: *` on PutObject is atomic on AWS, Ceph and R2. Multipart
 *   uploads and copies also send it, after a HeadObject check; servers that ignore it there
 *   (Ceph 16) leave a short race, documented in the README.
 * - `move`: S3 has no rename; the facade copies and deletes.
 */
export function s3Capabilities(profile: S3Profile, publicUrl: boolean): Capabilities {
  return Object.freeze({
    rangeRead: true,
    list: true,
    copy: true,
    move: false,
    publicUrl,
    signedUrl: true,
    signedUpload: true,
    visibility: profile.supportsAcl,
    conditionalWrite: true,
    metadata: true,
    transforms: false,
  });
}
