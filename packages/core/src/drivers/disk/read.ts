import type { Stats } from 'node:fs';
import { streamOfBytes } from '../../body.js';
import { mapLimit } from '../../concurrency.js';
import type { DriverGetOptions, DriverListOptions, DriverObject } from '../../driver-types.js';
import { isStorageError } from '../../errors.js';
import { ListPager } from '../../list-keys.js';
import { sliceRange } from '../../range.js';
import type { ListResult, ObjectInfo } from '../../types.js';
import type { DiskContext } from './context.js';
import { closeFd } from './fd.js';
import { endedEarly, LazyFile, readExactly } from './file-stream.js';
import { openFile, statKey, toInfo } from './files.js';
import { mapDiskError } from './map-error.js';
import { errno, type SafeRoot } from './safe-path.js';
import { walkKeys } from './walk.js';

const DESCRIBE_CONCURRENCY = 16;
/** Files up to this size are read whole by get() and their descriptor closed at once. */
const EAGER_READ_BYTES = 64 * 1024;

/**
 * Opens a key's file and finds the metadata that names it. A sidecar naming another version
 * means a writer is switching the key: the file is opened again (it may have just been
 * replaced); then its content decides (a copied or touched file); else it is ambiguous: private.
 */
export async function openDescribed(ctx: DiskContext, safe: SafeRoot, key: string) {
  const versions = ctx.versionsOf(safe);
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
}

/** A key's ObjectInfo: one stat and a sidecar lookup, the file opened only when they disagree. */
export async function describeKey(
  ctx: DiskContext,
  safe: SafeRoot,
  key: string,
): Promise<ObjectInfo> {
  const file = await statKey(safe, key);
  const found = await ctx.versionsOf(safe).lookup(key, file);
  if (found !== 'mismatch') return toInfo(key, file, found.meta);
  const opened = await openDescribed(ctx, safe, key);
  await closeFd(opened.fd);
  return toInfo(key, opened.file, opened.found.meta);
}

/** Opens `key` again for a body read after get(): the same version, or PRECONDITION_FAILED. */
async function reopen(safe: SafeRoot, key: string, file: Stats): Promise<number> {
  const { fd, file: now } = await openFile(safe, key).catch((error) => {
    throw errno(error) === 'ENOENT' || isStorageError(error, 'NOT_FOUND') ? endedEarly(key) : error;
  });
  if (now.ino !== file.ino || now.size !== file.size || now.mtimeMs !== file.mtimeMs) {
    await closeFd(fd);
    throw endedEarly(key);
  }
  return fd;
}

export function getObject(
  ctx: DiskContext,
  key: string,
  o: DriverGetOptions,
): Promise<DriverObject> {
  return ctx.withKey(key, async (safe) => {
    const { fd, file, found } = await openDescribed(ctx, safe, key);
    let open = true;
    try {
      const info = toInfo(key, file, found.meta);
      const { start, end } = sliceRange(file.size, o.range, key);
      const range = o.range ? { range: { offset: start, length: end - start } } : {};
      if (end - start <= EAGER_READ_BYTES) {
        // Small: read now and close, so an unread body holds no descriptor.
        const bytes = await readExactly(fd, start, end, key);
        open = false;
        await ctx.closeLocal(safe, fd, file);
        return { info, ...range, body: () => streamOfBytes(bytes), bytes: async () => bytes };
      }
      // Large: closed now and opened again at the first read, so a body never read (or
      // read late) holds no descriptor meanwhile.
      open = false;
      await ctx.closeLocal(safe, fd, file);
      const handle = new LazyFile(() => reopen(safe, key, file), start, end, key);
      return { info, ...range, body: () => handle.stream(), bytes: () => handle.bytes() };
    } finally {
      if (open) await closeFd(fd);
    }
  });
}

export async function listKeys(ctx: DiskContext, o: DriverListOptions): Promise<ListResult> {
  const safe = await ctx.root();
  try {
    const pager = new ListPager(o);
    const shallow = o.delimiter === '/';
    for await (const entry of walkKeys(safe, o.prefix, pager.resumeAfter, shallow)) {
      if (!pager.offer(entry.key, entry.isPrefix)) break;
    }
    const objects = await mapLimit(pager.keys, DESCRIBE_CONCURRENCY, (key) =>
      describeKey(ctx, safe, key),
    );
    return pager.result(objects);
  } catch (error) {
    throw mapDiskError(error, o.prefix);
  }
}
