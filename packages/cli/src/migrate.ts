import { setMaxListeners } from 'node:events';
import { isStorageError, type PutOptions, StorageError } from '@stowage/core';
import { MemoryBudget } from './budget.js';
import { type Listed, sameObject } from './compare.js';
import type {
  MigrateEvent,
  MigrateFailure,
  MigrateOptions,
  MigrateSummary,
  MigrateTotals,
} from './migrate-types.js';
import { noTotals } from './migrate-types.js';
import { SortedCursor } from './sorted-cursor.js';
import { heldWhole, readWhole, WHOLE_BUFFER_MIN, WholeBuffers } from './whole-buffers.js';
import { WorkQueue } from './work-queue.js';

export type * from './migrate-types.js';

const DEFAULT_CONCURRENCY = 8;
const MAX_CONCURRENCY = 64;
const DEFAULT_RETRIES = 2;
/** How far the source listing may run ahead of the copies (entries are small). */
const MAX_LISTED_AHEAD = 10_000;
const MiB = 1024 * 1024;
/**
 * Objects up to this size are read whole and put as bytes: one PutObject with its length (the S3
 * driver sends bytes as one request whatever their size), no stream objects, no part buffers.
 */
const WHOLE_OBJECT_LIMIT = 8 * MiB;
/**
 * What a streamed (larger) object holds: the S3 driver's multipart upload keeps 4 part buffers
 * of 5 MiB. One budget for all means large objects go one at a time and finish in order, so an
 * interrupt leaves whole objects rather than many half-sent ones.
 */
const STREAMED_OBJECT_RESERVE = 20 * MiB;
/**
 * Bytes of object content all copies together may hold at once, whatever the concurrency: one
 * streamed upload and 16 MiB of objects read whole (36 MiB), never two streamed uploads. With
 * Node, the AWS SDK and the heap (~90 MiB resident during bench/migrate's rows) a migration stays
 * within 128 MiB.
 */
const MEMORY_BUDGET = STREAMED_OBJECT_RESERVE + 16 * MiB;
/** Free whole-object buffers kept for the next objects (see WholeBuffers), beside the budget. */
const WHOLE_BUFFERS_KEPT = 16 * MiB;
/** A disk writes a stream as it comes: only the chunks in flight are held. */
const STREAMED_TO_DISK_RESERVE = 1 * MiB;
const TRANSFER_EVENT_INTERVAL_MS = 100;
/** Unaddressable keys kept by name in the summary (the count has them all). */
const UNADDRESSABLE_SHOWN = 20;

interface Entry extends Listed {
  key: string;
  /** The target's object at this key from its listing, or 'unknown' (ask it with a HEAD). */
  target: Listed | undefined | 'unknown';
}

/**
 * Copies every object of one storage into another with its content type, cache control,
 * disposition, visibility and metadata: objects up to 8 MiB as bytes, larger ones streamed, all
 * within one memory budget (36 MiB of content at a time, whatever the concurrency).
 *
 * An object the target already has with the same size and checksum is skipped unless `force`
 * (see {@link sameObject} for when the size alone decides): a run that was interrupted resumes by
 * running it again, and since puts are atomic there are never half-copied objects to clean up.
 * The target's listing is merged with the source's as both stream, in key order.
 *
 * Rejects only when the source (or the target, for the skip check) cannot be listed; a failed
 * object is reported in the summary and the rest carry on.
 *
 * @example
 * const summary = await migrate({ from: createStorage(disk({ root: './media' })), to: storage });
 * if (summary.failed > 0) console.error(summary.failures);
 */
export async function migrate(options: MigrateOptions): Promise<MigrateSummary> {
  const { from, to, signal, onProgress } = options;
  if (from === to) {
    throw new StorageError('INVALID_INPUT', 'migrate() needs two different storages.');
  }
  const prefix = options.prefix ?? '';
  const dryRun = options.dryRun === true;
  const force = options.force === true;
  const overwrite = options.overwrite !== false;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new StorageError(
      'INVALID_INPUT',
      `concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got ${String(concurrency)}.`,
    );
  }
  const retries = options.retries ?? DEFAULT_RETRIES;
  const started = performance.now();
  const totals: MigrateTotals = noTotals();
  const snapshot = (): MigrateTotals => ({
    ...totals,
    elapsedMs: performance.now() - started,
  });
  const emit = (event: MigrateEvent): void => onProgress?.(event);
  let lastTransferEvent = 0;
  const countBytes = (bytes: number): void => {
    totals.transferredBytes += bytes;
    const now = performance.now();
    if (now - lastTransferEvent >= TRANSFER_EVENT_INTERVAL_MS) {
      lastTransferEvent = now;
      emit({ type: 'transfer', totals: snapshot() });
    }
  };

  const failures: MigrateFailure[] = [];
  const dropped = { metadata: 0, visibility: 0 };
  let interrupted = 0;
  const unaddressable = { count: 0, keys: [] as string[] };
  const onSkipped = ({ key }: { key: string }): void => {
    unaddressable.count++;
    if (unaddressable.keys.length < UNADDRESSABLE_SHOWN) unaddressable.keys.push(key);
  };
  // Set once a put with a visibility was refused as UNSUPPORTED (e.g. an S3 bucket with ACLs
  // disabled): later objects are sent without it.
  let visibilityRefused = false;

  // One signal for every request of this migration, so that many copies in flight do not add
  // listeners to the caller's signal (MaxListenersExceededWarning at concurrency 16).
  const inner = new AbortController();
  setMaxListeners(concurrency * 8 + 16, inner.signal);
  const stopInner = (): void => inner.abort(signal?.reason);
  if (signal?.aborted) stopInner();
  signal?.addEventListener('abort', stopInner, { once: true });
  const budget = new MemoryBudget(MEMORY_BUDGET);
  const buffers = new WholeBuffers(WHOLE_BUFFERS_KEPT);
  const compare = { from, to, signal: inner.signal };

  // What the target already holds, from its listing merged with the source's instead of a HEAD
  // per object (Cloudinary's Admin API, for one, is rate limited per hour). Without listing,
  // each object is HEADed.
  const targetCursor =
    !(force && overwrite) && to.capabilities.list
      ? new SortedCursor(to.listAll(prefix))
      : undefined;

  const existing = async (entry: Entry): Promise<Listed | undefined> => {
    if (entry.target !== 'unknown') return entry.target;
    try {
      const info = await to.head(entry.key);
      return { size: info.size, etag: info.etag };
    } catch (error) {
      if (isStorageError(error, 'NOT_FOUND')) return undefined;
      throw error;
    }
  };

  const streamedReserve = to.driver === 'disk' ? STREAMED_TO_DISK_RESERVE : STREAMED_OBJECT_RESERVE;
  const copyOnce = async (entry: Entry): Promise<number> => {
    const release = await budget.reserve(
      entry.size > WHOLE_OBJECT_LIMIT ? streamedReserve : heldWhole(entry.size),
      inner.signal,
    );
    try {
      return await copyWithin(entry);
    } finally {
      release();
    }
  };

  const copyWithin = async (entry: Entry): Promise<number> => {
    // Read whole and at once (put() takes it all): one request, no Range, on S3.
    const object = await from.get(entry.key, { signal: inner.signal, readAll: true });
    const put: PutOptions = { contentType: object.contentType, signal: inner.signal };
    if (!overwrite) put.onConflict = 'fail';
    if (object.cacheControl) put.cacheControl = object.cacheControl;
    if (object.contentDisposition) put.contentDisposition = object.contentDisposition;
    if (Object.keys(object.metadata).length > 0) {
      if (to.capabilities.metadata) put.metadata = { ...object.metadata };
      else dropped.metadata++;
    }
    const visibility =
      object.visibility && to.capabilities.visibility && !visibilityRefused
        ? object.visibility
        : undefined;
    if (object.visibility && visibility === undefined) dropped.visibility++;
    let read = 0;
    // Small objects as bytes: put() knows their size and sends one request, without streams.
    const whole = object.size <= WHOLE_OBJECT_LIMIT && entry.size <= WHOLE_OBJECT_LIMIT;
    const stream = whole
      ? undefined
      : counted(object.body(), (n) => {
          read += n;
          countBytes(n);
        });
    // Given back to `buffers` once the target has the object.
    let reused: Uint8Array | undefined;
    let body: Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;
    if (stream) body = stream.body;
    else if (object.size >= WHOLE_BUFFER_MIN) {
      const into = buffers.take(object.size);
      ({ buffer: reused, read } = await readWhole(object.body(), into, object.size));
      if (read !== object.size) throw incomplete(entry.key, object.size, read, 0);
      body = reused.subarray(0, read);
    } else body = await object.bytes();
    if (body instanceof Uint8Array) {
      read = body.byteLength;
      countBytes(read);
    }
    try {
      let written: { size: number };
      try {
        written = await to.put(entry.key, body, visibility ? { ...put, visibility } : put);
      } catch (error) {
        if (visibility === undefined || !isStorageError(error, 'UNSUPPORTED')) throw error;
        // The body stream was consumed: read the object again, without the visibility.
        visibilityRefused = true;
        totals.transferredBytes -= read;
        read = 0;
        return await copyWithin(entry);
      }
      if (read !== object.size || written.size !== object.size) {
        throw incomplete(entry.key, object.size, read, written.size);
      }
      if (reused) buffers.give(reused);
      return object.size;
    } catch (error) {
      totals.transferredBytes -= read;
      // Releases the source (an open file, a socket) if the target never read it to the end.
      await stream?.cancel().catch(() => {});
      throw error;
    }
  };

  const copyWithRetries = async (entry: Entry): Promise<number> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await copyOnce(entry);
      } catch (error) {
        const storageError = asStorageError(error, entry.key);
        if (inner.signal.aborted || !storageError.retryable || attempt >= retries) {
          throw storageError;
        }
        await sleep(backoffMs(attempt, storageError), inner.signal);
      }
    }
  };

  const skip = (entry: Entry, reason: string): void => {
    totals.skipped++;
    totals.skippedBytes += entry.size;
    emit({ type: 'skipped', key: entry.key, size: entry.size, reason, totals: snapshot() });
  };

  const processEntry = async (entry: Entry): Promise<void> => {
    try {
      const found = force && overwrite ? undefined : await existing(entry);
      let same: string | undefined;
      if (found && !overwrite) same = KEPT;
      else if (found && !force) same = await sameObject(entry.key, entry, found, compare);
      if (same) return skip(entry, same);
      const size = dryRun ? entry.size : await copyWithRetries(entry);
      totals.copied++;
      totals.copiedBytes += size;
      emit({ type: 'copied', key: entry.key, size, dryRun, totals: snapshot() });
    } catch (error) {
      if (signal?.aborted) {
        interrupted++;
        return;
      }
      // Written to the target meanwhile (through a mirror): that version is the newer one.
      if (!overwrite && isStorageError(error, 'ALREADY_EXISTS')) return skip(entry, KEPT);
      const storageError = asStorageError(error, entry.key);
      totals.failed++;
      totals.failedBytes += entry.size;
      failures.push({
        key: entry.key,
        code: storageError.code,
        message: storageError.message,
        error: storageError,
      });
      emit({ type: 'failed', key: entry.key, error: storageError, totals: snapshot() });
    }
  };

  const queue = new WorkQueue<Entry>(MAX_LISTED_AHEAD);
  // Wakes the workers waiting for the listing when the migration is stopped.
  const stop = (): void => queue.close();
  inner.signal.addEventListener('abort', stop, { once: true });
  let listError: unknown;
  const lister = (async () => {
    try {
      for await (const info of from.listAll(prefix, { onSkipped })) {
        if (inner.signal.aborted) return;
        totals.listed++;
        totals.listedBytes += info.size;
        if (totals.listed % 1000 === 0) emit({ type: 'listed', totals: snapshot() });
        const target = targetCursor ? await targetCursor.find(info.key) : 'unknown';
        await queue.push({
          key: info.key,
          size: info.size,
          etag: info.etag,
          target:
            target && target !== 'unknown' ? { size: target.size, etag: target.etag } : target,
        });
      }
      totals.listingDone = true;
      emit({ type: 'listed', totals: snapshot() });
    } catch (error) {
      listError = error;
    } finally {
      queue.close();
      await targetCursor?.close().catch(() => {});
    }
  })();
  const worker = async (): Promise<void> => {
    for (;;) {
      if (inner.signal.aborted || listError !== undefined) return;
      const entry = await queue.take();
      if (entry === undefined) return;
      await processEntry(entry);
    }
  };
  await Promise.all([lister, ...Array.from({ length: concurrency }, worker)]);
  signal?.removeEventListener('abort', stopInner);
  if (listError !== undefined && !signal?.aborted) throw listError;

  return {
    dryRun,
    aborted: signal?.aborted === true,
    listed: totals.listed,
    copied: totals.copied,
    copiedBytes: totals.copiedBytes,
    skipped: totals.skipped,
    skippedBytes: totals.skippedBytes,
    failed: totals.failed,
    failures,
    interrupted,
    unaddressable,
    dropped,
    durationMs: performance.now() - started,
  };
}

const KEPT = 'the target has this key (overwrite: false)';

function incomplete(key: string, size: number, read: number, written: number): StorageError {
  return new StorageError(
    'UNKNOWN',
    `The copy of ${JSON.stringify(key)} is incomplete: the source has ${size} bytes, ${read} were read and ${written} written.`,
    { key, operation: 'put', retryable: true },
  );
}

function asStorageError(error: unknown, key: string): StorageError {
  if (isStorageError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StorageError('UNKNOWN', `Copying ${JSON.stringify(key)} failed: ${message}`, {
    key,
    cause: error,
  });
}

function backoffMs(attempt: number, error: StorageError): number {
  const wanted = error.retryAfter ? error.retryAfter.getTime() - Date.now() : 0;
  return Math.min(30_000, Math.max(wanted, 500 * 2 ** attempt));
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * `stream` with each chunk counted as it passes, and how to release its source. A byte stream (a
 * disk object's body) stays one, so a target that reads into buffers of its own (an S3 upload's
 * parts) still does: counting adds no chunk and no copy (20 x 64 MiB disk -> S3: bench/migrate).
 */
function counted(
  stream: ReadableStream<Uint8Array>,
  count: (bytes: number) => void,
): { body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>; cancel(): Promise<void> } {
  let reader: ReadableStreamBYOBReader;
  try {
    reader = stream.getReader({ mode: 'byob' });
  } catch {
    return { body: countedChunks(stream, count), cancel: () => stream.cancel() };
  }
  const body = new ReadableStream({
    type: 'bytes',
    // A reader without a buffer of its own gets chunks of this size.
    autoAllocateChunkSize: 256 * 1024,
    async pull(controller: ReadableByteStreamController) {
      const request = controller.byobRequest!;
      // Reading transfers the request's buffer: the answer is given as the view that comes back.
      const { value, done } = await reader.read(request.view as Uint8Array<ArrayBuffer>);
      if (done) {
        controller.close();
        if (value) request.respondWithNewView(value);
        return;
      }
      count(value.byteLength);
      request.respondWithNewView(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  // The source is ours to cancel, whoever holds the counted stream.
  return { body, cancel: () => reader.cancel() };
}

async function* countedChunks(
  stream: ReadableStream<Uint8Array>,
  count: (bytes: number) => void,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of stream) {
    count(chunk.byteLength);
    yield chunk;
  }
}
