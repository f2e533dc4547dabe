/**
 * `@stowage/core`: what an app uses: the `Storage` facade, errors, key rules, the memory and disk
 * drivers, `storageFromEnv()` and composition. Helpers for writing a driver are in
 * `@stowage/core/driver`, HTTP handlers in `@stowage/core/http`, the conformance suite in
 * `@stowage/core/testing`.
 *
 * @packageDocumentation
 */
export type { Capabilities } from './capabilities.js';
export { type MirrorOptions, mirror } from './compose/mirror.js';
export { prefixed } from './compose/prefixed.js';
export { withoutPublicUrls } from './compose/without-public-urls.js';
// The types createStorage() and storageFromEnv() take, so an app can name what it passes.
export type { Driver, Env, EnvDriverFactory } from './driver-types.js';
export { type DiskOptions, disk } from './drivers/disk/index.js';
export { memory } from './drivers/memory.js';
export type { StorageFromEnvOptions } from './env.js';
export { selectDriver, storageFromEnv } from './env.js';
export type { StorageErrorCode, StorageErrorOptions, StorageOperation } from './errors.js';
export { isStorageError, StorageError } from './errors.js';
// keyProblem: an app checks a key that came from a user before using it (examples/shared does).
export { assertValidKey, keyProblem, MAX_KEY_BYTES } from './keys.js';
export type { Storage, StorageOptions } from './storage.js';
export { createStorage } from './storage.js';
export type * from './types.js';
