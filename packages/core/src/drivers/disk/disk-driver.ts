import { createHash } from 'node:crypto';
import { closeSync, constants, type Stats } from 'node:fs';
import { copyFile, link, realpath, rm, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { streamOfBytes } from '../../body.js';
import type { Capabilities } from '../../capabilities.js';
import { mapLimit } from '../../concurrency.js';
import type {
  Driver,
  DriverBody,
  DriverCopyOptions,
  DriverPutOptions,
} from '../../driver-types.js';
import { isStorageError, StorageError } from '../../errors.js';
import { ListPager } from '../../list-keys.js';
import { sliceRange } from '../../range.js';
import { encodeKeyPath, joinUrl, signedUrlFor, signingWindow } from '../../signing.js';
import type { ListResult, ObjectInfo } from '../../types.js';
import {
  closeFd,
  fdatasync,
  fdPath,
  openFd,
  renamePath,
  statFd,
  writeAll,
  writeStream,
} from './fd.js';
import { endedEarly, LazyFile, readExactly } from './file-stream.js';
import {
  alreadyExists,
  carriedMeta,
  metaFor,
  openFile,
  openTemp,
  placeFile,
  pruneEmpty,
  statKey,
  toInfo,
} from './files.js';
import { mapDiskError } from './map-error.js';
import { diskKeyProblem, errno, SafeRoot } from './safe-path.js';
import { assertMetaContained, hashFd, removeSidecar, removeSidecarFolder } from './sidecar.js';
import { Versions } from './versions.js';
import { walkKeys } from './walk.js';

const DRIVER_NAME = 'disk';
const DESCRIBE_CONCURRENCY = 16;
/** Files up to this size are read whole by get() and their descriptor closed at once. */
const EAGER_READ_BYTES = 64 * 1024;

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
  const versionsByRoot = new WeakMap<SafeRoot, Versions>();
  const versionsOf = (safe: SafeRoot) => {
    let versions = versionsByRoot.get(safe);
    if (!versions) {
      versions = new Versions(safe, durable);
      versionsByRoot.set(safe, versions);
    }
    return versions;
  };

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
    diskKeyCheck(key);
    try {
      return await fn(await root());
    } catch (error) {
      throw mapDiskError(error, key);
    }
  };

  /**
   * Opens a key's file and finds the metadata that names it. A sidecar naming another version
   * means a writer is switching the key: the file is opened again (it may have just been
   * replaced); then its content decides (a copied or touched file); else it is ambiguous: private.
   */
  const openDescribed = async (safe: SafeRoot, key: string) => {
    const versions = versionsOf(safe);
    for (let attempt = 0; ; attempt++) {
      const { fd, file } = await openFile(safe, key);
      try {
        const found = await versions.lookup(key, file);
        if (found !== 'mismatch') return { fd, file, found };
        if (attempt >= 2) return { fd, file, found: await versions.lookupByContent(key, fd, file) };
      } catch (error) {
        await closeFd(fd).catch(() => {});
        throw error;
      }
      await closeFd(fd);
    }
  };

  const describeKey = async (safe: SafeRoot, key: string): Promise<ObjectInfo> => {
    const file = await statKey(safe, key);
    const found = await versionsOf(safe).lookup(key, file);
    if (found !== 'mismatch') return toInfo(key, file, found.meta);
    const opened = await openDescribed(safe, key);
    await closeFd(opened.fd);
    return toInfo(key, opened.file, opened.found.meta);
  };

  /** Opens `key` again for a body read after get(): the same version, or PRECONDITION_FAILED. */
  const reopen = async (safe: SafeRoot, key: string, file: Stats) => {
    const { fd, file: now } = await openFile(safe, key).catch((error) => {
      throw errno(error) === 'ENOENT' || isStorageError(error, 'NOT_FOUND')
        ? endedEarly(key)
        : error;
    });
    if (now.ino !== file.ino || now.size !== file.size || now.mtimeMs !== file.mtimeMs) {
      await closeFd(fd);
      throw endedEarly(key);
    }
    return fd;
  };

  const deleteKey = (key: string) =>
    withKey(key, async (safe) => {
      const path = safe.pathOf(key);
      const slash = key.lastIndexOf('/');
      // Nothing is touched while the metadata folder leads anywhere but into the root.
      await assertMetaContained(safe, slash === -1 ? '' : key.slice(0, slash));
      try {
        const real = await realpath(path);
        safe.assertInside(real, key);
        const info = await stat(real);
        if (!info.isFile()) return;
      } catch (error) {
        const code = errno(error);
        if (code === 'ENOENT' || code === 'ENOTDIR') return;
        throw error;
      }
      await versionsOf(safe).remove(key, () =>
        unlink(path).catch((error) => {
          if (errno(error) !== 'ENOENT') throw error;
        }),
      );
      await pruneEmpty(safe, path);
    });

  return {
    name: DRIVER_NAME,
    capabilities,

    put(key: string, body: DriverBody, o: DriverPutOptions) {
      return withKey(key, async (safe) => {
        const versions = versionsOf(safe);
        const meta = metaFor(key, o);
        // Hashed while written only when a sidecar is wanted: plain puts stay on the fast path.
        const hash = meta ? createHash('sha256') : undefined;
        const { fd, temp, target } = await openTemp(safe, safe.pathOf(key), key);
        let open = true;
        let committed = false;
        try {
          if (body instanceof Uint8Array) {
            hash?.update(body);
            await writeAll(fd, body);
          } else {
            await writeStream(fd, body, o.signal, hash);
          }
          o.signal?.throwIfAborted();
          if (durable) await fdatasync(fd);
          const written = statFd(fd);
          open = false;
          await closeLocal(safe, fd, written);
          await versions.commit({
            key,
            target,
            written,
            meta,
            // A plain version over a key with a sidecar: hash what was written.
            sha256: hash ? hash.digest('hex') : () => hashPath(temp),
            ifNoneMatch: o.ifNoneMatch,
            place: () => placeFile(temp, target, key, o.ifNoneMatch),
          });
          committed = true;
          return toInfo(key, written, meta);
        } finally {
          if (open) await closeFd(fd).catch(() => {});
          if (!committed) {
            await unlink(temp).catch(() => {});
            // A folder made for this put and left empty would list as a prefix.
            await pruneEmpty(safe, target);
          }
        }
      });
    },

    get(key, o) {
      return withKey(key, async (safe) => {
        const { fd, file, found } = await openDescribed(safe, key);
        let open = true;
        try {
          const info = toInfo(key, file, found.meta);
          const { start, end } = sliceRange(file.size, o.range, key);
          const range = o.range ? { range: { offset: start, length: end - start } } : {};
          if (end - start <= EAGER_READ_BYTES) {
            // Small: read now and close, so an unread body holds no descriptor.
            const bytes = await readExactly(fd, start, end, key);
            open = false;
            await closeLocal(safe, fd, file);
            return { info, ...range, body: () => streamOfBytes(bytes), bytes: async () => bytes };
          }
          // Large: closed now and opened again at the first read, so a body never read (or
          // read late) holds no descriptor meanwhile.
          open = false;
          await closeLocal(safe, fd, file);
          const handle = new LazyFile(() => reopen(safe, key, file), start, end, key);
          return { info, ...range, body: () => handle.stream(), bytes: () => handle.bytes() };
        } finally {
          if (open) await closeFd(fd);
        }
      });
    },

    head(key) {
      return withKey(key, (safe) => describeKey(safe, key));
    },

    delete: deleteKey,

    async deletePrefix(prefix) {
      const safe = await root();
      try {
        if (prefix.endsWith('/')) {
          // A whole folder: remove it in one go (rm does not follow links inside it).
          const dirKey = prefix.slice(0, -1);
          if (diskKeyProblem(dirKey)) return;
          await assertMetaContained(safe, dirKey);
          const path = safe.pathOf(dirKey);
          const real = await realpath(path).catch(() => undefined);
          if (real === undefined) return;
          safe.assertInside(real, dirKey);
          await rm(path, { recursive: true, force: true });
          // Sidecars after files: a crash between leaves stale sidecars, never a private
          // file without its sidecar.
          await removeSidecarFolder(safe, dirKey);
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
          const objects = await mapLimit(pager.keys, DESCRIBE_CONCURRENCY, (key) =>
            describeKey(safe, key),
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
        const { fd, file, found } = await openDescribed(safe, from).catch((error) => {
          throw mapDiskError(error, from);
        });
        let sourcePath: string;
        try {
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
          if (written.size !== file.size) throw endedEarly(from);
          const meta = carriedMeta(from, to, found.meta);
          await versionsOf(safe).commit({
            key: to,
            target,
            written,
            meta,
            sha256: () => hashPath(temp),
            ifNoneMatch: o.ifNoneMatch,
            place: () => placeFile(temp, target, to, o.ifNoneMatch),
          });
          committed = true;
          return toInfo(to, written, meta);
        } finally {
          if (!committed) await unlink(temp).catch(() => {});
        }
      });
    },

    move(from, to, o: DriverCopyOptions) {
      return withKey(to, async (safe) => {
        diskKeyCheck(from);
        const { fd, file, found } = await openDescribed(safe, from).catch((error) => {
          throw mapDiskError(error, from);
        });
        await closeFd(fd);
        const fromPath = safe.pathOf(from);
        const dir = await safe.parentFor(safe.pathOf(to), to);
        const target = join(dir, basename(safe.pathOf(to)));
        // A rename keeps the inode and mtime, so the entry written for the target names the file.
        const meta = carriedMeta(from, to, found.meta);
        const versions = versionsOf(safe);
        await versions.commit({
          key: to,
          target,
          written: file,
          meta,
          sha256: found.sha256,
          ifNoneMatch: o.ifNoneMatch,
          place: async () => {
            if (!o.ifNoneMatch) return renamePath(fromPath, target);
            // link() claims the target only if it is free; the source goes only after that.
            try {
              await link(fromPath, target);
            } catch (error) {
              if (errno(error) === 'EEXIST') throw alreadyExists(to);
              throw error;
            }
            await unlink(fromPath);
          },
        });
        // The source's sidecar goes unless a new file was put at the source meanwhile.
        await versions.locks
          .run(from, async () => {
            if (!(await stat(fromPath).catch(() => undefined))) await removeSidecar(safe, from);
          })
          .catch(() => {});
        await pruneEmpty(safe, fromPath);
        return toInfo(to, file, meta);
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

/** SHA-256 of a file's content. */
async function hashPath(path: string): Promise<string> {
  const fd = await openFd(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return await hashFd(fd, statFd(fd).size);
  } finally {
    await closeFd(fd);
  }
}
