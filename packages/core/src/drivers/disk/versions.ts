import { lstatSync, type Stats } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import { StorageError } from '../../errors.js';
import { KeyLocks } from './key-lock.js';
import type { SafeRoot } from './safe-path.js';
import {
  type Entry,
  entryFor,
  fastMatch,
  hashCandidates,
  hashFd,
  metaOf,
  type ObjectMeta,
  readSidecar,
  removeSidecar,
  sidecarExists,
  writeSidecar,
} from './sidecar.js';

/** A file with a sidecar that names another version: nobody can tell its metadata, so private. */
export const AMBIGUOUS: ObjectMeta = Object.freeze({ visibility: 'private' });

/** What a reader found for a file: its metadata (undefined: plain), or that it must look again. */
export type Lookup = Found | 'mismatch';

/** The metadata that applies to a file (undefined: a plain object) and its recorded hash. */
export interface Found {
  meta: ObjectMeta | undefined;
  sha256?: string;
}

const sameFile = (a: Stats, b: Stats) =>
  a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

/**
 * Keeps a key's file and its sidecar consistent. Writers record the new version and the one it
 * replaces in the sidecar before the file moves, and drop the old one after; readers take the
 * entry that names the file they opened. See docs/drivers/disk.md, "How an object stays whole".
 */
export class Versions {
  readonly locks: KeyLocks;

  constructor(
    private readonly safe: SafeRoot,
    private readonly durable: boolean,
  ) {
    this.locks = new KeyLocks(safe);
  }

  /** The metadata of `file` by the fast binding (inode, size, mtime), or 'mismatch'. */
  async lookup(key: string, file: Stats): Promise<Lookup> {
    const sidecar = await readSidecar(this.safe, key);
    if (sidecar.kind === 'none') return { meta: undefined };
    if (sidecar.kind === 'entries') {
      const entry = fastMatch(sidecar.entries, file);
      if (entry) return { meta: metaOf(entry), sha256: entry.sha256 };
    }
    return 'mismatch';
  }

  /**
   * After lookups kept missing: the file's content decides (a copied or touched file). A match
   * re-binds the entry to the file, so the next read takes the fast path; no match is ambiguous.
   */
  async lookupByContent(key: string, fd: number, file: Stats): Promise<Found> {
    const sidecar = await readSidecar(this.safe, key);
    if (sidecar.kind === 'none') return { meta: undefined };
    if (sidecar.kind === 'unreadable') return { meta: AMBIGUOUS };
    const fast = fastMatch(sidecar.entries, file);
    if (fast) return { meta: metaOf(fast), sha256: fast.sha256 };
    const candidates = hashCandidates(sidecar.entries, file);
    if (candidates.length === 0) return { meta: AMBIGUOUS };
    const sha256 = await hashFd(fd, file.size);
    const entry = candidates.find((e) => e.sha256 === sha256);
    if (!entry) return { meta: AMBIGUOUS };
    await this.rebind(key, entry, file).catch(() => {});
    return { meta: metaOf(entry), sha256 };
  }

  private rebind(key: string, entry: Entry, file: Stats): Promise<void> {
    return this.locks.run(key, async () => {
      const sidecar = await readSidecar(this.safe, key);
      if (sidecar.kind !== 'entries') return;
      const index = sidecar.entries.findIndex(
        (e) => e.sha256 === entry.sha256 && JSON.stringify(e) === JSON.stringify(entry),
      );
      const now = await stat(this.safe.pathOf(key)).catch(() => undefined);
      if (index === -1 || !now || !sameFile(now, file)) return;
      const entries = [...sidecar.entries];
      entries[index] = { ...entry, ino: file.ino, size: file.size, mtimeMs: file.mtimeMs };
      await writeSidecar(this.safe, key, { v: 2, entries }, this.durable);
    });
  }

  /**
   * Puts a written file in place at `target` (by `place`: a rename, or a link that refuses an
   * existing name) together with its metadata, so that a reader sees the old or the new object
   * whole, in every interleaving and after a crash at any step.
   */
  commit(options: {
    key: string;
    target: string;
    written: Stats;
    meta: ObjectMeta | undefined;
    sha256: string | undefined | (() => Promise<string | undefined>);
    ifNoneMatch: boolean;
    place: () => Promise<void>;
  }): Promise<void> {
    const { key, target, written, meta, ifNoneMatch, place } = options;
    // In this process, writers of one key commit one at a time. A plain version over a key with
    // no sidecar needs nothing more: the rename alone switches everything.
    return this.locks.runLocal(key, async () => {
      if (meta === undefined && !sidecarExists(this.safe, key)) return place();
      return this.locks.acrossProcesses(key, async () => {
        const current = await readSidecar(this.safe, key);
        const live = await this.lstat(target);
        if (ifNoneMatch && live) {
          throw new StorageError(
            'ALREADY_EXISTS',
            `An object already exists at ${JSON.stringify(key)}.`,
            { key },
          );
        }
        let old: Entry | undefined;
        if (live?.isFile()) {
          if (current.kind === 'none') old = entryFor(live, undefined, undefined);
          else if (current.kind === 'entries') old = fastMatch(current.entries, live);
        }
        const sha256 =
          typeof options.sha256 === 'function' ? await options.sha256() : options.sha256;
        const entry = entryFor(written, sha256, meta);
        // 1. The record names both versions: the file in place is described either way.
        await writeSidecar(
          this.safe,
          key,
          { v: 2, entries: old ? [entry, old] : [entry] },
          this.durable,
        );
        // 2. The file switches.
        try {
          await place();
        } catch (error) {
          // Refused or failed: the old file stays, so the record names it alone again.
          if (current.kind === 'none') await removeSidecar(this.safe, key).catch(() => {});
          else
            await writeSidecar(
              this.safe,
              key,
              { v: 2, entries: old ? [old] : [] },
              this.durable,
            ).catch(() => {});
          throw error;
        }
        // 3. The record drops the old version (a crash before this is harmless). With no old
        // version it already names the new one alone: a new key's record is written once.
        if (meta) {
          if (old) {
            await writeSidecar(this.safe, key, { v: 2, entries: [entry] }, this.durable).catch(
              () => {},
            );
          }
        } else {
          await removeSidecar(this.safe, key).catch(() => {});
        }
      });
    });
  }

  /** What is at `path` now (undefined: nothing); from the inode cache on a local file system. */
  private lstat(path: string): Promise<Stats | undefined> | Stats | undefined {
    if (!this.safe.quietClose) return lstat(path).catch(() => undefined);
    try {
      return lstatSync(path, { throwIfNoEntry: false });
    } catch {
      return undefined;
    }
  }

  /** Removes a key's file (by `unlink`) and its sidecar, in that order. */
  remove(key: string, unlink: () => Promise<void>): Promise<void> {
    return this.locks.runLocal(key, async () => {
      if (!sidecarExists(this.safe, key)) return unlink();
      return this.locks.acrossProcesses(key, async () => {
        await unlink();
        await removeSidecar(this.safe, key);
      });
    });
  }
}
