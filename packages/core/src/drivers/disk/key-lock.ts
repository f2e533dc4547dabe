import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { mkdir, readFile, realpath, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageError } from '../../errors.js';
import { CREATE_FLAGS, closeFd, openFd, writeAll } from './fd.js';
import { OWNER, ownerIsGone } from './owner.js';
import { errno, META_DIR, type SafeRoot } from './safe-path.js';

/** The real path of `dir`, undefined when it is missing. */
async function realOrMissing(dir: string, sync: boolean): Promise<string | undefined> {
  try {
    return sync ? realpathSync.native(dir) : await realpath(dir);
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** How long a writer waits for another process's lock on the same key before giving up. */
const WAIT_MS = 15_000;

/**
 * Serialises the writers of one key that touch its sidecar. In this process, a queue per key;
 * across processes sharing the root, a lock file per key under `.stowage/locks/`, created with
 * O_EXCL and naming its owner (see owner.ts), so a lock left by a dead process is taken over.
 */
export class KeyLocks {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly root: SafeRoot) {}

  /** Runs `fn` holding the lock of `key` (in-process queue first, then the lock file). */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.runLocal(key, () => this.acrossProcesses(key, fn));
  }

  /** Runs `fn` after the other writers of `key` in this process, before the next ones. */
  runLocal<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key);
    // Nobody ahead (the usual case): start at once instead of a turn later behind a resolved
    // promise. `fn` is async, so it still returns before doing any of its work's waiting.
    const result = previous === undefined ? fn() : previous.then(fn, fn);
    const tail = result.catch(() => {});
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return result;
  }

  private async lockDir(key: string): Promise<string> {
    const dir = join(this.root.real, META_DIR, 'locks');
    const real = await realOrMissing(dir, this.root.quietClose);
    if (real === undefined) await mkdir(dir, { recursive: true });
    if ((real ?? (await realpath(dir))) !== dir) {
      throw new StorageError(
        'PERMISSION_DENIED',
        `The lock folder ${META_DIR}/locks is a symbolic link; Stowage only writes through real folders inside the root.`,
        { key },
      );
    }
    return dir;
  }

  /** Runs `fn` holding the lock file of `key` (callers hold its in-process queue). */
  async acrossProcesses<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const path = join(
      await this.lockDir(key),
      createHash('sha256').update(key).digest('hex').slice(0, 40),
    );
    const deadline = Date.now() + WAIT_MS;
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      let fd: number | undefined;
      try {
        fd = await openFd(path, CREATE_FLAGS, 0o644);
        await writeAll(fd, Buffer.from(OWNER)).finally(() => closeFd(fd!));
        break;
      } catch (error) {
        // Created but not written (a full disk): never leave a lock that names nobody.
        if (fd !== undefined) await unlink(path).catch(() => {});
        if (errno(error) !== 'EEXIST') throw error;
      }
      const owner = await readFile(path, 'utf8').catch(() => '');
      const [host, pid, start] = owner.split('-');
      const gone =
        host && pid && start
          ? ownerIsGone(host, pid, start)
          : // No owner written: its creator died between create and write, if it is old.
            Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? 0) > WAIT_MS;
      if (gone) {
        await unlink(path).catch(() => {});
        continue;
      }
      if (Date.now() > deadline) {
        throw new StorageError(
          'RATE_LIMITED',
          `Another process has been writing ${JSON.stringify(key)} for ${WAIT_MS / 1000} s; retry.`,
          { key, retryable: true },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    try {
      return await fn();
    } finally {
      await unlink(path).catch(() => {});
    }
  }
}
