import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, realpath, rm, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { DriverBody, DriverCopyOptions, DriverPutOptions } from '../../driver-types.js';
import type { ObjectInfo } from '../../types.js';
import { type DiskContext, diskKeyCheck, hashPath } from './context.js';
import {
  closeFd,
  fdatasync,
  fdPath,
  renamePath,
  statFd,
  writeAll,
  writeAllSync,
  writeStream,
} from './fd.js';
import { endedEarly } from './file-stream.js';
import {
  alreadyExists,
  carriedMeta,
  metaFor,
  openTemp,
  placeFile,
  pruneEmpty,
  toInfo,
} from './files.js';
import { mapDiskError } from './map-error.js';
import { openDescribed } from './read.js';
import { diskKeyProblem, errno, type SafeRoot } from './safe-path.js';
import { assertMetaContained, removeSidecar, removeSidecarFolder } from './sidecar.js';
import { walkKeys } from './walk.js';

/**
 * Every write goes to a temporary file in the target folder, then is committed with its metadata
 * by Versions.commit (versions.ts): readers see the old object or the new one, whole.
 */

/**
 * Bodies up to this size, on a local file system and without `durable`, are written by
 * synchronous calls (see DiskContext.quick).
 */
const SMALL_WRITE = 64 * 1024;

export function putObject(
  ctx: DiskContext,
  key: string,
  body: DriverBody,
  o: DriverPutOptions,
): Promise<ObjectInfo> {
  return ctx.withKey(key, async (safe) => {
    const versions = ctx.versionsOf(safe);
    const meta = metaFor(key, o);
    // Hashed while written only when a sidecar is wanted: plain puts stay on the fast path.
    const hash = meta ? createHash('sha256') : undefined;
    const small = body instanceof Uint8Array && body.byteLength <= SMALL_WRITE && ctx.quick(safe);
    const { fd, temp, target } = await openTemp(safe, safe.pathOf(key), key, small);
    let open = true;
    let committed = false;
    try {
      if (body instanceof Uint8Array) {
        hash?.update(body);
        if (small) writeAllSync(fd, body);
        else await writeAll(fd, body);
      } else {
        await writeStream(fd, body, o.signal, hash);
      }
      o.signal?.throwIfAborted();
      if (ctx.durable) await fdatasync(fd);
      const written = statFd(fd);
      open = false;
      await ctx.closeLocal(safe, fd, written);
      await versions.commit({
        key,
        target,
        written,
        meta,
        // A plain version over a key with a sidecar: hash what was written.
        sha256: hash ? hash.digest('hex') : () => hashPath(temp),
        ifNoneMatch: o.ifNoneMatch,
        place: () => placeFile(temp, target, key, o.ifNoneMatch, small),
      });
      committed = true;
      // No recorded type: the one asked for is the extension's (see metaFor).
      return toInfo(
        key,
        written,
        meta,
        meta?.contentType === undefined ? o.contentType : undefined,
      );
    } finally {
      if (open) await closeFd(fd).catch(() => {});
      if (!committed) {
        await unlink(temp).catch(() => {});
        // A folder made for this put and left empty would list as a prefix.
        await pruneEmpty(safe, target);
      }
    }
  });
}

/** The source of a copy or move, opened and described; its errors name `from`. */
function openSource(ctx: DiskContext, safe: SafeRoot, from: string) {
  diskKeyCheck(from);
  return openDescribed(ctx, safe, from).catch((error) => {
    throw mapDiskError(error, from);
  });
}

export function copyObject(
  ctx: DiskContext,
  from: string,
  to: string,
  o: DriverCopyOptions,
): Promise<ObjectInfo> {
  return ctx.withKey(to, async (safe) => {
    const { fd, file, found } = await openSource(ctx, safe, from);
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
      await ctx.versionsOf(safe).commit({
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
}

export function moveObject(
  ctx: DiskContext,
  from: string,
  to: string,
  o: DriverCopyOptions,
): Promise<ObjectInfo> {
  return ctx.withKey(to, async (safe) => {
    const { fd, file, found } = await openSource(ctx, safe, from);
    await closeFd(fd);
    const fromPath = safe.pathOf(from);
    const dir = await safe.parentFor(safe.pathOf(to), to);
    const target = join(dir, basename(safe.pathOf(to)));
    // A rename keeps the inode and mtime, so the entry written for the target names the file.
    const meta = carriedMeta(from, to, found.meta);
    const versions = ctx.versionsOf(safe);
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
}

export function deleteObject(ctx: DiskContext, key: string): Promise<void> {
  return ctx.withKey(key, async (safe) => {
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
    await ctx.versionsOf(safe).remove(key, () =>
      unlink(path).catch((error) => {
        if (errno(error) !== 'ENOENT') throw error;
      }),
    );
    await pruneEmpty(safe, path);
  });
}

export async function deletePrefixed(ctx: DiskContext, prefix: string): Promise<void> {
  const safe = await ctx.root();
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
      await deleteObject(ctx, entry.key);
  } catch (error) {
    throw mapDiskError(error, prefix);
  }
}
