/**
 * `@stowage/s3`: the S3 driver for `@stowage/core`, on the AWS SDK v3.
 *
 * @packageDocumentation
 */
export { s3Capabilities } from './capabilities.js';
export { encodeKeyPath } from './key-map.js';
export { mapS3Error, S3ErrorCause, type S3ErrorContext } from './map-error.js';
export { decodeMetadata, encodeMetadata } from './metadata.js';
export {
  checkUrl,
  DEFAULT_PART_SIZE,
  DEFAULT_QUEUE_SIZE,
  MAX_DELETE_BATCH,
  MIN_PART_SIZE,
  normalizePrefix,
  optionsFromEnv,
  type ResolvedS3Options,
  resolveOptions,
  S3_PROFILE,
  type S3ClientOptions,
  type S3CommonOptions,
  type S3ConfigOptions,
  type S3Credentials,
  type S3Options,
  type S3Profile,
} from './options.js';
export { createS3Driver, type S3Driver, type S3Factory, s3 } from './s3-driver.js';
export {
  checkTimeouts,
  DEFAULT_TIMEOUTS,
  requestHandlerWithTimeouts,
  type S3Timeouts,
} from './timeouts.js';
