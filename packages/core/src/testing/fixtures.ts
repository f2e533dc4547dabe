import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

/** Every byte value 0..255, `repeat` times (catches text decoding and sign bugs). */
export function allByteValues(repeat = 4): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(256 * repeat);
  for (let i = 0; i < out.length; i++) out[i] = i % 256;
  return out;
}

/** Deterministic pseudo-random bytes (xorshift32), different for each seed. */
export function patterned(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Splits bytes into chunks of `size` (views, no copies). */
export function chunksOf(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.byteLength; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}

/** An async iterable of chunks that yields to the event loop between chunks, so writers interleave. */
export async function* slowChunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (const chunk of chunksOf(bytes, size)) {
    await new Promise((resolve) => setImmediate(resolve));
    yield chunk;
  }
}

/** A web ReadableStream that hands out `bytes` in chunks, on demand. */
export function webStreamOf(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  const chunks = chunksOf(bytes, size);
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[next++];
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
  });
}

/**
 * A web byte stream (`type: 'bytes'`, like a disk object's body) that fills each read with up to
 * `size` bytes of `bytes`, whatever the reader's buffer.
 */
export function byteStreamOf(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    type: 'bytes',
    autoAllocateChunkSize: size,
    pull(controller: ReadableByteStreamController) {
      const request = controller.byobRequest!;
      const view = request.view as Uint8Array;
      const n = Math.min(view.byteLength, size, bytes.byteLength - at);
      if (n === 0) {
        controller.close();
        request.respond(0);
        return;
      }
      view.set(bytes.subarray(at, at + n));
      at += n;
      request.respond(n);
    },
  });
}

/** A byte-mode Node Readable (like a file stream) that pushes `bytes` in chunks. */
export function nodeReadableOf(bytes: Uint8Array, size: number): Readable {
  const chunks = chunksOf(bytes, size);
  let next = 0;
  return new Readable({
    read() {
      const chunk = chunks[next++];
      this.push(chunk ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : null);
    },
  });
}

/** An async iterable that yields some bytes, then fails like a dropped client connection. */
export async function* failingStream(prefix: Uint8Array): AsyncGenerator<Uint8Array> {
  yield prefix;
  await new Promise((resolve) => setImmediate(resolve));
  throw new Error('conformance: the body stream broke off');
}

/** Reads a whole stream. */
export async function readStream(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** SHA-256 and size of a stream, without keeping its content. */
export async function hashStream(
  stream: AsyncIterable<Uint8Array>,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { sha256: hash.digest('hex'), size };
}

/** A large generated body: streamed once, hashed while it is produced, with one window kept. */
export interface GeneratedBody {
  stream: ReadableStream<Uint8Array>;
  /** SHA-256 of everything produced; call after the stream was consumed. */
  sha256(): string;
  produced(): number;
  /** A copy of the bytes at [windowStart, windowStart + window.length), filled while producing. */
  window: Uint8Array;
  windowStart: number;
}

/**
 * `total` pseudo-random bytes in chunks of `chunkSize` (both multiples of 4), generated on demand so
 * that the test never holds the whole body. The kept window straddles a chunk boundary.
 */
export function generatedBody(
  total: number,
  chunkSize: number,
  seed: number,
  windowSize = 4096,
): GeneratedBody {
  const hash = createHash('sha256');
  const windowStart = chunkSize * 3 - windowSize / 2;
  const window = new Uint8Array(windowSize);
  let produced = 0;
  let x = seed >>> 0 || 1;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (produced >= total) {
        controller.close();
        return;
      }
      const words = new Uint32Array(Math.min(chunkSize, total - produced) / 4);
      for (let i = 0; i < words.length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        words[i] = x >>> 0;
      }
      const chunk = new Uint8Array(words.buffer);
      hash.update(chunk);
      // Keep the part of the window that falls in this chunk.
      const from = Math.max(windowStart, produced);
      const to = Math.min(windowStart + windowSize, produced + chunk.byteLength);
      if (from < to) window.set(chunk.subarray(from - produced, to - produced), from - windowStart);
      produced += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return {
    stream,
    sha256: () => hash.digest('hex'),
    produced: () => produced,
    window,
    windowStart,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Only absolute http(s) URLs can be fetched; relative ones (`/media/...`) need the app's server. */
export function isFetchable(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** Orders keys as every backend lists them: by their UTF-8 bytes. */
export function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Replaces the character at `index` with another of the same kind (stays valid hex / base64). */
function flipChar(text: string, index: number): string {
  const c = text[index]!;
  let replacement: string;
  if (/[0-9]/.test(c)) replacement = c === '0' ? '1' : '0';
  else if (/[a-z]/.test(c)) replacement = c === 'a' ? 'b' : 'a';
  else replacement = c === 'A' ? 'B' : 'A';
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

/** Index of an alphanumeric character near the middle of `text` that is not part of a `%XX` escape. */
function middleIndex(text: string): number {
  for (let i = Math.floor(text.length / 2); i < text.length; i++) {
    if (/[A-Za-z0-9]/.test(text[i]!) && text[i - 1] !== '%' && text[i - 2] !== '%') return i;
  }
  for (let i = Math.floor(text.length / 2) - 1; i >= 0; i--) {
    if (/[A-Za-z0-9]/.test(text[i]!) && text[i - 1] !== '%' && text[i - 2] !== '%') return i;
  }
  throw new Error(`conformance: no character to change in ${JSON.stringify(text)}`);
}

/**
 * The signed URL with one character of its signature changed: a query parameter whose name
 * contains "sig" (`sig`, `signature`, `X-Amz-Signature`, `Signature`), else a Cloudinary
 * `/s--XXXXXXXX--/` path component. The middle character is changed, not the last (the last
 * base64 character may carry only padding bits).
 */
export function tamperSignature(url: string): string {
  const param = /([?&][^=&#]*sig[^=&#]*=)([^&#]+)/i.exec(url);
  if (param) {
    const valueStart = param.index + param[1]!.length;
    const value = param[2]!;
    return (
      url.slice(0, valueStart) +
      flipChar(value, middleIndex(value)) +
      url.slice(valueStart + value.length)
    );
  }
  const path = /\/s--([A-Za-z0-9_-]+)--\//.exec(url);
  if (path) {
    const valueStart = path.index + 4;
    const value = path[1]!;
    return (
      url.slice(0, valueStart) +
      flipChar(value, middleIndex(value)) +
      url.slice(valueStart + value.length)
    );
  }
  throw new Error('conformance: cannot find the signature in the signed URL to tamper with it');
}

/** The URL with a later expiry, when it carries one in a query parameter (`expires`, `X-Amz-Expires`). */
export function extendExpiry(url: string): string | undefined {
  const param = /([?&][^=&#]*expires=)(\d+)/i.exec(url);
  if (!param) return undefined;
  const valueStart = param.index + param[1]!.length;
  const value = param[2]!;
  return (
    url.slice(0, valueStart) + String(Number(value) + 3600) + url.slice(valueStart + value.length)
  );
}
