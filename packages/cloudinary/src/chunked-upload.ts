import type { Writable } from 'node:stream';
import { BodyStreamError, type Sdk, settle } from './sdk.js';

/**
 * Feeds `upload_chunked_stream` whole chunks (one Buffer per chunk, so the SDK copies each once).
 * A source that fails destroys the stream before `end()`, so the last chunk is never sent and
 * Cloudinary stores nothing.
 */
export async function uploadChunks(
  sdk: Sdk,
  source: { chunks: AsyncIterable<Uint8Array>; chunkSize: number },
  options: object,
): Promise<unknown> {
  let failed: unknown;
  let stream: Writable | undefined;
  const done = new Promise<unknown>((resolve, reject) => {
    stream = sdk.uploader.upload_chunked_stream(
      { ...options, chunk_size: source.chunkSize, disable_promises: true },
      settle(resolve, (error) => {
        failed ??= error;
        reject(error);
      }),
    );
    stream.on('error', (error) => {
      failed ??= error;
      reject(error);
    });
  });
  done.catch(() => {});
  const writer = stream!;
  const write = async (chunk: Buffer): Promise<void> => {
    if (writer.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const finish = () => {
        writer.off('drain', finish);
        writer.off('close', finish);
        resolve();
      };
      writer.on('drain', finish);
      writer.on('close', finish);
    });
  };
  try {
    let parts: Uint8Array[] = [];
    let buffered = 0;
    for await (const chunk of source.chunks) {
      if (failed !== undefined) break;
      parts.push(chunk);
      buffered += chunk.byteLength;
      if (buffered >= source.chunkSize) {
        const whole = Buffer.concat(parts, buffered);
        parts = [];
        buffered = 0;
        await write(whole);
      }
    }
    if (failed === undefined) writer.end(Buffer.concat(parts, buffered));
  } catch (error) {
    writer.destroy();
    throw new BodyStreamError(error);
  }
  return done;
}
