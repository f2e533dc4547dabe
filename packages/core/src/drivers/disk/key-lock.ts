import { createHash } from 'node:crypto';
import { linkSync, realpathSync } from 'node:fs';
import { link, lstat, mkdir, readFile, realpath, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageError } from '../../errors.js';
import { createFile, unlinkQuietly } from './fd.js';
import { isRealFolderSync } from './folders.js';
import { OWNER, ownerIsGone, sweepOrphans, tempName } from './owner.js';
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

const OWNER_BYTES = Buffer.from(OWNER);

/** Owner files this process made, removed when it exits (a killed one's are swept later). */
const ownerFiles = new Set<string>();

/**
 * A file in the lock folder holding OWNER, named as a temporary file of this process, so that
 * once the process is gone the next one to lock in this folder sweeps it (see sweepOrphans).
 */
async function ownerFile(dir: string, local: boolean): Promise<string> {
  await sweepOrphans(new Map(), dir);
  const path = join(dir, tempName('owner'));
  await createFile(path, OWNER_BYTES, { local, durable: false });
  if (ownerFiles.size === 0) {
    process.once('exit', () => {
      for (const file of ownerFiles) unlinkQuietly(file);
    });
  }
  ownerFiles.add(path);
  return path;
}

/** The name of the lock file of `key` in the lock folder. */
export function lockName(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 40);
}

/** How long a writer waits for another process's lock on the same key before giving up. */
const WAIT_MS = 15_000;

/**
 * What the lock file at `path` says of its holder: 'dead' when it was left by a process that is
 * gone, 'missing' when it is not there (released meanwhile: try again at once), else 'alive'.
 */
async function lockState(path: string): Promise<'dead' | 'missing' | 'alive'> {
  let owner: string;
  try {
    owner = await readFile(path, 'utf8');
  } catch (error) {
    if (errno(error) !== 'ENOENT') return 'alive';
    // A link leading nowhere holds no owner and never goes away by itself.
    return (await lstat(path).catch(() => undefined)) ? 'dead' : 'missing';
  }
  const [host, pid, start] = owner.split('-');
  if (host && pid && start) return ownerIsGone(host, pid, start) ? 'dead' : 'alive';
  // No owner written: its creator died between create and write, if it is old.
  const info = await stat(path).catch(() => undefined);
  if (!info) return 'missing';
  return Date.now() - info.mtimeMs > WAIT_MS ? 'dead' : 'alive';
}

/**
 * Serialises the writers of one key that touch its sidecar. In this process, a queue per key;
 * across processes sharing the root, a lock file per key under `.stowage/locks/`, created
 * exclusively and naming its owner (see owner.ts), so a lock left by a dead process is taken over.
 */
export class KeyLocks {
  private readonly queues = new Map<string, Promise<unknown>>();
  /** This process's owner file in the lock folder, which locks are links to (see take). */
  private ownerFile: Promise<string> | undefined;
  private linkable = true;

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
    if (this.root.quietClose) {
      try {
        if (isRealFolderSync(this.root, dir)) return dir;
      } catch {} // Missing, or not a folder: found out below.
    }
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

  /**
   * Creates the lock file `path` unless it exists (false then). The lock is a hard link to this
   * process's owner file: link() is as exclusive as O_EXCL, but allocates and frees no inode (on
   * ext4 without a journal every create scans the inodes freed in the last minutes, kernel
   * recently_deleted(), so a file created and deleted per write slowed every later create). Where
   * links are not available (FAT, some FUSE and SMB mounts), each lock is its own file.
   */
  private async take(dir: string, path: string, local: boolean): Promise<boolean> {
    if (this.linkable) {
      try {
        this.ownerFile ??= ownerFile(dir, local);
        const owner = await this.ownerFile;
        if (local) linkSync(owner, path);
        else await link(owner, path);
        return true;
      } catch (error) {
        const code = errno(error);
        if (code === 'EEXIST') return false;
        // The owner file was removed (by hand): made again next time. Anything else: no links.
        if (code === 'ENOENT') this.ownerFile = undefined;
        else this.linkable = false;
      }
    }
    try {
      // Created but not written (a full disk): createFile leaves no lock that names nobody.
      await createFile(path, OWNER_BYTES, { local, durable: false });
      return true;
    } catch (error) {
      if (errno(error) === 'EEXIST') return false;
      throw error;
    }
  }

  /**
   * Removes the lock at `path`, left by a dead process. Waiters that all found it dead must not
   * each remove whatever is at `path`: the second would remove the lock the first had just taken,
   * and both would go on. So breaking a lock is itself locked (`<lock>.break`, taken like a lock),
   * and its holder removes `path` only if it is still the dead one: nobody else removes a dead
   * lock meanwhile, and nobody can take a name that exists, so it is the same file. A breaker that
   * died in between leaves a dead `.break`, removed by the next waiter (without this care: that
   * needs a second death on the same key while others wait). False when another waiter is
   * breaking it.
   */
  private async breakDead(dir: string, path: string, local: boolean): Promise<boolean> {
    const breaker = `${path}.break`;
    if (!(await this.take(dir, breaker, local))) {
      if ((await lockState(breaker)) !== 'dead') return false;
      await unlink(breaker).catch(() => {});
      return true;
    }
    try {
      if ((await lockState(path)) === 'dead') await unlink(path).catch(() => {});
      return true;
    } finally {
      await unlink(breaker).catch(() => {});
    }
  }

  /** Runs `fn` holding the lock file of `key` (callers hold its in-process queue). */
  async acrossProcesses<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const dir = await this.lockDir(key);
    const path = join(dir, lockName(key));
    const local = this.root.quietClose;
    const deadline = Date.now() + WAIT_MS;
    for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
      if (await this.take(dir, path, local)) break;
      const state = await lockState(path);
      // Released meanwhile, or a dead one removed: take it at once (a dead one that another
      // waiter is breaking is waited for like a live one).
      const again =
        state === 'missing' || (state === 'dead' && (await this.breakDead(dir, path, local)));
      if (Date.now() > deadline) {
        throw new StorageError(
          'RATE_LIMITED',
          `Another process has been writing ${JSON.stringify(key)} for ${WAIT_MS / 1000} s; retry.`,
          { key, retryable: true },
        );
      }
      if (!again) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    try {
      return await fn();
    } finally {
      if (local) unlinkQuietly(path);
      else await unlink(path).catch(() => {});
    }
  }
}
