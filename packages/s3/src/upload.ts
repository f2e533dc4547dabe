import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { ObjectInfo } from '@stowage/core';
import { type DriverBody, type DriverPutOptions, isByteStreamBody } from '@stowage/core/driver';
import { fail, quoteEtag, type S3Context } from './context.js';
import { encodeMetadata } from './metadata.js';
import {
  byteStreamFiller,
  chunkFiller,
  type PartFiller,
  type PutParams,
  untilAborted,
  uploadInParts,
} from './multipart.js';

/** The first buffer of a byte stream: a body that ends within it is sent without a part buffer. */
const FIRST_READ = 256 * 1024;

/** The largest single PutObject S3 accepts. */
const MAX_SINGLE_PUT = 5 * 1024 * 1024 * 1024;

/**
 * Stores `body` at `key`: bytes and streams that end within one part are a single PutObject with
 * a Content-Length; longer streams are a multipart upload holding about
 * `partSize * queueSize` bytes at a time, aborted on any failure so nothing is half-written
 * (see {@link uploadInParts}). A byte stream (a disk object's body, for one) is read straight into
 * the part buffers.
 */
export async function putObject(
  ctx: S3Context,
  key: string,
  body: DriverBody,
  options: DriverPutOptions,
): Promise<ObjectInfo> {
  const { profile, bucket } = ctx.options;
  const visibility = profile.supportsAcl ? options.visibility : undefined;
  const params: PutParams = {
    Bucket: bucket,
    Key: key,
    ContentType: options.contentType,
    ...(options.cacheControl ? { CacheControl: options.cacheControl } : {}),
    ...(options.contentDisposition ? { ContentDisposition: options.contentDisposition } : {}),
    Metadata: encodeMetadata(options.metadata, visibility),
    ...(visibility ? { ACL: visibility === 'public' ? 'public-read' : 'private' } : {}),
    ...(options.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
  };
  const stored = (size: number, etag: string | undefined, lastModified?: Date): ObjectInfo => ({
    key,
    size,
    contentType: options.contentType,
    ...(etag !== undefined ? { etag } : {}),
    ...(lastModified ? { lastModified } : {}),
    metadata: { ...options.metadata },
    ...(visibility ? { visibility } : {}),
    ...(options.cacheControl ? { cacheControl: options.cacheControl } : {}),
    ...(options.contentDisposition ? { contentDisposition: options.contentDisposition } : {}),
  });

  try {
    if (body instanceof Uint8Array && body.byteLength <= MAX_SINGLE_PUT) {
      const etag = await putOnce(ctx, params, body, options.signal);
      return stored(body.byteLength, etag);
    }
    const once = (bytes: Uint8Array) => putOnce(ctx, params, bytes, options.signal);
    const inParts = async (filler: PartFiller): Promise<ObjectInfo> => {
      const { size, etag, lastModified } = await uploadInParts(
        ctx,
        key,
        params,
        filler,
        options,
        once,
      );
      return stored(size, etag, lastModified);
    };
    if (isByteStreamBody(body)) {
      try {
        // A first buffer of its own, filled before any part buffer is taken: a small body never
        // takes one (a byte stream says it has ended only at the read after its last bytes).
        const first = await untilAborted(
          byteStreamFiller(body).fill(new Uint8Array(FIRST_READ), 0),
          options.signal,
        );
        const head = first.buffer.subarray(0, first.filled);
        if (first.done) return stored(head.byteLength, await once(head));
        return await inParts(byteStreamFiller(body, head));
      } catch (error) {
        // Lets the caller's stream release what it holds. Not awaited: a stalled source would
        // never answer.
        body.cancel(error).catch(() => undefined);
        throw error;
      }
    }
    const source = body instanceof Uint8Array ? bytesOnce(body) : body;
    const iterator = source[Symbol.asyncIterator]();
    try {
      // Read up to one part: a stream that ends by then is sent as one PutObject.
      const head: Uint8Array[] = [];
      let headBytes = 0;
      while (headBytes <= ctx.options.partSize) {
        const next = await untilAborted(iterator.next(), options.signal);
        if (next.done) {
          const bytes = head.length === 1 ? head[0]! : Buffer.concat(head, headBytes);
          return stored(headBytes, await once(bytes));
        }
        head.push(next.value);
        headBytes += next.value.byteLength;
      }
      return await inParts(chunkFiller(head, iterator));
    } finally {
      // Lets the caller's stream release its resources when we stop early. Not awaited: a stalled
      // source would never answer.
      iterator.return?.().catch(() => undefined);
    }
  } catch (error) {
    throw fail(ctx, error, 'put', key, options.ifNoneMatch);
  }
}

async function putOnce(
  ctx: S3Context,
  params: PutParams,
  bytes: Uint8Array,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  const headers = ctx.direct && directHeaders(params);
  const direct = headers && (await ctx.direct?.put(params.Key ?? '', headers, bytes, signal));
  if (direct) return quoteEtag(direct.etag);
  const out = await ctx.client.send(
    new PutObjectCommand({ ...params, Body: bytes, ContentLength: bytes.byteLength }),
    signal ? { abortSignal: signal } : {},
  );
  return quoteEtag(out.ETag);
}

/** The fields putObject sets, as headers: anything else keeps the request with the SDK. */
const DIRECT_FIELDS: Record<string, string> = {
  ContentType: 'content-type',
  CacheControl: 'cache-control',
  ContentDisposition: 'content-disposition',
  ACL: 'x-amz-acl',
  IfNoneMatch: 'if-none-match',
};

/** PutObject's headers, as the SDK's serializer writes them; undefined for an unknown field. */
function directHeaders(params: PutParams): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  for (const [field, value] of Object.entries(params)) {
    if (field === 'Bucket' || field === 'Key' || value === undefined) continue;
    if (field === 'Metadata') {
      for (const [name, text] of Object.entries(value as Record<string, string>)) {
        headers[`x-amz-meta-${name.toLowerCase()}`] = text;
      }
      continue;
    }
    const header = DIRECT_FIELDS[field];
    if (header === undefined || typeof value !== 'string') return undefined;
    headers[header] = value;
  }
  return headers;
}

async function* bytesOnce(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
