/**
 * `@stowage/cli`: the `stowage` command line (`migrate`, `ls`, `doctor`) and its migration
 * engine as a library.
 */
export { type CliIo, main, type OutputStream, VERSION } from './main.js';
export {
  type MigrateEvent,
  type MigrateFailure,
  type MigrateOptions,
  type MigrateSummary,
  type MigrateTotals,
  migrate,
} from './migrate.js';
export { isSecretName, maskValue } from './secrets.js';
export {
  type OpenedStorage,
  type OpenStorageOptions,
  openStorage,
  parseSourceSpec,
  type SourceSpec,
} from './source.js';
