import { mkdir, readlink, realpath } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { StorageError } from '../../errors.js';

/** Name of the folder under the root that holds sidecar metadata; keys may not start with it. */
export const META_DIR = '.stowage';
/** Temporary files end with this while they are written; keys may not. */
export const TEMP_SUFFIX = '.stowage-tmp';

/** Why the disk driver refuses a key that is otherwise valid, or undefined. */
export function diskKeyProblem(key: string): string | undefined {
  if (key === META_DIR || key.startsWith(`${META_DIR}/`)) {
    return `keys under "${META_DIR}/" are reserved by the disk driver for metadata`;
  }
  if (key.endsWith(TEMP_SUFFIX))
    return `keys ending in "${TEMP_SUFFIX}" are reserved for temporary files`;
  return undefined;
}

/**
 * Keeps every file operation inside one root folder. Keys were validated by the facade (no `..`,
 * no absolute paths), so only symbolic links inside the root can lead outside it: every path is
 * checked after links are resolved.
 */
export class SafeRoot {
  private constructor(readonly real: string) {}

  static async open(root: string): Promise<SafeRoot> {
    await mkdir(root, { recursive: true });
    return new SafeRoot(await realpath(root));
  }

  /** The path of a key under the root, before any link is resolved. */
  pathOf(key: string): string {
    return join(this.real, key);
  }

  /** True when `real` (a path with links resolved) is the root or inside it. */
  contains(real: string): boolean {
    return real === this.real || real.startsWith(this.real + sep);
  }

  /** Throws PERMISSION_DENIED unless `real` is inside the root. */
  assertInside(real: string, key: string): void {
    if (!this.contains(real)) {
      throw new StorageError(
        'PERMISSION_DENIED',
        `Key ${JSON.stringify(key)} leads outside the storage root through a symbolic link.`,
        { key },
      );
    }
  }

  /** The real path of an open file descriptor (Linux), else of `path`. */
  async realPathOfFd(fd: number, path: string): Promise<string> {
    if (process.platform === 'linux') {
      try {
        return await readlink(`/proc/self/fd/${fd}`);
      } catch {
        // /proc not mounted: fall back to resolving the path.
      }
    }
    return realpath(path);
  }

  /**
   * The real folder that holds `path`, created when missing, checked to be inside the root.
   * Missing folders are created below the deepest existing one only after that one is checked.
   */
  async parentFor(path: string, key: string): Promise<string> {
    const parent = dirname(path);
    let existing = parent;
    for (;;) {
      try {
        const real = await realpath(existing);
        this.assertInside(real, key);
        if (existing === parent) return real;
        const rest = parent.slice(existing.length);
        const target = real + rest;
        await mkdir(target, { recursive: true });
        return target;
      } catch (error) {
        if (errno(error) !== 'ENOENT' || existing === this.real) throw error;
        existing = dirname(existing);
      }
    }
  }
}

export function errno(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null
    ? (error as NodeJS.ErrnoException).code
    : undefined;
}
