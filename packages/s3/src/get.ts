import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
} from '@aws-sdk/client-s3';
import {
  type ObjectInfo,
  type StorageError,
  StorageError as StorageErrorClass,
} from '@stowage/core';
import {
  type DriverGetOptions,
  type DriverObject,
  sliceRange,
  streamOfBytes,
} from '@stowage/core/driver';
import { fail, infoFromHeaders, type S3Context } from './context.js';
import type { DirectAnswer } from './direct.js';
import { quoteKey } from './map-error.js';

/**
 * get() reads this much at once, in one ranged request, and holds nothing open after: an object
 * that fits is done; the rest of a larger one is fetched when its body is first read (If-Match
 * the ETag, so both parts are of the same version). An unread body therefore never holds a socket.
 */
export const FIRST_READ_BYTES = 64 * 1024;

export async function headObject(ctx: S3Context, key: string): Promise<ObjectInfo> {
  try {
    const out = await ctx.client.send(
      new HeadObjectCommand({ Bucket: ctx.options.bucket, Key: key }),
    );
    return infoFromHeaders(key, out.ContentLength ?? 0, out);
  } catch (error) {
    throw fail(ctx, error, 'head', key);
  }
}

export async function getObject(
  ctx: S3Context,
  key: string,
  options: DriverGetOptions,
): Promise<DriverObject> {
  const { range, signal } = options;
  if (range?.length === 0) {
    // HTTP has no empty range: check the offset against the size and read nothing.
    const info = await headObject(ctx, key);
    const { start } = sliceRange(info.size, range, key);
    return emptyObject(info, { offset: start, length: 0 });
  }
  const offset = range?.offset ?? 0;
  // readAll: the caller reads everything now, so one request asks for all of it (no Range at all
  // for a whole object: Ceph spends more CPU on a ranged GET; see read-all.test.ts).
  const firstEnd = options.readAll
    ? range?.length === undefined
      ? undefined
      : offset + range.length
    : offset + Math.min(range?.length ?? FIRST_READ_BYTES, FIRST_READ_BYTES);
  let out: GetOutput;
  try {
    out = await send(ctx, key, offset, firstEnd, undefined, signal);
  } catch (error) {
    const mapped = fail(ctx, error, 'get', key);
    // S3 refuses any Range on an empty object; from offset 0 that is the empty object.
    if (mapped.status === 416 && offset === 0) {
      const info = await headObject(ctx, key);
      if (info.size === 0) return emptyObject(info, range ? { offset: 0, length: 0 } : undefined);
    }
    throw mapped;
  }
  const mapError = (error: unknown) => fail(ctx, error, 'get', key);
  const answer = await checkAnswer(ctx, key, out, offset).catch((error: unknown) => {
    throw mapError(error);
  });
  if (options.readAll && answer.announced === undefined && out.ContentRange === undefined) {
    // A whole object answered without its size (no Content-Length: a proxy that re-encodes):
    // asked again in parts, whose Content-Range gives it, rather than guessing.
    await discard(answer);
    return getObject(ctx, key, { ...options, readAll: false });
  }
  const info = infoFromHeaders(key, answer.size, out);
  // What the caller asked for, measured against the real size (INVALID_INPUT past the end).
  let wanted: { start: number; end: number };
  try {
    wanted = sliceRange(answer.size, range, key);
  } catch (error) {
    await discard(answer);
    throw error;
  }
  const part = range ? { range: { offset: wanted.start, length: wanted.end - wanted.start } } : {};
  /** The object whose body is `chunks`, read when the body is. */
  const streamed = (chunks: () => AsyncGenerator<Uint8Array>): DriverObject => ({
    info,
    ...part,
    body: () => streamOf(chunks(), mapError),
    bytes: () => collect(chunks()).catch((error: unknown) => Promise.reject(mapError(error))),
  });
  if (options.readAll && (answer.announced === undefined || answer.announced > FIRST_READ_BYTES)) {
    // All in this one answer, streamed; the rest is asked for only if the answer falls short.
    return streamed(async function* () {
      let at = wanted.start;
      for await (const chunk of span(answer, at, wanted.end - at, answer.announced)) {
        at += chunk.byteLength;
        yield chunk;
      }
      if (at < wanted.end) yield* rest(ctx, key, info.etag, at, wanted.end, signal);
    });
  }
  let first: Uint8Array;
  try {
    first = await firstPart(answer, offset, Math.min(wanted.end, firstEnd ?? wanted.end) - offset);
  } catch (error) {
    throw mapError(error);
  }
  const restFrom = offset + first.byteLength;
  if (restFrom >= wanted.end) {
    return { info, ...part, body: () => streamOfBytes(first), bytes: async () => first };
  }
  return streamed(async function* () {
    yield first;
    yield* rest(ctx, key, info.etag, restFrom, wanted.end, signal);
  });
}

/** A response body and where it starts in the object. */
interface Answer {
  payload: GetOutput['Body'];
  /** Offset in the object of the body's first byte. */
  start: number;
  /** The whole object's size. */
  size: number;
  /** Bytes the response announced (Content-Length), when it did. */
  announced: number | undefined;
}

/** GetObject's output, from the SDK or sent directly (direct.ts): what is read of it. */
type GetOutput = DirectAnswer | GetObjectCommandOutput;

/** GetObject for bytes [from, to) (to the end when `to` is undefined). */
async function send(
  ctx: S3Context,
  key: string,
  from: number,
  to: number | undefined,
  ifMatch: string | undefined,
  signal: AbortSignal | undefined,
): Promise<GetOutput> {
  // From 0 to the end is the whole object: no Range header (a plain GET).
  const range =
    from > 0 || to !== undefined ? `bytes=${from}-${to === undefined ? '' : to - 1}` : undefined;
  const headers: Record<string, string> = {};
  if (range) headers.range = range;
  if (ifMatch) headers['if-match'] = ifMatch;
  const direct = await ctx.direct?.get(key, headers, signal);
  if (direct) return direct;
  return ctx.client.send(
    new GetObjectCommand({
      Bucket: ctx.options.bucket,
      Key: key,
      ...(range ? { Range: range } : {}),
      ...(ifMatch ? { IfMatch: ifMatch } : {}),
    }),
    signal ? { abortSignal: signal } : {},
  );
}

/**
 * Where the answer starts: Content-Range's first byte, or 0 for a 200 without one (a server that
 * ignored the Range header sends the whole object). A body that starts after `from` cannot give
 * the bytes asked for: a typed error, never other bytes.
 */
async function checkAnswer(
  ctx: S3Context,
  key: string,
  out: GetOutput,
  from: number,
): Promise<Answer> {
  const span = parseContentRange(out.ContentRange);
  const announced = out.ContentLength;
  const answer = {
    payload: out.Body,
    start: span?.start ?? 0,
    size: span?.size ?? announced ?? 0,
    announced,
  };
  if (answer.start > from) {
    await discard(answer);
    throw wrongRange(ctx, key, `bytes ${answer.start}- when bytes ${from}- were asked`);
  }
  return answer;
}

/**
 * Up to `take` bytes from `from` out of the first answer. A small answer (the common case: an
 * object or window of at most 64 KiB) is read whole at once; a larger one (a server that ignored
 * the Range) is streamed only as far as needed, then released.
 */
async function firstPart(answer: Answer, from: number, take: number): Promise<Uint8Array> {
  const { payload, announced } = answer;
  if (payload && announced !== undefined && announced <= FIRST_READ_BYTES) {
    const all = await payload.transformToByteArray();
    const skip = from - answer.start;
    return skip === 0 && all.byteLength <= take ? all : all.subarray(skip, skip + take);
  }
  return collect(span(answer, from, take, announced));
}

/** Releases an answer that will not be read (its socket is closed, not left half-read). */
async function discard(answer: Answer): Promise<void> {
  const payload = answer.payload as { destroy?: () => void } | undefined;
  if (typeof payload?.destroy === 'function') payload.destroy();
  else
    await bodyOf(answer)
      .cancel()
      .catch(() => {});
}

function bodyOf(answer: Answer): ReadableStream<Uint8Array> {
  return answer.payload
    ? (answer.payload.transformToWebStream() as ReadableStream<Uint8Array>)
    : streamOfBytes(new Uint8Array(0));
}

/**
 * The rest of an object, [from, to), fetched when the body is read. If-Match the ETag of the
 * first part: an object replaced in between fails (PRECONDITION_FAILED) instead of mixing versions.
 */
async function* rest(
  ctx: S3Context,
  key: string,
  etag: string | undefined,
  from: number,
  to: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  let at = from;
  while (at < to) {
    let out: GetOutput;
    try {
      out = await send(ctx, key, at, to, etag, signal);
    } catch (error) {
      const mapped = fail(ctx, error, 'get', key);
      if (mapped.code !== 'PRECONDITION_FAILED') throw mapped;
      throw new StorageErrorClass(
        'PRECONDITION_FAILED',
        `The object ${quoteKey(key)} changed between get() and the read of its body; get it again.`,
        { driver: ctx.options.profile.name, key, status: mapped.status },
      );
    }
    const answer = await checkAnswer(ctx, key, out, at);
    const before = at;
    for await (const chunk of span(answer, at, to - at, answer.announced)) {
      at += chunk.byteLength;
      yield chunk;
    }
    // A server that keeps answering short would loop for ever.
    if (at === before) throw wrongRange(ctx, key, `no bytes from ${at} of ${to}`);
  }
}

/**
 * Up to `take` bytes of the object from `from`, out of `answer` (skipping what comes before). The
 * response is released when done: read to its end when nothing is left over (the socket goes
 * back to the pool), cancelled otherwise.
 */
async function* span(
  answer: Answer,
  from: number,
  take: number,
  announced: number | undefined,
): AsyncGenerator<Uint8Array> {
  const reader = bodyOf(answer).getReader();
  let position = answer.start;
  let received = 0;
  let finished = false;
  try {
    while (take > 0) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      received += value.byteLength;
      const skip = Math.max(0, from - position);
      position += value.byteLength;
      if (skip >= value.byteLength) continue;
      const piece = value.subarray(skip, skip + take);
      take -= piece.byteLength;
      from += piece.byteLength;
      yield piece;
    }
    // Everything announced arrived: read the end so the connection is reused.
    if (announced !== undefined && received >= announced) {
      finished = (await reader.read()).done === true;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    total += chunk.byteLength;
  }
  if (parts.length === 1 && parts[0]) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** A pull stream over `chunks`, its errors turned into StorageErrors, cancel closing them. */
function streamOf(
  chunks: AsyncGenerator<Uint8Array>,
  mapError: (error: unknown) => StorageError,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await chunks.next();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (error) {
          controller.error(mapError(error));
        }
      },
      async cancel() {
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

function wrongRange(ctx: S3Context, key: string, what: string): StorageError {
  return new StorageErrorClass(
    'UNKNOWN',
    `The service answered another range than asked for ${quoteKey(key)} (${what}).`,
    { driver: ctx.options.profile.name, key, retryable: false },
  );
}

/** `bytes 10-19/1000` -> start 10, size 1000. */
function parseContentRange(
  header: string | undefined,
): { start: number; size: number } | undefined {
  const match = header === undefined ? null : /^bytes (\d+)-\d+\/(\d+)$/.exec(header.trim());
  return match ? { start: Number(match[1]), size: Number(match[2]) } : undefined;
}

function emptyObject(
  info: ObjectInfo,
  range: { offset: number; length: number } | undefined,
): DriverObject {
  const empty = new Uint8Array(0);
  return {
    info,
    ...(range ? { range } : {}),
    body: () => streamOfBytes(empty),
    bytes: async () => empty,
  };
}
