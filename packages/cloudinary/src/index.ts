/**
 * `@stowage/cloudinary`: the Cloudinary driver for `@stowage/core`, on the official `cloudinary`
 * SDK. The local Cloudinary API emulator is a separate entry, `@stowage/cloudinary/emulator`.
 *
 * @packageDocumentation
 */
export type { DeliveryType, ResourceType } from './asset-key.js';
export { cloudinaryCapabilities } from './capabilities.js';
export { cloudinary } from './cloudinary-driver.js';
export {
  CloudinaryApiError,
  type CloudinaryErrorContext,
  mapCloudinaryError,
  type RateLimitHeaders,
} from './map-error.js';
export {
  type CloudinaryCommonOptions,
  type CloudinaryCredentialOptions,
  type CloudinaryOptions,
  type CloudinaryUrlOptions,
  type ParsedCloudinaryUrl,
  parseCloudinaryUrl,
} from './options.js';
