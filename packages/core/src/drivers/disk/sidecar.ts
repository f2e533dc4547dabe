import { createHash } from 'node:crypto';
import { constants, lstatSync, renameSync, type Stats, statSync, unlinkSync } from 'node:fs';
import { lstat, mkdir, realpath, rename, rm, unlink } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { StorageError } from '../../errors.js';
import type { Visibility } from '../../types.js';
import { closeFd, createFile, fdPath, openFd, readFd, statFd } from './fd.js';
import { isRealFolderSync, perRoot } from './folders.js';
import { sweepOrphans, tempName } from './owner.js';
import { errno, META_DIR, type SafeRoot } from './safe-path.js';

/** What the disk keeps beside a file when the file alone cannot say it. */
export interface ObjectMeta {
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  visibility?: Visibility;
  metadata?: Record<string, string>;
}

/**
 * One version of an object: the file it belongs to and that file's metadata. The file is named
 * fast by inode, size and mtime (what a plain `stat` says) and robustly by size and SHA-256 of the
 * content, which survive a copy (`cp -a`, rsync, tar: new inodes, mtimes rounded) and `touch`.
 * An entry with no metadata fields is a plain object (public, the extension's type).
 */
export interface Entry extends ObjectMeta {
  ino: number;
  size: number;
  mtimeMs: number;
  sha256?: string;
}

/**
 * The sidecar is the commit record of a key: at most two entries, the version being written and
 * the one it replaces, so whichever file a reader finds, one entry describes it.
 */
export interface Sidecar {
  v: 2;
  entries: Entry[];
}

export type SidecarRead =
  | { kind: 'none' }
  | { kind: 'entries'; entries: Entry[] }
  /** Present but not a sidecar this driver wrote (a link, a device, torn, too large): fail closed. */
  | { kind: 'unreadable' };

/** Metadata is small: a sidecar larger than this was not written by Stowage. */
export const SIDECAR_MAX_BYTES = 256 * 1024;

/** The sidecar of `key`: the same path as the key, under `.stowage/meta/`. */
export function sidecarPath(root: SafeRoot, key: string): string {
  return join(root.real, META_DIR, 'meta', key);
}

/** Whether something is at the sidecar's path (a synchronous stat: no Error allocated per miss). */
export function sidecarExists(root: SafeRoot, key: string): boolean {
  try {
    return statSync(sidecarPath(root, key), { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false; // ENOTDIR: part of the path is a file, so no sidecar.
  }
}

/** Reads the sidecar of `key`: only a regular file, at its own path (no link), of bounded size. */
export async function readSidecar(root: SafeRoot, key: string): Promise<SidecarRead> {
  if (!sidecarExists(root, key)) return { kind: 'none' };
  const path = sidecarPath(root, key);
  let fd: number;
  try {
    fd = await openFd(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = errno(error);
    return code === 'ENOENT' || code === 'ENOTDIR' ? { kind: 'none' } : { kind: 'unreadable' };
  }
  try {
    const real = fdPath(fd) ?? (await realpath(path));
    const info = statFd(fd);
    if (real !== path || !info.isFile() || info.size > SIDECAR_MAX_BYTES)
      return { kind: 'unreadable' };
    const buffer = Buffer.allocUnsafe(info.size);
    let done = 0;
    while (done < info.size) {
      const n = await readFd(fd, buffer, done, info.size - done, done);
      if (n === 0) break;
      done += n;
    }
    const parsed = JSON.parse(buffer.toString('utf8', 0, done)) as Partial<Sidecar>;
    if (parsed.v !== 2 || !Array.isArray(parsed.entries)) return { kind: 'unreadable' };
    return { kind: 'entries', entries: parsed.entries };
  } catch {
    return { kind: 'unreadable' };
  } finally {
    await closeFd(fd).catch(() => {});
  }
}

/** The entry naming exactly this file by inode, size and mtime. */
export function fastMatch(entries: readonly Entry[], file: Stats): Entry | undefined {
  return entries.find(
    (e) => e.ino === file.ino && e.size === file.size && e.mtimeMs === file.mtimeMs,
  );
}

/** Entries that could describe a file of this size by content. */
export function hashCandidates(entries: readonly Entry[], file: Stats): Entry[] {
  return entries.filter((e) => typeof e.sha256 === 'string' && e.size === file.size);
}

/** SHA-256 of an open file's content, read in 1 MiB steps. */
export async function hashFd(fd: number, size: number): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(Math.min(size, 1024 * 1024) || 1);
  for (let position = 0; position < size; ) {
    const n = await readFd(fd, buffer, 0, buffer.byteLength, position);
    if (n === 0) break;
    hash.update(buffer.subarray(0, n));
    position += n;
  }
  return hash.digest('hex');
}

/** The entry for `file`, with its metadata. */
export function entryFor(file: Stats, sha256: string | undefined, meta: ObjectMeta | undefined) {
  const entry: Entry = { ino: file.ino, size: file.size, mtimeMs: file.mtimeMs };
  if (sha256) entry.sha256 = sha256;
  if (meta) Object.assign(entry, meta);
  return entry;
}

/** The metadata part of an entry (undefined for a plain one). */
export function metaOf(entry: Entry | undefined): ObjectMeta | undefined {
  if (!entry) return undefined;
  const { ino: _i, size: _s, mtimeMs: _m, sha256: _h, ...meta } = entry;
  return Object.keys(meta).length > 0 ? meta : undefined;
}

const metaRoot = (root: SafeRoot) => join(root.real, META_DIR, 'meta');

function outside(key: string): StorageError {
  return new StorageError(
    'PERMISSION_DENIED',
    `The metadata folder ${META_DIR}/meta of ${JSON.stringify(key)} is (or holds) a symbolic link; Stowage only writes metadata through real folders inside the root.`,
    { key },
  );
}

/** Throws unless `dir` (a folder under the root) resolves to itself: no link on the way. */
export async function assertReal(
  root: SafeRoot,
  dir: string,
  key: string,
  sync = false,
): Promise<void> {
  // Synchronous on local file systems: answered from the inode cache in microseconds.
  if (!(sync ? isRealFolderSync(root, dir) : (await realpath(dir)) === dir)) throw outside(key);
}

/**
 * The folder that holds `path` (under `.stowage/meta/`), created when missing, with no link on
 * the way. A stale sidecar (a file) where a folder is needed is removed: the key it described is
 * a folder now.
 */
async function metaParent(root: SafeRoot, path: string, key: string): Promise<string> {
  const parent = dirname(path);
  for (let existing = parent; ; existing = dirname(existing)) {
    try {
      await assertReal(root, existing, key, root.quietClose);
      if (existing === parent) return parent;
      break;
    } catch (error) {
      const code = errno(error);
      if (code === 'ENOTDIR' && existing.startsWith(metaRoot(root) + sep)) {
        // Somewhere above is a file: remove stale sidecars standing where folders must be.
        for (let d = dirname(path); d.startsWith(metaRoot(root) + sep); d = dirname(d)) {
          const info = await lstat(d).catch(() => undefined);
          if (info?.isFile()) await unlink(d).catch(() => {});
        }
        return metaParent(root, path, key);
      }
      if (code !== 'ENOENT' || existing === root.real) throw error;
    }
  }
  await mkdir(parent, { recursive: true });
  // Synchronous on local file systems like the checks above (writers that arrive together in a
  // new folder all get here: 677 of 5,000 copied files, async, before this).
  await assertReal(root, parent, key, root.quietClose);
  return parent;
}

/** Per root: when each metadata folder was last swept of dead writers' temporary files. */
const sweptBy = perRoot<number>();

/** Writes the sidecar of `key` atomically (a temporary file renamed into place). */
export async function writeSidecar(
  root: SafeRoot,
  key: string,
  sidecar: Sidecar,
  durable: boolean,
): Promise<void> {
  const path = sidecarPath(root, key);
  const dir = await metaParent(root, path, key);
  const swept = sweptBy(root);
  const sweeping = sweepOrphans(swept, dir);
  if (sweeping) await sweeping;
  const temp = join(dir, tempName('meta'));
  // A few hundred bytes: synchronous calls on a local file system unless durable (see createFile).
  const local = root.quietClose && !durable;
  await createFile(temp, Buffer.from(JSON.stringify(sidecar)), { local: root.quietClose, durable });
  try {
    if (local) renameSync(temp, path);
    else await rename(temp, path);
  } catch (error) {
    const code = errno(error);
    if (code !== 'EISDIR' && code !== 'ENOTEMPTY' && code !== 'EEXIST') {
      await unlink(temp).catch(() => {});
      throw error;
    }
    // Sidecars of keys below `key`: stale once the key is a file, but while the data is still a
    // folder the put will fail, and those keys keep their sidecars.
    const data = await lstat(root.pathOf(key)).catch(() => undefined);
    if (data?.isDirectory()) {
      await unlink(temp).catch(() => {});
      throw error;
    }
    await rm(path, { recursive: true, force: true });
    await rename(temp, path).catch(async (again) => {
      await unlink(temp).catch(() => {});
      throw again;
    });
  }
}

/** Removes the sidecar of `key` (missing is fine), never through a link. */
export async function removeSidecar(root: SafeRoot, key: string): Promise<void> {
  const path = sidecarPath(root, key);
  const local = root.quietClose;
  try {
    await assertReal(root, dirname(path), key, local);
    const info = local ? lstatSync(path) : await lstat(path);
    if (info.isDirectory()) return;
    if (local) unlinkSync(path);
    else await unlink(path);
  } catch (error) {
    const code = errno(error);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
  }
}

/**
 * Checks that the metadata folder for `dirKey` (a folder key, '' for the root) has no link on
 * the way, before a delete touches anything.
 */
export async function assertMetaContained(root: SafeRoot, dirKey: string): Promise<void> {
  for (let dir = join(metaRoot(root), dirKey); ; dir = dirname(dir)) {
    try {
      await assertReal(root, dir, dirKey);
      return;
    } catch (error) {
      const code = errno(error);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dir === root.real) throw error;
    }
  }
}

/** Removes the sidecars of every key under the folder `dirKey`. */
export async function removeSidecarFolder(root: SafeRoot, dirKey: string): Promise<void> {
  await assertMetaContained(root, dirKey);
  await rm(join(metaRoot(root), dirKey), { recursive: true, force: true });
}
