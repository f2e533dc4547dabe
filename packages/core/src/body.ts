import { Readable } from 'node:stream';
import type { DriverBody } from './driver-types.js';
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
