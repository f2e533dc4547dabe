/**
 * Buffers that objects read whole are read into, reused from one object to the next.
 *
 * Why: a migration of 200 x 1 MiB files read each into a new buffer left 1 MiB of garbage per
 * object outside V8's heap; V8 answered with a full (mark-compact) collection every ~16 objects,
 * and the buffers awaiting it raised peak RSS. A buffer is given back only after the target's
 * put() succeeded (it has the bytes then); after a failure it is dropped, since a request the
 * failure left running might still read it.
 *
 * Sizes come in powers of two from 256 KiB, so that an object reuses a buffer of a size near its
 * own. Free buffers are kept up to `keepBytes` in all.
 */
export class WholeBuffers {
  private readonly free = new Map<number, Uint8Array[]>();
  private kept = 0;

  constructor(private readonly keepBytes: number) {}

  /** A buffer of at least `size` bytes (its contents are whatever was there before). */
  take(size: number): Uint8Array {
    const capacity = wholeBufferSize(size);
    const buffer = this.free.get(capacity)?.pop();
    if (buffer) {
      this.kept -= capacity;
      return buffer;
    }
    // Not from Node's shared pool: the buffer must own its memory to be read into by a byte
    // stream (a BYOB read transfers it).
    return Buffer.allocUnsafeSlow(capacity);
  }

  give(buffer: Uint8Array): void {
    const capacity = buffer.byteLength;
    if (capacity !== wholeBufferSize(capacity) || this.kept + capacity > this.keepBytes) return;
    let list = this.free.get(capacity);
    if (!list) {
      list = [];
      this.free.set(capacity, list);
    }
    list.push(buffer);
    this.kept += capacity;
  }
}

/** Objects from this size on are read into a reused buffer; smaller ones are cheap garbage. */
export const WHOLE_BUFFER_MIN = 256 * 1024;

/** What an object of `size` bytes read whole holds: a reused buffer from WHOLE_BUFFER_MIN on. */
export function heldWhole(size: number): number {
  return size >= WHOLE_BUFFER_MIN ? wholeBufferSize(size) : size;
}

/** The size of the buffer an object of `size` bytes is read into. */
export function wholeBufferSize(size: number): number {
  return Math.max(WHOLE_BUFFER_MIN, 2 ** Math.ceil(Math.log2(Math.max(size, 1))));
}

/**
 * Reads `stream` into `buffer` (at least `size` bytes long), in place when it is a byte stream.
 * Resolves the buffer (a BYOB read transfers it: the one that comes back is the same memory) and
 * how many bytes the stream had: more than `size` when it has more (it is then cancelled, not
 * read to the end), fewer when it ended early. Cancels the stream when a read fails.
 */
export async function readWhole(
  stream: ReadableStream<Uint8Array>,
  buffer: Uint8Array,
  size: number,
): Promise<{ buffer: Uint8Array; read: number }> {
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = stream.getReader({ mode: 'byob' });
  } catch {
    // Not a byte stream: its chunks are copied in.
  }
  const reader = byob ?? stream.getReader();
  let read = 0;
  try {
    if (byob) {
      const capacity = buffer.byteLength;
      while (read < size) {
        const { value, done } = await byob.read(buffer.subarray(read, size));
        if (value) buffer = new Uint8Array(value.buffer, 0, capacity);
        if (done) return { buffer, read };
        read += value.byteLength;
      }
      // Anything after `size` is a change since the object was described: one byte tells.
      const { value, done } = await byob.read(new Uint8Array(1));
      if (!done) await byob.cancel();
      return { buffer, read: read + (done ? 0 : (value?.byteLength ?? 0)) };
    }
    const chunks = reader as ReadableStreamDefaultReader<Uint8Array>;
    for (;;) {
      const { value, done } = await chunks.read();
      if (done) return { buffer, read };
      if (read + value.byteLength > size) {
        await chunks.cancel();
        return { buffer, read: read + value.byteLength };
      }
      buffer.set(value, read);
      read += value.byteLength;
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
  }
}
