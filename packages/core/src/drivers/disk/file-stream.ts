import { closeFd, readFd } from './fd.js';

const CHUNK = 256 * 1024;

// A caller may get() an object and never read its body; the descriptor is closed when the
// object is garbage-collected instead of leaking.
const unread = new FinalizationRegistry<number>((fd) => {
  closeFd(fd).catch(() => {});
});

/** An open file whose bytes `[start, end)` are read on demand, once. */
export class OpenFile {
  private closed = false;

  constructor(
    private readonly fd: number,
    private readonly start: number,
    private readonly end: number,
  ) {
    unread.register(this, fd, this);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    unread.unregister(this);
    await closeFd(this.fd);
  }

  /** A byte stream; the file is closed when the stream ends, fails or is cancelled. */
  stream(): ReadableStream<Uint8Array> {
    let position = this.start;
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          try {
            const want = Math.min(CHUNK, this.end - position);
            if (want <= 0) {
              await this.close();
              controller.close();
              return;
            }
            const buffer = Buffer.allocUnsafe(want);
            const n = await readFd(this.fd, buffer, 0, want, position);
            if (n === 0) throw new Error('the file ended early (truncated while being read)');
            position += n;
            controller.enqueue(n === want ? buffer : buffer.subarray(0, n));
          } catch (error) {
            await this.close().catch(() => {});
            controller.error(error);
          }
        },
        cancel: () => this.close(),
      },
      { highWaterMark: 0 },
    );
  }
}
