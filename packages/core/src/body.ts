import { Readable } from 'node:stream';
import type { ByteStreamBody, DriverBody } from './driver-types.js';
import { StorageError } from './errors.js';
import type { Body } from './types.js';

/** Blobs up to this size are read into memory; larger ones are streamed. */
const BLOB_BUFFER_LIMIT = 8 * 1024 * 1024;

export interface NormalizedBody {
  body: DriverBody;
  size?: number;
}

/** Turns any accepted body into bytes (when already in memory) or an async iterable of bytes. */
export async function normalizeBody(body: Body): Promise<NormalizedBody> {
  if (typeof body === 'string') {
    const bytes = Buffer.from(body, 'utf8');
    return { body: bytes, size: bytes.byteLength };
  }
  if (body instanceof Uint8Array) return { body, size: body.byteLength };
  if (body instanceof ArrayBuffer) return { body: new Uint8Array(body), size: body.byteLength };
  if (typeof Blob !== 'undefined' && body instanceof Blob) {
    if (body.size <= BLOB_BUFFER_LIMIT) {
      return { body: new Uint8Array(await body.arrayBuffer()), size: body.size };
    }
    return { body: chunksOf(body.stream()), size: body.size };
  }
  if (isReadableStream(body) && isByteStream(body)) return { body: new ByteStream(body) };
  // A wrapper (prefixed(), mirror()) hands its inner storage the body it was given.
  if (body instanceof ByteStream) return { body };
  if (body instanceof Readable || isReadableStream(body) || isAsyncIterable(body)) {
    return { body: chunksOf(body as AsyncIterable<unknown>) };
  }
  throw new StorageError(
    'INVALID_INPUT',
    `Unsupported body type ${describeType(body)}: pass a string, Uint8Array, ArrayBuffer, Blob, ReadableStream, Node Readable or AsyncIterable<Uint8Array>.`,
    { operation: 'put' },
  );
}

/** Yields Uint8Array chunks, refusing anything else a stream might produce (strings, objects). */
async function* chunksOf(source: AsyncIterable<unknown>): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    if (chunk instanceof Uint8Array) yield chunk;
    else if (typeof chunk === 'string') yield Buffer.from(chunk, 'utf8');
    else {
      throw new StorageError(
        'INVALID_INPUT',
        `A body stream produced a ${describeType(chunk)} chunk; only bytes (Uint8Array) or strings are accepted.`,
        { operation: 'put' },
      );
    }
  }
}

/** A body that can be read into the driver's own buffers (see {@link ByteStreamBody}). */
export function isByteStreamBody(body: DriverBody): body is ByteStreamBody {
  return typeof (body as Partial<ByteStreamBody>).readInto === 'function';
}

/** A stream of `type: 'bytes'` (readable in BYOB mode), probed without keeping it locked. */
function isByteStream(stream: ReadableStream<Uint8Array>): boolean {
  try {
    stream.getReader({ mode: 'byob' }).releaseLock();
    return true;
  } catch {
    // Not a byte stream, or already locked: iterating it reports that as before.
    return false;
  }
}

/** A byte stream as a body: iterated as chunks, or read into the driver's own buffers. */
class ByteStream implements ByteStreamBody {
  private reader: ReadableStreamBYOBReader | undefined;

  constructor(private readonly stream: ReadableStream<Uint8Array>) {}

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return chunksOf(this.stream)[Symbol.asyncIterator]();
  }

  async readInto(view: Uint8Array): Promise<{ bytes: Uint8Array | undefined; done: boolean }> {
    this.reader ??= this.stream.getReader({ mode: 'byob' });
    const { value, done } = await this.reader.read(view);
    return { bytes: value, done };
  }

  async cancel(reason?: unknown): Promise<void> {
    if (this.reader) await this.reader.cancel(reason);
    else if (!this.stream.locked) await this.stream.cancel(reason);
  }
}

function isReadableStream(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof ReadableStream !== 'undefined' && value instanceof ReadableStream;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function'
  );
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return value.constructor?.name ?? 'object';
}

/** Reads a whole web stream into one Uint8Array. */
export async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream) {
    chunks.push(chunk);
    total += chunk.byteLength;
  }
  if (chunks.length === 1) return chunks[0]!;
  return Buffer.concat(chunks, total);
}

/** A web ReadableStream over one in-memory buffer. */
export function streamOfBytes(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (bytes.byteLength > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}
