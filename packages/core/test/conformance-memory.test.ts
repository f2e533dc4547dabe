import { type Capabilities, createStorage, type Driver, keyProblem, memory } from '@stowage/core';
import { NO_CAPABILITIES, prefixProblem } from '@stowage/core/driver';
import { runConformance } from '@stowage/core/testing';
import { afterAll, expect } from 'vitest';

/** Every key and prefix a driver was handed, to prove that invalid ones never reach it. */
interface Seen {
  keys: unknown[];
  prefixes: unknown[];
}

function recording(driver: Driver, seen: Seen): Driver {
  const saw = (...keys: unknown[]): void => {
    seen.keys.push(...keys);
  };
  const { deleteMany, copy, move } = driver;
  return {
    name: driver.name,
    capabilities: driver.capabilities,
    put(k, body, options) {
      saw(k);
      return driver.put(k, body, options);
    },
    get(k, options) {
      saw(k);
      return driver.get(k, options);
    },
    head(k) {
      saw(k);
      return driver.head(k);
    },
    delete(k) {
      saw(k);
      return driver.delete(k);
    },
    list(options) {
      seen.prefixes.push(options.prefix);
      return driver.list(options);
    },
    deleteMany:
      deleteMany &&
      ((keys) => {
        saw(...keys);
        return deleteMany(keys);
      }),
    copy:
      copy &&
      ((from, to, options) => {
        saw(from, to);
        return copy(from, to, options);
      }),
    move:
      move &&
      ((from, to, options) => {
        saw(from, to);
        return move(from, to, options);
      }),
  };
}

function expectOnlyValid(seen: Seen): void {
  expect(seen.keys.length).toBeGreaterThan(100);
  expect(seen.keys.filter((k) => keyProblem(k) !== undefined)).toEqual([]);
  expect(seen.prefixes.filter((p) => prefixProblem(p) !== undefined)).toEqual([]);
}

const full: Seen = { keys: [], prefixes: [] };
runConformance({
  name: 'memory',
  create: async () => createStorage(recording(memory(), full)),
});

// Capabilities turned off in the options are skipped at registration.
runConformance({
  name: 'memory (metadata and ranges not tested)',
  create: async () => createStorage(memory()),
  capabilities: { metadata: false, rangeRead: false },
  skipLarge: true,
});

// A driver with none of the optional capabilities: exercises the UNSUPPORTED cases and the
// facade's fallbacks (copy through the process, move by copy + delete, one-by-one deletes).
const minimalCapabilities: Capabilities = { ...NO_CAPABILITIES };
const minimal: Seen = { keys: [], prefixes: [] };
runConformance({
  name: 'memory (minimal capabilities)',
  create: async () => {
    const driver = recording(memory(), minimal);
    return createStorage({
      ...driver,
      capabilities: minimalCapabilities,
      copy: undefined,
      move: undefined,
      deleteMany: undefined,
    });
  },
  skipLarge: true,
});

afterAll(() => {
  // Invalid keys are refused by the facade: the driver never sees them.
  expectOnlyValid(full);
  expectOnlyValid(minimal);
});
