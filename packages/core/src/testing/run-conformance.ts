import { afterAll, beforeAll, describe } from 'vitest';
import { isStorageError } from '../errors.js';
import type { Storage } from '../storage.js';
import { registerAccessCases } from './cases-access.js';
import { registerBodyCases } from './cases-bodies.js';
import { registerConflictCases } from './cases-conflict.js';
import { registerCopyCases } from './cases-copy.js';
import { registerDeleteCases } from './cases-delete.js';
import { registerErrorCases } from './cases-errors.js';
import { registerKeyCases } from './cases-keys.js';
import { registerListCases } from './cases-list.js';
import { registerObjectCases } from './cases-objects.js';
import { registerRangeCases } from './cases-ranges.js';
import { registerUrlCases } from './cases-urls.js';
import { type ConformanceOptions, Suite } from './context.js';

const HOOK_TIMEOUT = 120_000;

/**
 * Registers the Stowage conformance suite for one storage: a `describe` block of cases that every
 * driver must pass, gated by the storage's capabilities.
 *
 * Call it at the top level of a Vitest test file:
 *
 * ```ts
 * import { createStorage, memory } from '@stowage/core';
 * import { runConformance } from '@stowage/core/testing';
 *
 * runConformance({ name: 'memory', create: async () => createStorage(memory()) });
 * ```
 *
 * - Every case works under its own prefix `conf-<random>/<case>/`, so a shared bucket is fine;
 *   `afterAll` removes the run's prefix with `deletePrefix`, then calls `cleanup`.
 * - Cases needing a capability the storage lacks are skipped (visibly); cases for the
 *   UNSUPPORTED error run only when the storage lacks the capability. `options.capabilities`
 *   can turn capabilities off for testing; see {@link ConformanceOptions}.
 * - Only absolute `http(s)` URLs are fetched; cases whose URL is relative are skipped.
 */
export function runConformance(options: ConformanceOptions): void {
  const suite = new Suite(options);
  let cleanup: (() => Promise<void>) | undefined;

  describe(`stowage conformance: ${options.name}`, () => {
    beforeAll(async () => {
      const created = await options.create();
      if (isStorage(created)) {
        suite.storage = created;
      } else {
        suite.storage = created.storage;
        cleanup = created.cleanup;
      }
    }, HOOK_TIMEOUT);

    afterAll(async () => {
      try {
        await removeRun(suite);
      } finally {
        await cleanup?.();
      }
    }, HOOK_TIMEOUT);

    registerBodyCases(suite);
    registerObjectCases(suite);
    registerKeyCases(suite);
    registerRangeCases(suite);
    registerListCases(suite);
    registerDeleteCases(suite);
    registerCopyCases(suite);
    registerConflictCases(suite);
    registerUrlCases(suite);
    registerAccessCases(suite);
    registerErrorCases(suite);
  });
}

/** Deletes everything the run wrote. A storage that can neither list nor delete by prefix keeps it. */
async function removeRun(suite: Suite): Promise<void> {
  let storage: Storage;
  try {
    storage = suite.storage;
  } catch {
    return; // create() failed: nothing was written.
  }
  try {
    await storage.deletePrefix(suite.runPrefix);
  } catch (error) {
    if (!isStorageError(error, 'UNSUPPORTED')) throw error;
  }
}

function isStorage(value: Storage | { storage: Storage }): value is Storage {
  return typeof (value as Partial<Storage>).put === 'function';
}
