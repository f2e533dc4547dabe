import { constants, linkSync, openSync, renameSync, type Stats } from 'node:fs';
import { link, realpath, rmdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, sep } from 'node:path';
import { contentTypeFor } from '../../content-type.js';
import { StorageError } from '../../errors.js';
import type { ObjectInfo } from '../../types.js';
import {
  CREATE_FLAGS,
  closeFd,
  fdPath,
  openFd,
  READ_FLAGS,
  renamePath,
  statFd,
  unlinkQuietly,
} from './fd.js';
import { knownFolder, perRoot, rememberFolder } from './folders.js';
import { sweepOrphans, tempName } from './owner.js';
import { errno, type SafeRoot } from './safe-path.js';
import type { ObjectMeta } from './sidecar.js';

const notFound = (key: string, why = '') =>
  new StorageError('NOT_FOUND', `No object at ${JSON.stringify(key)}${why}.`, { key });

/** A FIFO, socket or device at a key is no object; reading it could block for ever. */
const notRegular = (key: string) =>
  notFound(key, ': the path is not a regular file (a folder, FIFO, socket or device)');

/** Opens a key's file for reading, refusing links that lead outside the root and non-files. */
export async function openFile(safe: SafeRoot, key: string): Promise<{ fd: number; file: Stats }> {
  const path = safe.pathOf(key);
  let fd: number;
  try {
    fd = await openFd(path, READ_FLAGS);
  } catch (error) {
    const code = errno(error);
    if (code === 'ENOTDIR') throw notFound(key);
    // A socket cannot be opened (ENXIO): no object either.
    if (code === 'ENXIO') throw notRegular(key);
    if (code !== 'ELOOP') throw error;
    // The key's file is itself a link: follow it only to a place inside the root.
    const target = await realpath(path);
    safe.assertInside(target, key);
    fd = await openFd(target, constants.O_RDONLY | constants.O_NONBLOCK);
  }
  try {
    // Checked on the open descriptor, so no link swapped in meanwhile can fool it.
    safe.assertInside(fdPath(fd) ?? (await realpath(path)), key);
    const file = statFd(fd);
    if (!file.isFile()) throw notRegular(key);
    return { fd, file };
  } catch (error) {
    await closeFd(fd);
    throw error;
  }
}

/** Stats of a key's file (links resolved inside the root only). */
export async function statKey(safe: SafeRoot, key: string): Promise<Stats> {
  const real = await realpath(safe.pathOf(key)).catch((error) => {
    // Part of the key is a file ("file.txt/child"): for a read, simply not found.
    if (errno(error) === 'ENOTDIR') throw notFound(key);
    throw error;
  });
  safe.assertInside(real, key);
  const info = await stat(real);
  if (!info.isFile()) throw notRegular(key);
  return info;
}

/** Per root (driver): when each folder was last swept of dead writers' temporary files. */
const sweptBy = perRoot<number>();

/**
 * The real path of the existing folder `dir`, checked before anything is created in it; undefined
 * when it is missing. See knownFolder for the folders resolved before.
 */
async function existingFolder(safe: SafeRoot, dir: string): Promise<string | undefined> {
  try {
    const real = await realpath(dir);
    rememberFolder(safe, dir, await stat(real), real);
    return real;
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** Per root: folders being resolved now, so that concurrent writes into one folder share it. */
const resolvingBy = perRoot<Promise<string>>();

/**
 * The real folder for `path` (its parent), resolved and created when missing. Writes that arrive
 * together in a new folder (a copy of many files) share one resolution instead of one each (16 at
 * a time meant 2,650 realpath calls for 5,000 files in 50 folders). Each caller still checks the
 * result against the root with its own key; a shared one that failed is retried alone, so an
 * error names the caller's key.
 */
async function resolveFolder(safe: SafeRoot, dir: string, path: string, key: string) {
  const own = async () => (await existingFolder(safe, dir)) ?? (await safe.parentFor(path, key));
  const resolving = resolvingBy(safe);
  const shared = resolving.get(dir);
  if (shared) return shared.catch(own);
  const mine = own();
  resolving.set(dir, mine);
  try {
    return await mine;
  } finally {
    resolving.delete(dir);
  }
}

/**
 * Creates a temporary file beside `path`. Its folder is resolved and checked to be inside the root
 * before anything is created (a link out of the root is refused untouched), made when missing.
 */
export async function openTemp(safe: SafeRoot, path: string, key: string, sync = false) {
  const swept = sweptBy(safe);
  const name = basename(path);
  for (let attempt = 0; ; attempt++) {
    let dir = dirname(path);
    if (dir !== safe.real) {
      // The usual case, a folder resolved before, takes no await (see knownFolder).
      const known = knownFolder(safe, dir);
      if (known === undefined) dir = await resolveFolder(safe, dir, path, key);
      else dir = known ?? (await safe.parentFor(path, key));
      safe.assertInside(dir, key);
    }
    const sweeping = sweepOrphans(swept, dir);
    if (sweeping) await sweeping;
    const temp = inDir(dir, tempName(name));
    let fd: number;
    try {
      fd = sync ? openSync(temp, CREATE_FLAGS, 0o644) : await openFd(temp, CREATE_FLAGS, 0o644);
    } catch (error) {
      // The folder was removed meanwhile (an empty folder pruned by a delete): make it again.
      if (errno(error) === 'ENOENT' && attempt < 2) continue;
      throw error;
    }
    // A folder swapped for a link between the check and the create is caught on the open file.
    const real = fdPath(fd) ?? temp;
    if (!safe.contains(real)) {
      await closeFd(fd);
      await unlink(real).catch(() => {});
      throw new StorageError(
        'PERMISSION_DENIED',
        `Key ${JSON.stringify(key)} leads outside the storage root.`,
        { key },
      );
    }
    return { fd, temp: real, target: inDir(dirname(real), name) };
  }
}

/** Puts `temp` in place at `path`: atomically replacing, or failing if something is there. */
export async function placeFile(
  temp: string,
  path: string,
  key: string,
  ifNoneMatch: boolean,
  sync = false,
) {
  if (!ifNoneMatch) return sync ? renameSync(temp, path) : renamePath(temp, path);
  // link() fails with EEXIST if the name is taken, so exactly one of racing writers wins.
  try {
    if (sync) linkSync(temp, path);
    else await link(temp, path);
  } catch (error) {
    if (errno(error) === 'EEXIST') throw alreadyExists(key);
    throw error;
  } finally {
    if (sync) unlinkQuietly(temp);
    else await unlink(temp).catch(() => {});
  }
}

export const alreadyExists = (key: string) =>
  new StorageError('ALREADY_EXISTS', `An object already exists at ${JSON.stringify(key)}.`, {
    key,
  });

/** Removes now-empty folders between `path` and the root (best effort: a busy folder stays). */
export async function pruneEmpty(safe: SafeRoot, path: string): Promise<void> {
  for (let dir = dirname(path); dir !== safe.real && safe.contains(dir); dir = dirname(dir)) {
    try {
      await rmdir(dir);
    } catch {
      return;
    }
  }
}

/** What `key` needs recorded beside its file: only what differs from a plain object. */
export function metaFor(key: string, o: ObjectMeta): ObjectMeta | undefined {
  const meta: ObjectMeta = {};
  if (o.contentType !== undefined && o.contentType !== contentTypeFor(key))
    meta.contentType = o.contentType;
  if (o.cacheControl) meta.cacheControl = o.cacheControl;
  if (o.contentDisposition) meta.contentDisposition = o.contentDisposition;
  if (o.visibility) meta.visibility = o.visibility;
  if (o.metadata && Object.keys(o.metadata).length > 0) meta.metadata = o.metadata;
  return Object.keys(meta).length > 0 ? meta : undefined;
}

/** The metadata of an object at `from`, for a copy or move to `to`. */
export function carriedMeta(from: string, to: string, meta: ObjectMeta | undefined) {
  return metaFor(to, { ...meta, contentType: meta?.contentType ?? contentTypeFor(from) });
}

/** `keyType`: the type of the key's extension, when the caller has it at hand already. */
export function toInfo(
  key: string,
  file: Stats,
  meta: ObjectMeta | undefined,
  keyType?: string,
): ObjectInfo {
  const info: ObjectInfo = {
    key,
    size: file.size,
    contentType: meta?.contentType ?? keyType ?? contentTypeFor(key),
    // Inode, size and mtime identify a version of a file, as web servers' ETags do.
    etag: `"${file.ino.toString(16)}-${file.size.toString(16)}-${Math.round(file.mtimeMs * 1000).toString(16)}"`,
    lastModified: file.mtime,
    metadata: meta?.metadata ? { ...meta.metadata } : {},
  };
  // Optional fields are set only when present (no conditional spreads on this hot path).
  if (meta?.visibility) info.visibility = meta.visibility;
  if (meta?.cacheControl) info.cacheControl = meta.cacheControl;
  if (meta?.contentDisposition) info.contentDisposition = meta.contentDisposition;
  return info;
}

/** `name` inside the folder `dir` (both already normalized, so no join needed). */
export function inDir(dir: string, name: string): string {
  return dir.endsWith(sep) ? dir + name : dir + sep + name;
}
