import { mkdir, readlink, realpath, stat, statfs } from 'node:fs/promises';
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
  private constructor(
    readonly real: string,
    /** Device of the root folder: a file on another device is under a mount point. */
    readonly dev: number,
    /** The root's file system reports write errors at fsync, never at close (see quietClose). */
    readonly quietClose: boolean,
  ) {}

  static async open(root: string): Promise<SafeRoot> {
    await mkdir(root, { recursive: true });
    const real = await realpath(root);
    const [info, fsInfo] = await Promise.all([stat(real), statfs(real).catch(() => undefined)]);
    return new SafeRoot(real, info.dev, quietClose(process.platform, fsInfo?.type));
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

/**
 * Linux file systems (statfs f_type) on which close() never reports a failed write: data is in
 * the page cache and errors surface at fsync. NFS, SMB, Ceph and FUSE mounts (s3fs, gcsfuse) may
 * write back at close and fail there, so they are not listed.
 */
const QUIET_CLOSE_TYPES = new Set([
  0xef53, // ext2, ext3, ext4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0x01021994, // tmpfs
  0x858458f6, // ramfs
  0xf2f52010, // f2fs
  0x2fc12fc1, // zfs
  0x794c7630, // overlayfs (container layers over a local disk)
]);

/** Whether close() on this platform and file system type cannot fail once the writes have succeeded. */
export function quietClose(
  platform: NodeJS.Platform,
  fsType: number | bigint | undefined,
): boolean {
  return platform === 'linux' && fsType !== undefined && QUIET_CLOSE_TYPES.has(Number(fsType));
}

export function errno(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null
    ? (error as NodeJS.ErrnoException).code
    : undefined;
}
