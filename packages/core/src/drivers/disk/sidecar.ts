import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Visibility } from '../../types.js';
import { errno, META_DIR, type SafeRoot, TEMP_SUFFIX } from './safe-path.js';

/**
 * What the disk keeps beside a file when the file alone cannot say it: a content type that differs
 * from the extension's, cache control, disposition, visibility, custom metadata.
 *
 * The sidecar names the file version it belongs to (inode, size, mtime); a sidecar that does not
 * match the file is stale (the file was replaced by a plain put or by hand) and is ignored. So a
 * put that needs no sidecar writes none, and no reader ever pairs a file with another version's
 * metadata.
 */
export interface Sidecar {
  v: 1;
  ino: number;
  size: number;
  mtimeMs: number;
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  visibility?: Visibility;
  metadata?: Record<string, string>;
}

export interface FileVersion {
  ino: number;
  size: number;
  mtimeMs: number;
}

export function sidecarPath(root: SafeRoot, key: string): string {
  return join(root.real, META_DIR, 'meta', `${key}.json`);
}

export async function readSidecar(
  root: SafeRoot,
  key: string,
  file: FileVersion,
): Promise<Sidecar | undefined> {
  const path = sidecarPath(root, key);
  // Most files have no sidecar. A synchronous stat that does not throw answers that from the
  // dentry cache; an async open would allocate an Error (with a stack) per miss, which costs
  // more than the whole read of a small file.
  try {
    if (!statSync(path, { throwIfNoEntry: false })) return undefined;
  } catch {
    return undefined; // ENOTDIR: part of the path is a file, so no sidecar.
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = errno(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
  try {
    const sidecar = JSON.parse(text) as Sidecar;
    const matches =
      sidecar.v === 1 &&
      sidecar.ino === file.ino &&
      sidecar.size === file.size &&
      sidecar.mtimeMs === file.mtimeMs;
    return matches ? sidecar : undefined;
  } catch {
    return undefined; // A torn or hand-edited sidecar is treated as absent.
  }
}

/** Writes a sidecar atomically (temporary file + rename). */
export async function writeSidecar(root: SafeRoot, key: string, sidecar: Sidecar): Promise<void> {
  const path = sidecarPath(root, key);
  const dir = await root.parentFor(path, key);
  const temp = join(dir, `.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  try {
    await writeFile(temp, JSON.stringify(sidecar), { flag: 'wx' });
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

export async function removeSidecar(root: SafeRoot, key: string): Promise<void> {
  try {
    await unlink(sidecarPath(root, key));
  } catch (error) {
    const code = errno(error);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
  }
}
