import type { Storage, StorageError, StorageErrorCode } from '@stowage/core';

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** The storage to copy from. It is only read. */
  from: Storage;
  /** The storage to copy into. */
  to: Storage;
  /** Copy only the keys that start with this. Keys are kept as they are. */
  prefix?: string;
  /** List what would be copied; read nothing, write nothing. */
  dryRun?: boolean;
  /** Copy objects even when the target already has them with the same size and checksum. */
  force?: boolean;
  /**
   * `false`: never replace an object the target has, whatever its content (puts are conditional,
   * so one written meanwhile is not replaced either). For a move while the app writes to the
   * target through `mirror(target, source, { reads: 'fallback' })`: what the app wrote is newer
   * than the source's copy. Default `true`.
   */
  overwrite?: boolean;
  /** Objects copied at once (default 8, at most 64). */
  concurrency?: number;
  /** Extra attempts for an object whose copy fails with a retryable error (default 2). */
  retries?: number;
  /**
   * Stops the migration: no new object is started, copies in flight are abandoned (a put is
   * atomic, so nothing half-written stays behind) and the summary says `aborted`.
   */
  signal?: AbortSignal;
  /** Called as objects are listed, copied, skipped or fail, and as bytes stream. */
  onProgress?: (event: MigrateEvent) => void;
}

/** Running counts of a migration. */
export interface MigrateTotals {
  /** Objects found in the source so far, and their bytes. */
  listed: number;
  listedBytes: number;
  /** The source listing is complete, so `listed` is the total. */
  listingDone: boolean;
  /** Copied objects (in a dry run: objects that would be copied). */
  copied: number;
  copiedBytes: number;
  skipped: number;
  skippedBytes: number;
  failed: number;
  failedBytes: number;
  /** Bytes read from the source so far, objects in flight included. */
  transferredBytes: number;
  elapsedMs: number;
}

/** Totals before anything is listed. */
export function noTotals(): MigrateTotals {
  return {
    listed: 0,
    listedBytes: 0,
    listingDone: false,
    copied: 0,
    copiedBytes: 0,
    skipped: 0,
    skippedBytes: 0,
    failed: 0,
    failedBytes: 0,
    transferredBytes: 0,
    elapsedMs: 0,
  };
}

/** What {@link MigrateOptions.onProgress} receives. `totals` is a snapshot. */
export type MigrateEvent =
  | { type: 'listed'; totals: MigrateTotals }
  | { type: 'copied'; key: string; size: number; dryRun: boolean; totals: MigrateTotals }
  | { type: 'skipped'; key: string; size: number; reason: string; totals: MigrateTotals }
  | { type: 'failed'; key: string; error: StorageError; totals: MigrateTotals }
  | { type: 'transfer'; totals: MigrateTotals };

/** An object that could not be copied. */
export interface MigrateFailure {
  key: string;
  code: StorageErrorCode;
  message: string;
  error: StorageError;
}

/** What a migration did. */
export interface MigrateSummary {
  dryRun: boolean;
  /** The signal stopped it before the end: run it again to copy the rest. */
  aborted: boolean;
  /** Objects the source listed (all of them unless aborted). */
  listed: number;
  /** Copied objects (in a dry run: objects that would be copied) and their bytes. */
  copied: number;
  copiedBytes: number;
  /** Objects already in the target with the same size (and checksum, where comparable). */
  skipped: number;
  skippedBytes: number;
  failed: number;
  failures: MigrateFailure[];
  /** Copies abandoned because the migration was aborted. */
  interrupted: number;
  /**
   * Source keys that break the key rules, so no storage could read or write them (S3 console
   * folder markers `photos/`, `a//b`, control characters): left out, not failed.
   */
  unaddressable: { count: number; keys: string[] };
  /**
   * Objects copied without something the target cannot keep: custom metadata (a target without
   * metadata support) or their private/public visibility (a target without per-object ACLs).
   */
  dropped: { metadata: number; visibility: number };
  durationMs: number;
}
