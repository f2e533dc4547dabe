import { randomBytes } from 'node:crypto';
import { it, type TestContext } from 'vitest';
import type { Capabilities } from '../capabilities.js';
import type { Storage } from '../storage.js';

/** Options of {@link runConformance}. */
export interface ConformanceOptions {
  /** Shown in the name of the top-level `describe`, e.g. `'disk'` or `'s3 (Ceph RGW)'`. */
  name: string;
  /**
   * Called once, in `beforeAll`. Returns the storage under test, and optionally a cleanup that
   * runs in `afterAll` after the suite has deleted its own objects.
   */
  create: () => Promise<Storage | { storage: Storage; cleanup?: () => Promise<void> }>;
  /**
   * Narrows what is tested: a capability set to `false` here is not tested even when the storage
   * declares it. Capabilities left out (or `true`) follow `storage.capabilities`. A capability
   * cannot be widened: a case needing what the storage lacks is always skipped.
   */
  capabilities?: Partial<Capabilities>;
  /** Skip the 25 MiB case (e.g. slow backends). Default `false`. */
  skipLarge?: boolean;
  /**
   * The longest key the storage accepts, in UTF-8 bytes: 1024 (default), less for a storage that
   * keeps its keys under a prefix (`prefixed(storage, 'tenants/acme')` takes 1024 minus 13).
   */
  maxKeyBytes?: number;
  /**
   * The `fetch` used for HTTP URLs (public URLs, signed URLs, direct uploads), e.g. one with a
   * custom dispatcher. Defaults to the global `fetch`.
   */
  fetch?: typeof fetch;
}

export type CapabilityName = keyof Capabilities;

/** How a case is gated and how long it may take. */
export interface Gate {
  /** Run only when every one of these capabilities is on. */
  needs?: readonly CapabilityName[];
  /** Run only when the storage really lacks this capability (the UNSUPPORTED cases). */
  lacks?: CapabilityName;
  /** Skip when this is true at registration time (e.g. `skipLarge`). */
  skip?: boolean;
  /** Milliseconds; default {@link CASE_TIMEOUT}. */
  timeout?: number;
}

/** What a case body receives. */
export interface CaseEnv {
  storage: Storage;
  /** This case's own prefix, `conf-<run>/<case>/`: every key the case writes starts with it. */
  p: string;
  /** The Vitest test context (for `skip`). */
  t: TestContext;
  suite: Suite;
}

/** Generous, because the same suite runs against remote buckets and emulators. */
export const CASE_TIMEOUT = 60_000;

/** The state one `runConformance` call shares between its cases. */
export class Suite {
  /** Everything this run writes lives under this prefix, so runs can share a bucket. */
  readonly runPrefix = `conf-${randomBytes(5).toString('hex')}/`;
  private current: Storage | undefined;
  private readonly scopes = new Map<string, number>();

  constructor(readonly options: ConformanceOptions) {}

  get storage(): Storage {
    if (!this.current)
      throw new Error('The storage under test is missing: create() did not run or failed.');
    return this.current;
  }

  set storage(storage: Storage) {
    this.current = storage;
  }

  /** `fetch` for HTTP URLs. */
  fetch(url: string, init?: RequestInit): Promise<Response> {
    const impl = this.options.fetch ?? globalThis.fetch;
    return impl(url, init);
  }

  /** True when a capability is to be tested: the storage has it and the options did not turn it off. */
  has(flag: CapabilityName): boolean {
    return this.storage.capabilities[flag] && this.options.capabilities?.[flag] !== false;
  }

  /** A unique prefix for a case, derived from its name (registration order keeps it stable). */
  scope(name: string): string {
    const slug =
      name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 48) || 'case';
    const seen = this.scopes.get(slug) ?? 0;
    this.scopes.set(slug, seen + 1);
    return `${this.runPrefix}${seen === 0 ? slug : `${slug}-${seen}`}/`;
  }
}

/**
 * Registers one case. Gating happens in two places because capabilities are only known once
 * `create()` has run, while Vitest registers cases synchronously: a capability turned off in
 * `options.capabilities` skips the case at registration (`it.skipIf`); otherwise the case checks
 * `storage.capabilities` when it runs and calls `ctx.skip()`. Both show up as skipped.
 */
export function defineCase(
  suite: Suite,
  name: string,
  gate: Gate,
  body: (env: CaseEnv) => Promise<void>,
): void {
  const needs = gate.needs ?? [];
  const staticSkip =
    gate.skip === true || needs.some((flag) => suite.options.capabilities?.[flag] === false);
  const p = suite.scope(name);
  it.skipIf(staticSkip)(
    name,
    async (t: TestContext) => {
      const storage = suite.storage;
      for (const flag of needs) {
        if (!suite.has(flag)) t.skip(`needs capability ${flag}`);
      }
      if (gate.lacks !== undefined && storage.capabilities[gate.lacks]) {
        t.skip(`the storage has capability ${gate.lacks}`);
      }
      await body({ storage, p, t, suite });
    },
    gate.timeout ?? CASE_TIMEOUT,
  );
}
