/**
 * `@stowage/core/driver`: what a driver package needs beyond the app-facing root: the `Driver`
 * interface and its option types, env readers for a `fromEnv`, key ordering, list paging,
 * byte and range helpers, a bounded-concurrency map, and prefixedDriver() for a driver's own key
 * prefix option. Apps do not need this entry.
 *
 * @packageDocumentation
 */
export { isByteStreamBody, readAll, streamOfBytes } from '../body.js';
export type { Capabilities } from '../capabilities.js';
export { NO_CAPABILITIES } from '../capabilities.js';
export { prefixedDriver } from '../compose/prefixed.js';
export { mapLimit } from '../concurrency.js';
export { contentTypeFor } from '../content-type.js';
export type {
  ByteStreamBody,
  Driver,
  DriverBody,
  DriverCopyOptions,
  DriverGetOptions,
  DriverListOptions,
  DriverObject,
  DriverPutOptions,
  Env,
  EnvDriverFactory,
} from '../driver-types.js';
export { configError, diskFromEnv, envFlag, envUrl, requireEnv } from '../env.js';
export { compareKeys, prefixProblem, RESERVED_PREFIX } from '../keys.js';
export { decodeCursor, encodeCursor, ListPager, listFromSortedKeys } from '../list-keys.js';
export { sliceRange } from '../range.js';
export {
  maskUrlCredentials,
  type UrlCredentials,
  urlCredentialsOf,
} from '../url-credentials.js';
