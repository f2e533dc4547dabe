import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { copyFile, type FileHandle, link, open, realpath, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Capabilities } from '../../capabilities.js';
import { contentTypeFor } from '../../content-type.js';
import type { Driver, DriverBody, DriverCopyOptions, DriverPutOptions } from '../../driver.js';
import { StorageError } from '../../errors.js';
import { ListPager } from '../../list-keys.js';
import { sliceRange } from '../../range.js';
import { encodeKeyPath, joinUrl, signedUrlFor } from '../../signing.js';
import type { ListResult, ObjectInfo } from '../../types.js';
import { fileStream, readFileRange } from './file-stream.js';
import { mapDiskError } from './map-error.js';
import { diskKeyProblem, errno, SafeRoot, TEMP_SUFFIX } from './safe-path.js';
import { type FileVersion, readSidecar, removeSidecar, type Sidecar, writeSidecar } from './sidecar.js';
import { walkKeys } from './walk.js';

const DRIVER_NAME = 'disk';
const DESCRIBE_CONCURRENCY = 16;

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
    throw new StorageError('CONFIG', 'disk() needs a `root` folder, e.g. disk({ root: "./media" }).', { driver: DRIVER_NAME, operation: 'config' });
  }
  const secrets = options.signingSecret === undefined ? [] : [options.signingSecret].flat();
  if (secrets.some((s) => typeof s !== 'string' || s.length < 16)) {
    throw new StorageError('CONFIG', 'disk() signingSecret must be a string of at least 16 characters (or a list of them).', { driver: DRIVER_NAME, operation: 'config' });
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

  /** Runs an operation with the key checked and fs errors mapped. */
  const withKey = async <T>(key: string, fn: (safe: SafeRoot) => Promise<T>): Promise<T> => {
    const problem = diskKeyProblem(key);
    if (problem) throw new StorageError('INVALID_KEY', `Invalid key ${JSON.stringify(key)}: ${problem}.`, { key });
    try {
      return await fn(await root());
    } catch (error) {
      throw mapDiskError(error, key);
    }
  };

  /** Opens a key's file for reading, refusing links that lead outside the root. */
  const openFile = async (safe: SafeRoot, key: string): Promise<FileHandle> => {
    const path = safe.pathOf(key);
    let handle: FileHandle;
    try {
      handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      const code = errno(error);
      if (code === 'ENOTDIR') throw new StorageError('NOT_FOUND', `No object at ${JSON.stringify(key)}.`, { key });
      if (code !== 'ELOOP') throw error;
      // The key's file is itself a link: follow it only to a place inside the root.
      const target = await realpath(path);
      safe.assertInside(target, key);
      handle = await open(target, constants.O_RDONLY);
    }
    try {
      safe.assertInside(await safe.realPathOfFd(handle.fd, path), key);
    } catch (error) {
      await handle.close();
      throw error;
    }
    return handle;
  };

  const describe = async (safe: SafeRoot, key: string, file: FileVersion & { mtime: Date }): Promise<ObjectInfo> => {
    const sidecar = await readSidecar(safe, key, file);
    return toInfo(key, file, sidecar);
  };

  const statKey = async (safe: SafeRoot, key: string) => {
    const real = await realpath(safe.pathOf(key));
    safe.assertInside(real, key);
    const info = await stat(real);
    if (!info.isFile()) throw new StorageError('NOT_FOUND', `No object at ${JSON.stringify(key)}.`, { key });
    return info;
  };

  /** Puts `temp` in place at `path`: atomically replacing, or failing if something is there. */
  const commit = async (temp: string, path: string, key: string, ifNoneMatch: boolean) => {
    if (!ifNoneMatch) return rename(temp, path);
    // link() fails with EEXIST if the name is taken, so exactly one of racing writers wins.
    try {
      await link(temp, path);
    } catch (error) {
      if (errno(error) === 'EEXIST') {
        throw new StorageError('ALREADY_EXISTS', `An object already exists at ${JSON.stringify(key)}.`, { key });
      }
      throw error;
    } finally {
      await unlink(temp).catch(() => {});
    }
  };

  /** Creates a temporary file beside `path` (its folder created and checked); retried once if a concurrent delete removed the folder. */
  const openTemp = async (safe: SafeRoot, path: string, key: string) => {
    for (let attempt = 0; ; attempt++) {
      const dir = await safe.parentFor(path, key);
      const temp = join(dir, `.${basename(path).slice(0, 100)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
      try {
        return { temp, target: join(dir, basename(path)), handle: await open(temp, 'wx', 0o644) };
      } catch (error) {
        if (errno(error) !== 'ENOENT' || attempt > 0) throw error;
      }
    }
  };

  const wantsSidecar = (key: string, o: Pick<DriverPutOptions, 'contentType' | 'cacheControl' | 'contentDisposition' | 'visibility' | 'metadata'>) =>
    o.contentType !== contentTypeFor(key) || o.cacheControl !== undefined || o.contentDisposition !== undefined || o.visibility !== undefined || Object.keys(o.metadata).length > 0;

  const sidecarFor = (file: FileVersion, o: Pick<DriverPutOptions, 'contentType' | 'cacheControl' | 'contentDisposition' | 'visibility' | 'metadata'>): Sidecar => ({
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
        const { temp, target, handle } = await openTemp(safe, safe.pathOf(key), key);
        let committed = false;
        let written: Stats;
        try {
          try {
            if (body instanceof Uint8Array) {
              await handle.writeFile(body);
            } else {
              for await (const chunk of body) {
                o.signal?.throwIfAborted();
                let done = 0;
                while (done < chunk.byteLength) {
                  const { bytesWritten } = await handle.write(chunk, done, chunk.byteLength - done);
                  done += bytesWritten;
                }
              }
            }
            o.signal?.throwIfAborted();
            if (durable) await handle.sync();
            written = await handle.stat();
          } finally {
            await handle.close();
          }
          const needsSidecar = wantsSidecar(key, o);
          if (needsSidecar) await writeSidecar(safe, key, sidecarFor(written, o));
          await commit(temp, target, key, o.ifNoneMatch);
          committed = true;
          return toInfo(key, written, needsSidecar ? sidecarFor(written, o) : undefined);
        } finally {
          if (!committed) await unlink(temp).catch(() => {});
        }
      });
    },

    get(key, o) {
      return withKey(key, async (safe) => {
        const handle = await openFile(safe, key);
        try {
          const file = await handle.stat();
          if (!file.isFile()) throw new StorageError('NOT_FOUND', `No object at ${JSON.stringify(key)}.`, { key });
          const info = await describe(safe, key, file);
          const { start, end } = sliceRange(file.size, o.range, key);
          return {
            info,
            ...(o.range ? { range: { offset: start, length: end - start } } : {}),
            body: () => fileStream(handle, start, end),
            bytes: () => readFileRange(handle, start, end),
          };
        } catch (error) {
          await handle.close();
          throw error;
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
        for await (const entry of walkKeys(safe, prefix, undefined, false)) await deleteKey(entry.key);
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
          const objects = await mapLimit(pager.keys, DESCRIBE_CONCURRENCY, async (key) => describe(safe, key, await statKey(safe, key)));
          return pager.result(objects);
        } catch (error) {
          throw mapDiskError(error, o.prefix);
        }
      })();
    },

    copy(from, to, o: DriverCopyOptions) {
      return withKey(to, async (safe) => {
        diskKeyCheck(from);
        const source = await openFile(safe, from);
        let sidecar: Sidecar | undefined;
        let sourcePath: string;
        try {
          const file = await source.stat();
          if (!file.isFile()) throw new StorageError('NOT_FOUND', `No object at ${JSON.stringify(from)}.`, { key: from });
          sidecar = await readSidecar(safe, from, file);
          sourcePath = await safe.realPathOfFd(source.fd, safe.pathOf(from));
        } finally {
          await source.close();
        }
        const { temp, target, handle } = await openTemp(safe, safe.pathOf(to), to);
        await handle.close();
        let committed = false;
        try {
          await copyFile(sourcePath, temp, constants.COPYFILE_FICLONE);
          const written = await stat(temp);
          const options = sidecarOptions(from, sidecar);
          const needsSidecar = wantsSidecar(to, options);
          if (needsSidecar) await writeSidecar(safe, to, sidecarFor(written, options));
          await commit(temp, target, to, o.ifNoneMatch);
          committed = true;
          return toInfo(to, written, needsSidecar ? sidecarFor(written, options) : undefined);
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
        if (needsSidecar) await writeSidecar(safe, to, sidecarFor(file, options));
        if (o.ifNoneMatch) {
          await commit(fromPath, target, to, true).catch(async (error) => {
            if (needsSidecar) await removeSidecar(safe, to);
            throw error;
          });
        } else {
          await rename(fromPath, target);
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
      return signedUrlFor(publicBaseUrl!, {
        method: 'GET',
        key,
        expires: Math.floor(Date.now() / 1000) + o.expiresIn,
        responseContentDisposition: o.contentDisposition,
        responseContentType: o.contentType,
      }, secrets[0]!);
    },

    async signedUpload(key, o) {
      const expires = Math.floor(Date.now() / 1000) + o.expiresIn;
      return {
        method: 'PUT' as const,
        url: signedUrlFor(uploadBaseUrl!, { method: 'PUT', key, expires, uploadContentType: o.contentType, maxSize: o.maxSize }, secrets[0]!),
        headers: (o.contentType ? { 'content-type': o.contentType } : {}) as Record<string, string>,
        fields: {},
        expiresAt: new Date(expires * 1000),
      };
    },
  };
}

function diskKeyCheck(key: string): void {
  const problem = diskKeyProblem(key);
  if (problem) throw new StorageError('INVALID_KEY', `Invalid key ${JSON.stringify(key)}: ${problem}.`, { key });
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

function toInfo(key: string, file: FileVersion & { mtime: Date }, sidecar: Sidecar | undefined): ObjectInfo {
  return {
    key,
    size: file.size,
    contentType: sidecar?.contentType ?? contentTypeFor(key),
    // Inode, size and mtime identify a version of a file, as web servers' ETags do.
    etag: `"${file.ino.toString(16)}-${file.size.toString(16)}-${Math.round(file.mtimeMs * 1000).toString(16)}"`,
    lastModified: file.mtime,
    metadata: { ...(sidecar?.metadata ?? {}) },
    ...(sidecar?.visibility ? { visibility: sidecar.visibility } : {}),
    ...(sidecar?.cacheControl ? { cacheControl: sidecar.cacheControl } : {}),
    ...(sidecar?.contentDisposition ? { contentDisposition: sidecar.contentDisposition } : {}),
  };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
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
