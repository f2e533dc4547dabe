import type { Hash } from 'node:crypto';
import fs, {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readlinkSync,
  type Stats,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { promisify } from 'node:util';

/**
 * File-descriptor primitives for the disk driver's hot paths. Callback fs calls wrapped once are
 * markedly cheaper than FileHandle methods; calls that never wait on a disk (fstat of an open fd,
 * readlink of /proc/self/fd) run synchronously, saving a thread-pool round trip each.
 */
export const openFd = promisify(fs.open) as (
  path: string,
  flags: number | string,
  mode?: number,
) => Promise<number>;
export const closeFd = promisify(fs.close);
export const renamePath = promisify(fs.rename);
export const fdatasync = promisify(fs.fdatasync);

/** Reads into `buffer`; resolves the number of bytes read (0 at the end of the file). */
export function readFd(
  fd: number,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.read(fd, buffer, offset, length, position, (error, n) =>
      error ? reject(error) : resolve(n),
    );
  });
}

function writeFd(fd: number, buffer: Uint8Array, offset: number, length: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.write(fd, buffer, offset, length, null, (error, n) => (error ? reject(error) : resolve(n)));
  });
}

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, holding a thread of
// libuv's pool for ever; on regular files it changes nothing.
export const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
export const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;

/** Stats of an open file: answered from the in-memory inode, so synchronous. */
export function statFd(fd: number): Stats {
  return fstatSync(fd);
}

/** Where an open fd really is, links resolved (Linux /proc); undefined where /proc is missing. */
export function fdPath(fd: number): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** Writes all of `bytes` at the current position. */
export async function writeAll(fd: number, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) done += await writeFd(fd, bytes, done, bytes.byteLength - done);
}

/** Removes `path` synchronously if it is there; a failure is ignored (best-effort cleanup). */
export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {}
}

/** Writes all of `bytes` at the current position, synchronously (see createFile for when). */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.byteLength; )
    done += writeSync(fd, bytes, done, bytes.byteLength - done);
}

/**
 * Creates `path` (it must not exist) holding `bytes`; a failure leaves no file behind. For the
 * driver's small records (sidecars, lock files) on a local file system (`local`: see quietClose),
 * unless `durable`, the calls run synchronously: creating a small file there only touches the
 * page cache and the in-memory journal (microseconds), while each thread-pool round trip costs
 * more CPU than the call itself (futex wake-ups, an eventfd write, an epoll turn).
 */
export async function createFile(
  path: string,
  bytes: Uint8Array,
  o: { local: boolean; durable: boolean },
): Promise<void> {
  if (o.local && !o.durable) {
    const fd = openSync(path, CREATE_FLAGS, 0o644);
    try {
      writeAllSync(fd, bytes);
    } catch (error) {
      closeSync(fd);
      unlinkQuietly(path);
      throw error;
    }
    closeSync(fd);
    return;
  }
  const fd = await openFd(path, CREATE_FLAGS, 0o644);
  try {
    await writeAll(fd, bytes);
    if (o.durable) await fdatasync(fd);
  } catch (error) {
    await closeFd(fd).catch(() => {});
    await fs.promises.unlink(path).catch(() => {});
    throw error;
  }
  if (o.local) closeSync(fd);
  else await closeFd(fd);
}

/** Reads `[start, end)` into one buffer (shorter if the file ended early). */
export async function readRange(fd: number, start: number, end: number): Promise<Uint8Array> {
  const buffer = Buffer.allocUnsafe(end - start);
  let done = 0;
  while (done < buffer.byteLength) {
    const n = await readFd(fd, buffer, done, buffer.byteLength - done, start + done);
    if (n === 0) return buffer.subarray(0, done);
    done += n;
  }
  return buffer;
}

/**
 * Writes a stream of chunks, pulling the next chunk while the previous one is being written so
 * that the source and the disk work at the same time (as a Writable's queue does).
 */
export async function writeStream(
  fd: number,
  source: AsyncIterable<Uint8Array>,
  signal?: AbortSignal,
  hash?: Hash,
): Promise<void> {
  const chunks = source[Symbol.asyncIterator]();
  let writing: Promise<void> = Promise.resolve();
  try {
    for (;;) {
      const next = await Promise.all([chunks.next(), writing]).then(([n]) => n);
      signal?.throwIfAborted();
      if (next.done) return;
      hash?.update(next.value);
      writing = writeAll(fd, next.value);
      // Observed here; awaited (and rethrown) at the next turn of the loop.
      writing.catch(() => {});
    }
  } catch (error) {
    await chunks.return?.();
    throw error;
  } finally {
    await writing.catch(() => {});
  }
}
