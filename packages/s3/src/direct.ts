import { Readable } from 'node:stream';
import type { GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { encodeKeyPath } from './key-map.js';

/**
 * GetObject and small PutObjects without the SDK's middleware stack, for the client the driver
 * builds itself.
 *
 * Measured on 5,000 GETs of 16 KiB from Ceph, 16 at a time, bodies written to disk (Node 24):
 * `client.send(GetObjectCommand)` costs ~1.6 ms of CPU per object and peaks at ~230 MiB RSS;
 * the same requests signed by the client's own signer and sent through the client's own request
 * handler cost ~0.7 ms and ~105 MiB. The difference is the stack: serialization, endpoint
 * rules, user agent, retry bookkeeping and schema-driven deserialization, per request.
 *
 * What stays the SDK's: the signer (and with it the credentials provider, rotation included, and
 * the payload hash), the request handler (its agents, keep-alive, connection and request
 * timeouts), and the endpoint, which is taken from a GetObject or PutObject the SDK itself sent
 * (see `learn`), never worked out here. Anything but a 2xx answer (a missing key, a changed ETag,
 * an existing key under If-None-Match, a throttled or failing server, a reset connection) is sent
 * again through `client.send`, whose retries and error parsing are the authoritative ones: the
 * happy path is the only one that is different. Both requests are idempotent, so sending one
 * again is safe.
 */
export interface DirectRequests {
  /** A GetObject output with the fields get.ts reads; undefined: send it with the SDK. */
  get(
    key: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<DirectAnswer | undefined>;
  /**
   * PutObject of `body` with `headers` (as the SDK serializes PutObject's input); resolves the
   * ETag header (possibly undefined), or `false`: send it with the SDK.
   */
  put(
    key: string,
    headers: Record<string, string>,
    body: Uint8Array,
    signal: AbortSignal | undefined,
  ): Promise<{ etag: string | undefined } | false>;
}

/**
 * Bodies up to this size go direct. Larger ones stay with the SDK, which sends them with
 * `Expect: 100-continue` (a refused upload is not sent whole first).
 */
export const DIRECT_PUT_MAX_BYTES = 1024 * 1024;

/** The part of GetObject's output that get.ts reads. */
export type DirectAnswer = Pick<
  GetObjectCommandOutput,
  | 'ContentRange'
  | 'ContentLength'
  | 'ContentType'
  | 'ETag'
  | 'LastModified'
  | 'Metadata'
  | 'CacheControl'
  | 'ContentDisposition'
> & { Body: DirectBody };

/** What get.ts does with a body: GetObject's Body (an SdkStream) has these too. */
export interface DirectBody {
  transformToByteArray(): Promise<Uint8Array>;
  transformToWebStream(): ReadableStream;
  destroy(): void;
}

/** Where GetObject goes, learned from one the SDK sent. */
interface Endpoint {
  protocol: string;
  hostname: string;
  port: number | undefined;
  /** The path before the key: `/bucket` (path style) or `` (virtual-hosted). */
  base: string;
  scheme: {
    name: string;
    signingName: string;
    signingRegion: string;
    properties: Record<string, unknown>;
  };
}

type Signer = Awaited<ReturnType<S3Client['config']['signer']>>;
interface HandlerResponse {
  statusCode: number;
  headers: Record<string, string | undefined>;
  body: Readable | undefined;
}
interface Handler {
  handle(
    request: unknown,
    options: { abortSignal?: AbortSignal },
  ): Promise<{ response: HandlerResponse }>;
}

/**
 * Sets up direct requests on `client` for `bucket`: a `build`-step middleware watches the first
 * GetObject or PutObject the SDK sends and keeps its endpoint (protocol, host, port, the path
 * before the key) and auth scheme. Only plain SigV4 with a path that ends in the key is kept;
 * anything else (S3 Express sessions, SigV4a, endpoint rules that add headers) leaves every
 * request to the SDK. Should the learned endpoint answer otherwise later (a bucket in another
 * region answers 301), each request is sent again by the SDK, which follows the redirect: slower,
 * never wrong.
 */
export function directRequests(client: S3Client, bucket: string): DirectRequests {
  let endpoint: Endpoint | undefined;
  let learning = true;

  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (
        learning &&
        (context.commandName === 'GetObjectCommand' ||
          context.commandName === 'PutObjectCommand') &&
        (args.input as { Bucket?: unknown }).Bucket === bucket
      ) {
        learning = false;
        endpoint = learn(args, context);
      }
      return next(args);
    },
    { step: 'build', name: 'stowageDirectEndpoint', priority: 'low' },
  );

  /** The response to a 2xx, or undefined (nothing to read: the SDK sends the request again). */
  const send = async (
    at: Endpoint,
    method: 'GET' | 'PUT',
    key: string,
    headers: Record<string, string>,
    body: Uint8Array | undefined,
    signal: AbortSignal | undefined,
  ): Promise<HandlerResponse | undefined> => {
    const { protocol, hostname, port, base, scheme } = at;
    // The driver's client keeps one signer per scheme (client-tuning.ts).
    const signer: Signer = await client.config.signer(scheme);
    const signed = await signer.sign(
      {
        method,
        protocol,
        hostname,
        ...(port !== undefined ? { port } : {}),
        path: `${base}/${encodeKeyPath(key)}`,
        query: {},
        headers: { host: port !== undefined ? `${hostname}:${port}` : hostname, ...headers },
        ...(body !== undefined ? { body } : {}),
      },
      { signingRegion: scheme.signingRegion, signingService: scheme.signingName },
    );
    let response: HandlerResponse;
    try {
      ({ response } = await (client.config.requestHandler as Handler).handle(
        signed,
        signal ? { abortSignal: signal } : {},
      ));
    } catch (error) {
      // An abort is the caller's; a network failure goes to the SDK, which retries.
      if (signal?.aborted) throw error;
      return undefined;
    }
    if (response.statusCode < 200 || response.statusCode > 299) {
      // Drained, so the connection is reused; the SDK asks again and reads the error.
      response.body?.resume();
      return undefined;
    }
    return response;
  };

  return {
    async get(key, headers, signal) {
      if (endpoint === undefined) return undefined;
      const response = await send(endpoint, 'GET', key, headers, undefined, signal);
      // GetObject answers 200 or 206; anything else is not an object's bytes.
      if (response && response.statusCode !== 200 && response.statusCode !== 206) {
        response.body?.resume();
        return undefined;
      }
      return response && answer(response.headers, response.body);
    },
    async put(key, headers, body, signal) {
      if (endpoint === undefined || body.byteLength > DIRECT_PUT_MAX_BYTES) return false;
      const response = await send(
        endpoint,
        'PUT',
        key,
        { ...headers, 'content-length': String(body.byteLength) },
        body,
        signal,
      );
      if (!response) return false;
      response.body?.resume();
      return { etag: response.headers.etag };
    },
  };
}

interface BuildArgs {
  input: object;
  request: unknown;
}
interface BuildContext {
  endpointV2?: { headers?: Record<string, unknown>; properties?: Record<string, unknown> };
}

function learn(args: BuildArgs, context: BuildContext): Endpoint | undefined {
  const input = args.input as { Key?: unknown };
  const request = args.request as {
    protocol?: unknown;
    hostname?: unknown;
    port?: unknown;
    path?: unknown;
  };
  if (typeof input.Key !== 'string') return undefined;
  const { protocol, hostname, port, path } = request;
  if (typeof protocol !== 'string' || typeof hostname !== 'string' || typeof path !== 'string') {
    return undefined;
  }
  const suffix = `/${encodeKeyPath(input.Key)}`;
  if (!path.endsWith(suffix)) return undefined;
  const extraHeaders = context.endpointV2?.headers;
  if (extraHeaders && Object.keys(extraHeaders).length > 0) return undefined;
  const schemes = context.endpointV2?.properties?.authSchemes;
  const scheme = Array.isArray(schemes) ? (schemes[0] as Record<string, unknown>) : undefined;
  if (
    scheme?.name !== 'sigv4' ||
    typeof scheme.signingName !== 'string' ||
    typeof scheme.signingRegion !== 'string'
  ) {
    return undefined;
  }
  return {
    protocol,
    hostname,
    port: typeof port === 'number' ? port : undefined,
    base: path.slice(0, path.length - suffix.length),
    scheme: {
      name: scheme.name,
      signingName: scheme.signingName,
      signingRegion: scheme.signingRegion,
      properties: {},
    },
  };
}

/** The output fields from the response headers, as the SDK's deserializer fills them. */
function answer(
  headers: Record<string, string | undefined>,
  body: Readable | undefined,
): DirectAnswer {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && name.startsWith('x-amz-meta-')) metadata[name.slice(11)] = value;
  }
  const length = headers['content-length'];
  const modified = headers['last-modified'];
  const stream = body ?? Readable.from([]);
  return {
    ContentRange: headers['content-range'],
    ContentLength: length === undefined ? undefined : Number(length),
    ContentType: headers['content-type'],
    ETag: headers.etag,
    LastModified: modified === undefined ? undefined : new Date(modified),
    Metadata: metadata,
    CacheControl: headers['cache-control'],
    ContentDisposition: headers['content-disposition'],
    Body: {
      async transformToByteArray() {
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        return chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks);
      },
      transformToWebStream: () => Readable.toWeb(stream) as ReadableStream,
      destroy: () => stream.destroy(),
    },
  };
}
