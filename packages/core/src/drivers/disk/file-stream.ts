import type { FileHandle } from 'node:fs/promises';

const CHUNK = 256 * 1024;

/** A byte stream over `[start, end)` of an open file; the file is closed when done or cancelled. */
export function fileStream(handle: FileHandle, start: number, end: number): ReadableStream<Uint8Array> {
  let position = start;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const want = Math.min(CHUNK, end - position);
        if (want <= 0) {
          await close();
          controller.close();
          return;
        }
        const buffer = Buffer.allocUnsafe(want);
        const { bytesRead } = await handle.read(buffer, 0, want, position);
        if (bytesRead === 0) {
          // The file shrank under us (truncated by hand): end here rather than hang.
          await close();
          controller.error(new Error('file ended early'));
          return;
        }
        position += bytesRead;
        controller.enqueue(bytesRead === want ? buffer : buffer.subarray(0, bytesRead));
      } catch (error) {
        await close().catch(() => {});
        controller.error(error);
      }
    },
    cancel: close,
  }, { highWaterMark: 0 });
}

/** Reads `[start, end)` of an open file into one buffer and closes it. */
export async function readFileRange(handle: FileHandle, start: number, end: number): Promise<Uint8Array> {
  try {
    const buffer = Buffer.allocUnsafe(end - start);
    let done = 0;
    while (done < buffer.byteLength) {
      const { bytesRead } = await handle.read(buffer, done, buffer.byteLength - done, start + done);
      if (bytesRead === 0) return buffer.subarray(0, done);
      done += bytesRead;
    }
    return buffer;
  } finally {
    await handle.close();
  }
}
