import { realpathSync, statSync } from 'node:fs';
import type { SafeRoot } from './safe-path.js';

/** A folder resolved before: its device and inode then, and where it led. */
interface Resolved {
  dev: number;
  ino: number;
  real: string;
}

/** At most this many folders per root are remembered (cleared when full). */
const LIMIT = 10_000;

/**
 * Folders of one root resolved before, by path. On local file systems a folder whose device and
 * inode are still the ones recorded (one synchronous stat) is not resolved again: a link swapped
 * in anywhere on the way would lead to another folder, and realpath reads every component of the
 * path. Used for the folders of keys (files.ts) and of locks and metadata (sidecar.ts, key-lock.ts).
 */
const foldersOf = perRoot<Resolved>();

/** A map per root (driver), made on first use and dropped with the root. */
export function perRoot<V>(): (root: SafeRoot) => Map<string, V> {
  const maps = new WeakMap<SafeRoot, Map<string, V>>();
  return (root) => {
    let map = maps.get(root);
    if (!map) {
      map = new Map();
      maps.set(root, map);
    }
    return map;
  };
}

/** Records that `dir` (with this device and inode) led to `real`. */
export function rememberFolder(
  root: SafeRoot,
  dir: string,
  info: { dev: number; ino: number },
  real: string,
): void {
  const folders = foldersOf(root);
  if (folders.size > LIMIT) folders.clear();
  folders.set(dir, { dev: info.dev, ino: info.ino, real });
}

/**
 * The real path of a folder resolved before that is still the same folder, on local file systems.
 * Null when it is missing now; undefined when it must be resolved again.
 */
export function knownFolder(root: SafeRoot, dir: string): string | null | undefined {
  const known = foldersOf(root).get(dir);
  if (!known || !root.quietClose) return undefined;
  const now = statSync(dir, { throwIfNoEntry: false });
  if (now === undefined) return null;
  return now.dev === known.dev && now.ino === known.ino ? known.real : undefined;
}

/**
 * Whether the folder `dir` resolves to itself (no link on the way), synchronously. Throws when it
 * is missing (ENOENT) or not a folder (ENOTDIR).
 */
export function isRealFolderSync(root: SafeRoot, dir: string): boolean {
  const now = statSync(dir);
  const known = foldersOf(root).get(dir);
  if (known && known.dev === now.dev && known.ino === now.ino) return known.real === dir;
  const real = realpathSync.native(dir);
  rememberFolder(root, dir, now, real);
  return real === dir;
}
