export { readAll, streamOfBytes } from './body.js';
export type { Capabilities } from './capabilities.js';
export { NO_CAPABILITIES } from './capabilities.js';
export { type MirrorOptions, mirror } from './compose/mirror.js';
export { prefixed } from './compose/prefixed.js';
export { withoutPublicUrls } from './compose/without-public-urls.js';
export { contentTypeFor } from './content-type.js';
export type {
  Driver,
  DriverBody,
  DriverCopyOptions,
  DriverGetOptions,
  DriverListOptions,
  DriverObject,
  DriverPutOptions,
  Env,
  EnvDriverFactory,
} from './driver.js';
export { type DiskOptions, disk } from './drivers/disk/index.js';
export { memory } from './drivers/memory.js';
export type { StorageFromEnvOptions } from './env.js';
export {
  configError,
  diskFromEnv,
  envFlag,
  envUrl,
  maskUrlCredentials,
  requireEnv,
  selectDriver,
  storageFromEnv,
} from './env.js';
export type { StorageErrorCode, StorageErrorOptions, StorageOperation } from './errors.js';
export { isStorageError, StorageError } from './errors.js';
export {
  assertValidKey,
  compareKeys,
  keyProblem,
  MAX_KEY_BYTES,
  prefixProblem,
  RESERVED_PREFIX,
} from './keys.js';
export { decodeCursor, encodeCursor, ListPager, listFromSortedKeys } from './list-keys.js';
export { sliceRange } from './range.js';
export type { Storage, StorageOptions } from './storage.js';
export { createStorage } from './storage.js';
export type * from './types.js';
