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
  // The real paths of the folders being walked, outermost first: a link back to one of them (a
  // loop, `ln -s . self`) is left out, or the walk would never end.
  const ancestors =
    dirKey === ''
      ? [root.real]
      : [root.real, await realpath(dirPath(root, dirKey)).catch(() => '')];
  yield* walkDir(root, dirKey, namePrefix, after, shallow, ancestors);
}

async function* walkDir(
  root: SafeRoot,
  dirKey: string,
  namePrefix: string,
  after: string | undefined,
  shallow: boolean,
  ancestors: readonly string[],
): AsyncGenerator<WalkEntry> {
  const entries = await readEntries(root, dirKey);
  // The folder read here: the last of the chain (walkKeys starts it with one at least).
  const here = ancestors[ancestors.length - 1]!;
  const children: { name: string; sortKey: string; isDir: boolean; real: string }[] = [];
  for (const entry of entries) {
    const { name } = entry;
    if (!name.startsWith(namePrefix)) continue;
    if (dirKey === '' && name === META_DIR) continue;
    if (name.endsWith(TEMP_SUFFIX)) {
      // A dead writer's temporary file (kill -9 mid-put) goes now; a live writer's stays.
      if (isOrphanTemp(name)) await unlink(join(dirPath(root, dirKey), name)).catch(() => {});
      continue;
    }
    const found = await describeEntry(root, dirKey, entry, here);
    if (found === undefined) continue;
    const { isDir, real } = found;
    if (isDir && ancestors.includes(real)) continue;
    children.push({ name, sortKey: isDir ? `${name}/` : name, isDir, real });
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
      yield* walkDir(root, key, '', after, shallow, [...ancestors, child.real]);
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

/**
 * Whether an entry of the folder whose real path is `here` is a folder or a file, and its real
 * path; undefined for anything to leave out (links outside the root, sockets).
 */
async function describeEntry(
  root: SafeRoot,
  dirKey: string,
  entry: Dirent,
  here: string,
): Promise<{ isDir: boolean; real: string } | undefined> {
  if (entry.isDirectory()) return { isDir: true, real: join(here, entry.name) };
  if (entry.isFile()) return { isDir: false, real: join(here, entry.name) };
  if (!entry.isSymbolicLink()) return undefined;
  try {
    const target = await realpath(join(root.real, dirKey, entry.name));
    if (!root.contains(target)) return undefined;
    const info = await stat(target);
    return info.isDirectory() || info.isFile()
      ? { isDir: info.isDirectory(), real: target }
      : undefined;
  } catch {
    return undefined;
  }
}
