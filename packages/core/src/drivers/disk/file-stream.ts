import { StorageError } from '../../errors.js';
import { closeFd, readFd, readRange, statFd } from './fd.js';
import { mapDiskError } from './map-error.js';

const CHUNK = 256 * 1024;

// A caller may get() an object and never read its body; the descriptor is closed when the
// object is garbage-collected instead of leaking.
const unread = new FinalizationRegistry<number>((fd) => {
  closeFd(fd).catch(() => {});
});

/** A file that ended before the size it had when it was opened: changed outside Stowage. */
export function endedEarly(key: string): StorageError {
  return new StorageError(
    'PRECONDITION_FAILED',
    `The file for ${JSON.stringify(key)} ended early or was replaced after get(): it changed while being read; read it again.`,
    { driver: 'disk', operation: 'get', key, retryable: true },
  );
}

/** A read error after get() returned, as a StorageError of the get. */
export function readError(error: unknown, key: string): StorageError {
  const mapped = mapDiskError(error, key);
  mapped.operation ??= 'get';
  return mapped;
}

/** Reads `[start, end)` whole: a file that got shorter meanwhile is an error, never less data. */
export async function readExactly(
  fd: number,
  start: number,
  end: number,
  key: string,
): Promise<Uint8Array> {
  const bytes = await readRange(fd, start, end).catch((error) => {
    throw readError(error, key);
  });
  if (bytes.byteLength < end - start) throw endedEarly(key);
  return bytes;
}

/**
 * A file whose bytes `[start, end)` are read on demand, once. Nothing is open until the first
 * read: a caller that never reads the body holds no descriptor. `open` reopens the file and checks
 * it is still the version get() described.
 */
export class LazyFile {
  private fd: number | undefined;
  private closed = false;
  /** Size and mtime when the file was opened: a write in place during the read changes them. */
  private opened: { size: number; mtimeMs: number } | undefined;

  constructor(
    private readonly open: () => Promise<number>,
    private readonly start: number,
    private readonly end: number,
    private readonly key: string,
  ) {}

  private async descriptor(): Promise<number> {
    if (this.fd !== undefined) return this.fd;
    const fd = await this.open();
    if (this.closed) {
      await closeFd(fd).catch(() => {});
      throw readError(new Error('the body was cancelled'), this.key);
    }
    this.fd = fd;
    const { size, mtimeMs } = statFd(fd);
    this.opened = { size, mtimeMs };
    // A stream started and then dropped unread is closed when collected instead of leaking.
    unread.register(this, fd, this);
    return fd;
  }

  /**
   * Throws when the open file was written in place while it was read (by another program:
   * Stowage's own writes replace the file, which the open descriptor does not see), so that a
   * mix of old and new bytes is never returned as the file.
   */
  private assertUnchanged(): void {
    if (this.fd === undefined || this.opened === undefined) return;
    const now = statFd(this.fd);
    if (now.size !== this.opened.size || now.mtimeMs !== this.opened.mtimeMs) {
      throw endedEarly(this.key);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.fd === undefined) return;
    unread.unregister(this);
    await closeFd(this.fd);
  }

  /** The whole range at once; the file is closed afterwards. */
  async bytes(): Promise<Uint8Array> {
    try {
      const bytes = await readExactly(await this.descriptor(), this.start, this.end, this.key);
      this.assertUnchanged();
      return bytes;
    } finally {
      await this.close();
    }
  }

  /**
   * A byte stream; the file is closed when the stream ends, fails or is cancelled. It is a
   * `type: 'bytes'` stream, so a reader in BYOB mode (`getReader({ mode: 'byob' })`) has the file
   * read straight into its own buffer and memory stays flat however large the file; a default
   * reader gets a new 256 KiB chunk per read.
   */
  stream(): ReadableStream<Uint8Array> {
    let position = this.start;
    return new ReadableStream(
      {
        type: 'bytes',
        autoAllocateChunkSize: CHUNK,
        pull: async (controller) => {
          // With autoAllocateChunkSize every pull has a request: the reader's buffer or a new one.
          const request = controller.byobRequest!;
          // The streams standard makes a request's view a Uint8Array, whatever the reader passed.
          const view = request.view as Uint8Array;
          try {
            const want = Math.min(view.byteLength, this.end - position);
            if (want <= 0) {
              this.assertUnchanged();
              await this.close();
              controller.close();
              request.respond(0);
              return;
            }
            const n = await readFd(await this.descriptor(), view, 0, want, position);
            if (n === 0) throw endedEarly(this.key);
            position += n;
            request.respond(n);
          } catch (error) {
            await this.close().catch(() => {});
            controller.error(readError(error, this.key));
          }
        },
        cancel: () => this.close(),
      },
      { highWaterMark: 0 },
    );
  }
}
