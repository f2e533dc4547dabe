/**
 * `@stowage/r2`: Cloudflare R2 for `@stowage/core`, as the S3 driver with R2's profile.
 *
 * @packageDocumentation
 */

export { useMd5ForDeleteObjects } from './md5-delete.js';
export {
  checkR2Options,
  DEFAULT_MEDIA_PROXY_PATH,
  publicBaseFor,
  type R2Jurisdiction,
  type R2Options,
  r2Endpoint,
  r2OptionsFromEnv,
} from './options.js';
export { R2_DELETE_BATCH, R2_PROFILE } from './profile.js';
export { type R2Factory, r2 } from './r2-driver.js';
