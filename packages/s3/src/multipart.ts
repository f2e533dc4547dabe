import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  type PutObjectCommandInput,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { StorageError, type StorageOperation } from '@stowage/core';
import type { ByteStreamBody, DriverPutOptions } from '@stowage/core/driver';
import { fail, quoteEtag, type S3Context } from './context.js';
import { quoteKey } from './map-error.js';

const MAX_PARTS = 10_000;

/** PutObject parameters without the body: what a multipart upload is created with. */
export type PutParams = Omit<PutObjectCommandInput, 'Body' | 'ContentLength'>;

export interface MultipartResult {
  size: number;
  etag: string | undefined;
  lastModified: Date | undefined;
}

/**
 * Fills part buffers from a body. `fill` fills `buffer` from `at` to its end, or to the end of
 * the body (`done`); the buffer may come back as a new view of the same memory (a byte stream
 * read in BYOB mode transfers it).
 */
export interface PartFiller {
  fill(
    buffer: Uint8Array,
    at: number,
  ): Promise<{ buffer: Uint8Array; filled: number; done: boolean }>;
}

/** Copies chunks into the parts: `head` (already read), then the rest of the stream. */
export function chunkFiller(head: Uint8Array[], rest: AsyncIterator<Uint8Array>): PartFiller {
  let offset = 0;
  return {
    async fill(buffer, at) {
      while (at < buffer.byteLength) {
        if (head.length === 0) {
          const next = await rest.next();
          if (next.done) return { buffer, filled: at, done: true };
          head.push(next.value);
        }
        const chunk = head[0]!;
        const n = Math.min(buffer.byteLength - at, chunk.byteLength - offset);
        buffer.set(chunk.subarray(offset, offset + n), at);
        at += n;
        offset += n;
        if (offset === chunk.byteLength) {
          head.shift();
          offset = 0;
        }
      }
      return { buffer, filled: at, done: false };
    },
  };
}

/**
 * Has a byte stream read straight into the parts (no chunk allocated or copied per read).
 * `first` is what was read before, at most one part.
 */
export function byteStreamFiller(body: ByteStreamBody, first?: Uint8Array): PartFiller {
  let pending = first;
  return {
    async fill(buffer, at) {
      // Read before the first read: that detaches `buffer`, and a detached view has no length.
      const { byteLength } = buffer;
      if (pending) {
        buffer.set(pending, at);
        at += pending.byteLength;
        pending = undefined;
      }
      while (at < byteLength) {
        const { bytes, done } = await body.readInto(buffer.subarray(at));
        // Only a stream cancelled meanwhile keeps the buffer: the upload is failing anyway.
        if (bytes === undefined) throw new Error('The body stream was cancelled while being read.');
        buffer = new Uint8Array(bytes.buffer, bytes.byteOffset - at, byteLength);
        at += bytes.byteLength;
        if (done) return { buffer, filled: at, done: true };
      }
      return { buffer, filled: at, done: false };
    },
  };
}

/**
 * Uploads a stream in parts. Why not lib-storage's `Upload`: it allocates (concatenates) a new
 * buffer per part and keeps sending the rest of the stream after a part failed; with 8 MiB parts
 * and 4 in flight a 1 GiB upload peaked at ~180 MiB RSS. Here `queueSize` part buffers are
 * allocated once and reused (one is filled while the others upload), so memory stays at about
 * `partSize * queueSize`; the first
 * failure (or the caller's abort signal) stops every request, and the upload is always aborted
 * on failure so no object is half-written. A body that ends within the first part is sent as one
 * PutObject (`putOnce`) instead.
 */
export async function uploadInParts(
  ctx: S3Context,
  key: string,
  params: PutParams,
  filler: PartFiller,
  options: DriverPutOptions,
  putOnce: (bytes: Uint8Array) => Promise<string | undefined>,
): Promise<MultipartResult> {
  const { client } = ctx;
  const { queueSize, profile } = ctx.options;
  // A known size raises the part size so that it fits S3's 10,000 parts.
  const partSize = Math.max(ctx.options.partSize, Math.ceil((options.size ?? 0) / MAX_PARTS));
  const Bucket = params.Bucket!;
  const Key = params.Key!;
  const pool = new BufferPool(partSize, queueSize, spareParts(ctx, partSize));
  // The buffer being filled is never given back on failure: a read still running after an abort
  // may write into it.
  let buffer = await pool.take();
  let filled = 0;
  let done = false;
  try {
    ({ buffer, filled, done } = await untilAborted(filler.fill(buffer, 0), options.signal));
    if (done) {
      const etag = await putOnce(buffer.subarray(0, filled));
      pool.release(buffer);
      pool.keepSpares();
      return { size: filled, etag, lastModified: undefined };
    }
  } catch (error) {
    pool.keepSpares();
    throw error;
  }
  // Fail before sending gigabytes when the key is already taken.
  if (options.ifNoneMatch) await assertAbsent(ctx, 'put', key, Key);

  const { IfNoneMatch: _ifNoneMatch, ...createParams } = params;
  // Not cut short by an abort: its id is needed to abort the upload.
  const { UploadId } = await client.send(new CreateMultipartUploadCommand(createParams));
  const controller = new AbortController();
  const stop = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();
  const inFlight = new Set<Promise<void>>();
  const parts: CompletedPart[] = [];
  let failure: unknown;
  let size = 0;
  let sent = 0;

  const send = (part: Uint8Array, length: number): void => {
    const PartNumber = ++sent;
    if (PartNumber > MAX_PARTS) {
      throw new StorageError(
        'TOO_LARGE',
        `The stream for ${quoteKey(key)} needs more than ${MAX_PARTS} parts of ${partSize} bytes: raise partSize.`,
        { driver: profile.name, key },
      );
    }
    size += length;
    const request = client
      .send(
        new UploadPartCommand({
          Bucket,
          Key,
          UploadId,
          PartNumber,
          Body: part.subarray(0, length),
        }),
        { abortSignal: controller.signal },
      )
      .then(
        (out) => {
          parts.push({ PartNumber, ETag: out.ETag });
        },
        (error: unknown) => {
          if (!controller.signal.aborted) {
            failure ??= error;
            controller.abort();
          }
        },
      )
      .finally(() => {
        pool.release(part);
        inFlight.delete(request);
      });
    inFlight.add(request);
  };
  const checkStopped = (): void => {
    if (failure !== undefined) throw failure;
    controller.signal.throwIfAborted();
  };

  try {
    for (;;) {
      if (filled === partSize) {
        send(buffer, filled);
        buffer = await pool.take();
        checkStopped();
        filled = 0;
      }
      if (done) break;
      ({ buffer, filled, done } = await untilAborted(
        filler.fill(buffer, filled),
        controller.signal,
      ));
      checkStopped();
    }
    if (filled > 0) send(buffer, filled);
    else pool.release(buffer);
    await Promise.all(inFlight);
    checkStopped();
    // Ceph ignores If-None-Match on completion: check the key once more, as late as possible.
    if (options.ifNoneMatch) await assertAbsent(ctx, 'put', key, Key);
    parts.sort((a, b) => a.PartNumber! - b.PartNumber!);
    const completed = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: parts },
        ...(options.ifNoneMatch && profile.conditionalCopyAndMultipart ? { IfNoneMatch: '*' } : {}),
      }),
      { abortSignal: controller.signal },
    );
    if (completed.ETag) return { size, etag: quoteEtag(completed.ETag), lastModified: undefined };
    // Ceph answers CompleteMultipartUpload with an empty ETag: read it back.
    const after = await client.send(new HeadObjectCommand({ Bucket, Key }));
    return { size, etag: quoteEtag(after.ETag), lastModified: after.LastModified };
  } catch (error) {
    controller.abort();
    await Promise.allSettled(inFlight);
    await client
      .send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }))
      .catch(() => undefined);
    throw failure ?? error;
  } finally {
    options.signal?.removeEventListener('abort', stop);
    pool.keepSpares();
  }
}

/**
 * Part buffers a finished upload leaves for the next one of the same driver (at most one
 * upload's worth): uploads one after another (a migration of large files) reuse the same memory
 * instead of leaving their part buffers (20 MiB by default) as garbage each for the collector.
 */
const spares = new WeakMap<S3Context, { size: number; buffers: Uint8Array[] }>();

function spareParts(ctx: S3Context, partSize: number): Uint8Array[] {
  let entry = spares.get(ctx);
  if (entry?.size !== partSize) {
    entry = { size: partSize, buffers: [] };
    // Only the default part size is kept (a larger, size-derived one is rare).
    if (partSize === ctx.options.partSize) spares.set(ctx, entry);
  }
  return entry.buffers;
}

/** `promise`, or a rejection as soon as `signal` aborts (a stalled source never settles). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * `count` buffers of `size` bytes, taken from `spares` or allocated on first use, and handed out
 * again when released.
 */
class BufferPool {
  private readonly free: Uint8Array[] = [];
  private readonly waiting: Array<(buffer: Uint8Array) => void> = [];
  private allocated = 0;

  constructor(
    private readonly size: number,
    private readonly count: number,
    private readonly spares: Uint8Array[],
  ) {}

  take(): Promise<Uint8Array> {
    const buffer = this.free.pop();
    if (buffer) return Promise.resolve(buffer);
    if (this.allocated < this.count) {
      this.allocated++;
      return Promise.resolve(this.spares.pop() ?? Buffer.allocUnsafeSlow(this.size));
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Gives the released buffers to the next upload (up to one upload's worth). */
  keepSpares(): void {
    while (this.free.length > 0 && this.spares.length < this.count) {
      this.spares.push(this.free.pop()!);
    }
    this.free.length = 0;
  }

  release(buffer: Uint8Array): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter(buffer);
    else this.free.push(buffer);
  }
}

/** ALREADY_EXISTS when `s3Key` exists (a best-effort check where no atomic one exists). */
export async function assertAbsent(
  ctx: S3Context,
  operation: StorageOperation,
  key: string,
  s3Key: string,
): Promise<void> {
  try {
    await ctx.client.send(new HeadObjectCommand({ Bucket: ctx.options.bucket, Key: s3Key }));
  } catch (error) {
    const mapped = fail(ctx, error, operation, key);
    if (mapped.code === 'NOT_FOUND') return;
    throw mapped;
  }
  throw new StorageError('ALREADY_EXISTS', `An object already exists for ${quoteKey(key)}.`, {
    driver: ctx.options.profile.name,
    key,
  });
}
