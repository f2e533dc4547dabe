import { randomBytes } from 'node:crypto';
import { closeSync, constants, type Stats } from 'node:fs';
import { copyFile, link, realpath, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { streamOfBytes } from '../../body.js';
import type { Capabilities } from '../../capabilities.js';
import { contentTypeFor } from '../../content-type.js';
import type { Driver, DriverBody, DriverCopyOptions, DriverPutOptions } from '../../driver.js';
import { StorageError } from '../../errors.js';
import { ListPager } from '../../list-keys.js';
import { sliceRange } from '../../range.js';
import { encodeKeyPath, joinUrl, signedUrlFor, signingWindow } from '../../signing.js';
import type { ListResult, ObjectInfo } from '../../types.js';
import {
  CREATE_FLAGS,
  closeFd,
  fdatasync,
  fdPath,
  openFd,
  READ_FLAGS,
  renamePath,
  statFd,
  writeAll,
  writeStream,
} from './fd.js';
import { OpenFile, readExactly } from './file-stream.js';
import { mapDiskError } from './map-error.js';
import { diskKeyProblem, errno, SafeRoot, TEMP_SUFFIX } from './safe-path.js';
import {
  type FileVersion,
  readSidecar,
  removeSidecar,
  type Sidecar,
  writeSidecar,
} from './sidecar.js';
import { walkKeys } from './walk.js';

const DRIVER_NAME = 'disk';
const DESCRIBE_CONCURRENCY = 16;
/** Files up to this size are read whole by get() and their descriptor closed at once. */
const EAGER_READ_BYTES = 64 * 1024;
// Temporary names: unique per process without a random draw per write.
const TEMP_TAG = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
let tempCounter = 0;

/** A fresh temporary name beside `name`: hidden, unique to this process, never a valid key. */
const tempName = (name: string) =>
  `.${name.slice(0, 80)}.${TEMP_TAG}${(tempCounter++).toString(36)}${TEMP_SUFFIX}`;

export interface DiskOptions {
  /** Folder that holds the objects; created when missing. Nothing outside it is ever touched. */
  root: string;
  /** Where `createFileHandler` serves the root, e.g. `/media` or `https://app.example.com/media`. */
  publicBaseUrl?: string;
  /** Secret for signed URLs and signed uploads; a list allows rotation (the first signs). */
  signingSecret?: string | readonly string[];
  /** Where `createUploadHandler` receives signed uploads (default: `publicBaseUrl`, method PUT). */
  uploadBaseUrl?: string;
  /** fsync each file before it is renamed into place (survives power loss; slower). Default false. */
  durable?: boolean;
}

/**
 * Stores objects as plain files under `root`, so an existing media folder works as it is.
 * Writes go to a temporary file in the target folder and are renamed into place: readers never see
 * half a file, and a failed or aborted write leaves nothing behind.
 */
export function disk(options: DiskOptions): Driver {
  if (!options || typeof options.root !== 'string' || options.root.trim() === '') {
    throw new StorageError(
      'CONFIG',
      'disk() needs a `root` folder, e.g. disk({ root: "./media" }).',
      { driver: DRIVER_NAME, operation: 'config' },
    );
  }
  const secrets = options.signingSecret === undefined ? [] : [options.signingSecret].flat();
  if (secrets.some((s) => typeof s !== 'string' || s.length < 16)) {
    throw new StorageError(
      'CONFIG',
      'disk() signingSecret must be a string of at least 16 characters (or a list of them).',
      { driver: DRIVER_NAME, operation: 'config' },
    );
  }
  const publicBaseUrl = options.publicBaseUrl?.replace(/\/+$/, '');
  const uploadBaseUrl = (options.uploadBaseUrl ?? options.publicBaseUrl)?.replace(/\/+$/, '');
  const canSign = secrets.length > 0 && publicBaseUrl !== undefined;
  const capabilities: Capabilities = {
    rangeRead: true,
    list: true,
    copy: true,
    move: true,
    publicUrl: publicBaseUrl !== undefined,
    signedUrl: canSign,
    signedUpload: canSign && uploadBaseUrl !== undefined,
    visibility: true,
    conditionalWrite: true,
    metadata: true,
    transforms: false,
  };
  let rootPromise: Promise<SafeRoot> | undefined;
  const root = () => {
    rootPromise ??= SafeRoot.open(options.root).catch((error) => {
      rootPromise = undefined;
      throw error;
    });
    return rootPromise;
  };
  const durable = options.durable === true;

  /**
   * Closes a file. On a local file system (see quietClose) close() only drops the descriptor, so
   * it runs at once instead of costing a thread-pool round trip; elsewhere (NFS, FUSE) it may
   * flush or talk to a server, so it goes to the pool.
   */
  const closeLocal = (safe: SafeRoot, fd: number, file: Stats): Promise<void> | undefined => {
    if (!safe.quietClose || file.dev !== safe.dev) return closeFd(fd);
    closeSync(fd);
    return undefined;
  };

  /** Runs an operation with the key checked and fs errors mapped. */
  const withKey = async <T>(key: string, fn: (safe: SafeRoot) => Promise<T>): Promise<T> => {
    const problem = diskKeyProblem(key);
    if (problem)
      throw new StorageError('INVALID_KEY', `Invalid key ${JSON.stringify(key)}: ${problem}.`, {
        key,
      });
    try {
      return await fn(await root());
    } catch (error) {
      throw mapDiskError(error, key);
    }
  };

  /** Opens a key's file for reading, refusing links that lead outside the root. */
  const openFile = async (safe: SafeRoot, key: string): Promise<{ fd: number; file: Stats }> => {
    const path = safe.pathOf(key);
    let fd: number;
    try {
      fd = await openFd(path, READ_FLAGS);
    } catch (error) {
      const code = errno(error);
      if (code === 'ENOTDIR')
        throw new StorageError('NOT_FOUND', `No object at ${JSON.stringify(key)}.`, { key });
      if (code !== 'ELOOP') throw error;
      // The key's file is itself a link: follow it only to a place inside the root.
      const target = await realpath(path);
      safe.assertInside(target, key);
      fd = await openFd(target, constants.O_RDONLY);
    }
    try {
      // Checked on the open descriptor, so no link swapped in meanwhile can fool it.
      safe.assertInside(fdPath(fd) ?? (await realpath(path)), key);
      const file = statFd(fd);
      if (!file.isFile())
        throw new StorageError('NOT_FOUND', `No object at ${JSON.stringify(key)}.`, { key });
      return { fd, file };
    } catch (error) {
      await closeFd(fd);
      throw error;
    }
  };

  const describe = async (
    safe: SafeRoot,
    key: string,
    file: FileVersion & { mtime: Date },
  ): Promise<ObjectInfo> => {
    const sidecar = await readSidecar(safe, key, file);
    return toInfo(key, file, sidecar);
  };

  const statKey = async (safe: SafeRoot, key: string) => {
    const real = await realpath(safe.pathOf(key)).catch((error) => {
      // Part of the key is a file ("file.txt/child"): for a read, simply not found.
      if (errno(error) === 'ENOTDIR')
        throw new StorageError('NOT_FOUND', `No object at ${JSON.stringify(key)}.`, { key });
      throw error;
    });
    safe.assertInside(real, key);
    const info = await stat(real);
    if (!info.isFile())
      throw new StorageError('NOT_FOUND', `No object at ${JSON.stringify(key)}.`, { key });
    return info;
  };

  /** Puts `temp` in place at `path`: atomically replacing, or failing if something is there. */
  const commit = async (temp: string, path: string, key: string, ifNoneMatch: boolean) => {
    if (!ifNoneMatch) return renamePath(temp, path);
    // link() fails with EEXIST if the name is taken, so exactly one of racing writers wins.
    try {
      await link(temp, path);
    } catch (error) {
      if (errno(error) === 'EEXIST') {
        throw new StorageError(
          'ALREADY_EXISTS',
          `An object already exists at ${JSON.stringify(key)}.`,
          { key },
        );
      }
      throw error;
    } finally {
      await unlink(temp).catch(() => {});
    }
  };

  /**
   * Creates a temporary file beside `path`, checked to be inside the root. The folder is made
   * (carefully, see SafeRoot.parentFor) only when the first attempt finds it missing.
   */
  const openTemp = async (safe: SafeRoot, path: string, key: string) => {
    const name = basename(path);
    let dir = dirname(path);
    for (let attempt = 0; ; attempt++) {
      const temp = inDir(dir, tempName(name));
      let fd: number;
      try {
        fd = await openFd(temp, CREATE_FLAGS, 0o644);
      } catch (error) {
        if (errno(error) !== 'ENOENT' || attempt > 1) throw error;
        dir = await safe.parentFor(path, key);
        continue;
      }
      // Directly in the root, whose real path was resolved when the driver opened it, no link
      // can be in the way (O_EXCL refuses to create through a link at the name itself).
      if (dir === safe.real) return { fd, temp, target: inDir(dir, name) };
      const real = fdPath(fd);
      if (real === undefined || !safe.contains(real)) {
        // Linked out of the root (or no /proc to tell): resolve the folder the slow way.
        await closeFd(fd);
        await unlink(temp).catch(() => {});
        if (attempt > 1)
          throw new StorageError(
            'PERMISSION_DENIED',
            `Key ${JSON.stringify(key)} leads outside the storage root.`,
            { key },
          );
        dir = await safe.parentFor(path, key);
        if (real === undefined) return openVerified(dir, name, key, safe);
        continue;
      }
      return { fd, temp: real, target: inDir(dirname(real), name) };
    }
  };

  /** openTemp where /proc is unavailable: the folder was resolved by realpath just before. */
  const openVerified = async (dir: string, name: string, key: string, safe: SafeRoot) => {
    const temp = inDir(dir, tempName(name));
    safe.assertInside(dir, key);
    return { fd: await openFd(temp, CREATE_FLAGS, 0o644), temp, target: inDir(dir, name) };
  };

  const wantsSidecar = (
    key: string,
    o: Pick<
      DriverPutOptions,
      'contentType' | 'cacheControl' | 'contentDisposition' | 'visibility' | 'metadata'
    >,
  ) =>
    o.contentType !== contentTypeFor(key) ||
    o.cacheControl !== undefined ||
    o.contentDisposition !== undefined ||
    o.visibility !== undefined ||
    Object.keys(o.metadata).length > 0;

  const sidecarFor = (
    file: FileVersion,
    o: Pick<
      DriverPutOptions,
      'contentType' | 'cacheControl' | 'contentDisposition' | 'visibility' | 'metadata'
    >,
  ): Sidecar => ({
    v: 1,
    ino: file.ino,
    size: file.size,
    mtimeMs: file.mtimeMs,
    contentType: o.contentType,
    ...(o.cacheControl ? { cacheControl: o.cacheControl } : {}),
    ...(o.contentDisposition ? { contentDisposition: o.contentDisposition } : {}),
    ...(o.visibility ? { visibility: o.visibility } : {}),
    ...(Object.keys(o.metadata).length ? { metadata: o.metadata } : {}),
  });

  /** Removes now-empty folders between `path` and the root (best effort: a busy folder stays). */
  const pruneEmpty = async (safe: SafeRoot, path: string) => {
    for (let dir = dirname(path); dir !== safe.real && safe.contains(dir); dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        return;
      }
    }
  };

  const deleteKey = (key: string) =>
    withKey(key, async (safe) => {
      const path = safe.pathOf(key);
      try {
        const real = await realpath(path);
        safe.assertInside(real, key);
        const info = await stat(real);
        if (!info.isFile()) return;
        await unlink(path);
      } catch (error) {
        const code = errno(error);
        if (code === 'ENOENT' || code === 'ENOTDIR') return;
        throw error;
      }
      await removeSidecar(safe, key);
      await pruneEmpty(safe, path);
    });

  return {
    name: DRIVER_NAME,
    capabilities,

    put(key: string, body: DriverBody, o: DriverPutOptions) {
      return withKey(key, async (safe) => {
        const { fd, temp, target } = await openTemp(safe, safe.pathOf(key), key);
        let open = true;
        let committed = false;
        try {
          if (body instanceof Uint8Array) {
            await writeAll(fd, body);
          } else {
            await writeStream(fd, body, o.signal);
          }
          o.signal?.throwIfAborted();
          if (durable) await fdatasync(fd);
          const written = statFd(fd);
          open = false;
          await closeLocal(safe, fd, written);
          const sidecar = wantsSidecar(key, o) ? sidecarFor(written, o) : undefined;
          if (sidecar) await writeSidecar(safe, key, sidecar);
          await commit(temp, target, key, o.ifNoneMatch);
          committed = true;
          return toInfo(key, written, sidecar);
        } finally {
          if (open) await closeFd(fd).catch(() => {});
          if (!committed) await unlink(temp).catch(() => {});
        }
      });
    },

    get(key, o) {
      return withKey(key, async (safe) => {
        const { fd, file } = await openFile(safe, key);
        let open = true;
        try {
          const info = await describe(safe, key, file);
          const { start, end } = sliceRange(file.size, o.range, key);
          const range = o.range ? { range: { offset: start, length: end - start } } : {};
          if (end - start <= EAGER_READ_BYTES) {
            // Small: read now and close, so an unread body holds no descriptor.
            const bytes = await readExactly(fd, start, end, key);
            open = false;
            await closeLocal(safe, fd, file);
            return { info, ...range, body: () => streamOfBytes(bytes), bytes: async () => bytes };
          }
          const handle = new OpenFile(fd, start, end, key);
          open = false;
          return {
            info,
            ...range,
            body: () => handle.stream(),
            bytes: async () => {
              try {
                return await readExactly(fd, start, end, key);
              } finally {
                await handle.close();
              }
            },
          };
        } finally {
          if (open) await closeFd(fd);
        }
      });
    },

    head(key) {
      return withKey(key, async (safe) => describe(safe, key, await statKey(safe, key)));
    },

    delete: deleteKey,

    async deletePrefix(prefix) {
      const safe = await root();
      try {
        if (prefix.endsWith('/')) {
          // A whole folder: remove it in one go (rm does not follow links inside it).
          const dirKey = prefix.slice(0, -1);
          if (diskKeyProblem(dirKey)) return;
          const path = safe.pathOf(dirKey);
          const real = await realpath(path).catch(() => undefined);
          if (real === undefined) return;
          safe.assertInside(real, dirKey);
          await rm(path, { recursive: true, force: true });
          await rm(join(safe.real, '.stowage', 'meta', dirKey), { recursive: true, force: true });
          await pruneEmpty(safe, path);
          return;
        }
        for await (const entry of walkKeys(safe, prefix, undefined, false))
          await deleteKey(entry.key);
      } catch (error) {
        throw mapDiskError(error, prefix);
      }
    },

    list(o): Promise<ListResult> {
      return (async () => {
        const safe = await root();
        try {
          const pager = new ListPager(o);
          const shallow = o.delimiter === '/';
          for await (const entry of walkKeys(safe, o.prefix, pager.resumeAfter, shallow)) {
            if (!pager.offer(entry.key, entry.isPrefix)) break;
          }
          const objects = await mapLimit(pager.keys, DESCRIBE_CONCURRENCY, async (key) =>
            describe(safe, key, await statKey(safe, key)),
          );
          return pager.result(objects);
        } catch (error) {
          throw mapDiskError(error, o.prefix);
        }
      })();
    },

    copy(from, to, o: DriverCopyOptions) {
      return withKey(to, async (safe) => {
        diskKeyCheck(from);
        const { fd, file } = await openFile(safe, from).catch((error) => {
          throw mapDiskError(error, from);
        });
        let sidecar: Sidecar | undefined;
        let sourcePath: string;
        try {
          sidecar = await readSidecar(safe, from, file);
          sourcePath = fdPath(fd) ?? (await realpath(safe.pathOf(from)));
        } finally {
          await closeFd(fd);
        }
        const { fd: tempFd, temp, target } = await openTemp(safe, safe.pathOf(to), to);
        await closeFd(tempFd);
        let committed = false;
        try {
          await copyFile(sourcePath, temp, constants.COPYFILE_FICLONE);
          const written = await stat(temp);
          const options = sidecarOptions(from, sidecar);
          const copied = wantsSidecar(to, options) ? sidecarFor(written, options) : undefined;
          if (copied) await writeSidecar(safe, to, copied);
          await commit(temp, target, to, o.ifNoneMatch);
          committed = true;
          return toInfo(to, written, copied);
        } finally {
          if (!committed) await unlink(temp).catch(() => {});
        }
      });
    },

    move(from, to, o: DriverCopyOptions) {
      return withKey(to, async (safe) => {
        diskKeyCheck(from);
        const file = await statKey(safe, from).catch((error) => {
          throw mapDiskError(error, from);
        });
        const sidecar = await readSidecar(safe, from, file);
        const fromPath = safe.pathOf(from);
        const dir = await safe.parentFor(safe.pathOf(to), to);
        const target = join(dir, basename(safe.pathOf(to)));
        // A rename keeps the inode and mtime, so the sidecar stays valid once moved along.
        const options = sidecarOptions(from, sidecar);
        const needsSidecar = wantsSidecar(to, options);
        if (o.ifNoneMatch) {
          // link() claims the target only if it is free; the source goes only after that. The
          // target's sidecar is written after the claim, so a refused move changes nothing.
          try {
            await link(fromPath, target);
          } catch (error) {
            if (errno(error) === 'EEXIST') {
              throw new StorageError(
                'ALREADY_EXISTS',
                `An object already exists at ${JSON.stringify(to)}.`,
                { key: to },
              );
            }
            throw error;
          }
          if (needsSidecar) await writeSidecar(safe, to, sidecarFor(file, options));
          await unlink(fromPath);
        } else {
          if (needsSidecar) await writeSidecar(safe, to, sidecarFor(file, options));
          await renamePath(fromPath, target);
        }
        await removeSidecar(safe, from);
        await pruneEmpty(safe, fromPath);
        return toInfo(to, file, needsSidecar ? sidecarFor(file, options) : undefined);
      });
    },

    url(key) {
      return joinUrl(publicBaseUrl!, encodeKeyPath(key));
    },

    async signedUrl(key, o) {
      return signedUrlFor(
        publicBaseUrl!,
        {
          method: 'GET',
          key,
          expires: signingWindow(o.expiresIn).expires,
          responseContentDisposition: o.contentDisposition,
          responseContentType: o.contentType,
        },
        secrets[0]!,
      );
    },

    async signedUpload(key, o) {
      const expires = Math.floor(Date.now() / 1000) + o.expiresIn;
      return {
        method: 'PUT' as const,
        url: signedUrlFor(
          uploadBaseUrl!,
          { method: 'PUT', key, expires, uploadContentType: o.contentType, maxSize: o.maxSize },
          secrets[0]!,
        ),
        headers: (o.contentType ? { 'content-type': o.contentType } : {}) as Record<string, string>,
        fields: {},
        expiresAt: new Date(expires * 1000),
      };
    },
  };
}

function diskKeyCheck(key: string): void {
  const problem = diskKeyProblem(key);
  if (problem)
    throw new StorageError('INVALID_KEY', `Invalid key ${JSON.stringify(key)}: ${problem}.`, {
      key,
    });
}

/** The put options a stored file was written with, recovered from its sidecar. */
function sidecarOptions(key: string, sidecar: Sidecar | undefined) {
  return {
    contentType: sidecar?.contentType ?? contentTypeFor(key),
    cacheControl: sidecar?.cacheControl,
    contentDisposition: sidecar?.contentDisposition,
    visibility: sidecar?.visibility,
    metadata: sidecar?.metadata ?? {},
  };
}

function toInfo(
  key: string,
  file: FileVersion & { mtime: Date },
  sidecar: Sidecar | undefined,
): ObjectInfo {
  const info: ObjectInfo = {
    key,
    size: file.size,
    contentType: sidecar?.contentType ?? contentTypeFor(key),
    // Inode, size and mtime identify a version of a file, as web servers' ETags do.
    etag: `"${file.ino.toString(16)}-${file.size.toString(16)}-${Math.round(file.mtimeMs * 1000).toString(16)}"`,
    lastModified: file.mtime,
    metadata: sidecar?.metadata ? { ...sidecar.metadata } : {},
  };
  // Optional fields are set only when present (no conditional spreads on this hot path).
  if (sidecar?.visibility) info.visibility = sidecar.visibility;
  if (sidecar?.cacheControl) info.cacheControl = sidecar.cacheControl;
  if (sidecar?.contentDisposition) info.contentDisposition = sidecar.contentDisposition;
  return info;
}

/** `name` inside the folder `dir` (both already normalized, so no join needed). */
function inDir(dir: string, name: string): string {
  return dir.endsWith(sep) ? dir + name : dir + sep + name;
}

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await fn(items[index]!);
      }
    }),
  );
  return results;
}
