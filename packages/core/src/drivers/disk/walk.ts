import type { Dirent } from 'node:fs';
import { readdir, realpath, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { compareKeys } from '../../keys.js';
import { isOrphanTemp } from './owner.js';
import { errno, META_DIR, type SafeRoot, TEMP_SUFFIX } from './safe-path.js';

export interface WalkEntry {
  key: string;
  /** A folder, yielded as `key/` instead of descended into when walking shallowly. */
  isPrefix: boolean;
}

/**
 * Yields the keys under `prefix` in UTF-8 byte order by walking folders in order: siblings sort
 * by name, a folder as `name/`, which is the order of the full keys. Whole folders before the
 * cursor are skipped without being read. With `shallow`, folders are yielded as prefixes.
 */
export async function* walkKeys(
  root: SafeRoot,
  prefix: string,
  after: string | undefined,
  shallow: boolean,
): AsyncGenerator<WalkEntry> {
  const slash = prefix.lastIndexOf('/');
  const dirKey = slash === -1 ? '' : prefix.slice(0, slash + 1);
  const namePrefix = prefix.slice(slash + 1);
  yield* walkDir(root, dirKey, namePrefix, after, shallow);
}

async function* walkDir(
  root: SafeRoot,
  dirKey: string,
  namePrefix: string,
  after: string | undefined,
  shallow: boolean,
): AsyncGenerator<WalkEntry> {
  const entries = await readEntries(root, dirKey);
  const children: { name: string; sortKey: string; isDir: boolean }[] = [];
  for (const entry of entries) {
    const { name } = entry;
    if (!name.startsWith(namePrefix)) continue;
    if (dirKey === '' && name === META_DIR) continue;
    if (name.endsWith(TEMP_SUFFIX)) {
      // A dead writer's temporary file (kill -9 mid-put) goes now; a live writer's stays.
      if (isOrphanTemp(name)) await unlink(join(dirPath(root, dirKey), name)).catch(() => {});
      continue;
    }
    const isDir = await isDirectory(root, dirKey, entry);
    if (isDir === undefined) continue;
    children.push({ name, sortKey: isDir ? `${name}/` : name, isDir });
  }
  children.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
  for (const child of children) {
    const key = dirKey + child.sortKey;
    if (child.isDir) {
      // Every key inside sorts after `key`; all of them are before the cursor when `key` is and
      // the cursor is not itself inside the folder.
      if (after !== undefined && compareKeys(key, after) <= 0 && !after.startsWith(key)) continue;
      if (shallow) {
        yield { key, isPrefix: true };
        continue;
      }
      yield* walkDir(root, key, '', after, shallow);
    } else {
      if (after !== undefined && compareKeys(key, after) <= 0) continue;
      yield { key, isPrefix: false };
    }
  }
}

const dirPath = (root: SafeRoot, dirKey: string) =>
  dirKey === '' ? root.real : join(root.real, dirKey);

async function readEntries(root: SafeRoot, dirKey: string): Promise<Dirent[]> {
  const path = dirPath(root, dirKey);
  try {
    if (dirKey !== '') root.assertInside(await realpath(path), dirKey);
    return await readdir(path, { withFileTypes: true });
  } catch (error) {
    const code = errno(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
}

/** True for a folder, false for a file, undefined for anything to leave out (links outside the root, sockets). */
async function isDirectory(
  root: SafeRoot,
  dirKey: string,
  entry: Dirent,
): Promise<boolean | undefined> {
  if (entry.isDirectory()) return true;
  if (entry.isFile()) return false;
  if (!entry.isSymbolicLink()) return undefined;
  try {
    const target = await realpath(join(root.real, dirKey, entry.name));
    if (!root.contains(target)) return undefined;
    const info = await stat(target);
    return info.isDirectory() ? true : info.isFile() ? false : undefined;
  } catch {
    return undefined;
  }
}
