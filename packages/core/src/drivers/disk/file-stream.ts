import { StorageError } from '../../errors.js';
import { closeFd, readFd, readRange } from './fd.js';
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
    `The file for ${JSON.stringify(key)} ended early: it was cut short outside Stowage while being read; read it again.`,
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

/** An open file whose bytes `[start, end)` are read on demand, once. */
export class OpenFile {
  private closed = false;

  constructor(
    private readonly fd: number,
    private readonly start: number,
    private readonly end: number,
    private readonly key: string,
  ) {
    unread.register(this, fd, this);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    unread.unregister(this);
    await closeFd(this.fd);
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
              await this.close();
              controller.close();
              request.respond(0);
              return;
            }
            const n = await readFd(this.fd, view, 0, want, position);
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
