import { contentTypeFor } from '../content-type.js';
import type { StorageErrorCode } from '../errors.js';
import { essence, type MediaType, parseSingleMediaType } from '../media-type.js';
import type { Storage } from '../storage.js';
import type { PutOptions } from '../types.js';
import { type ByteCount, limitBytes, tooLarge } from './byte-limit.js';
import { errorResponse, statusForError } from './error-response.js';
import type { WebHandler } from './file-handler.js';
import { keyFromPath, normalizeBasePath } from './key-path.js';
import { checkSignature, secretList } from './signature.js';

export interface UploadHandlerOptions {
  /** The path signed upload URLs point under, e.g. `/uploads`. */
  basePath: string;
  /** The HMAC secret (or secrets while rotating) the upload URLs were signed with. */
  signingSecret: string | readonly string[];
  /** Largest body accepted in bytes, whatever the URL allows; a signed `max` can only lower it. */
  maxSize: number;
  /**
   * Origins allowed to upload from a browser (`'*'` for any). When set, preflights are answered
   * and responses carry CORS headers; otherwise OPTIONS is 405.
   */
  allowOrigin?: string | readonly string[];
  /**
   * Options for every stored object (e.g. `visibility`). The content type is the one the URL was
   * signed with, else the key's extension's: never what the uploader sends unsigned.
   */
  putOptions?: Omit<PutOptions, 'contentType' | 'signal'>;
  /** Called with errors answered with a 5xx, whose details are hidden from the client. */
  onError?: (error: unknown, request: Request) => void;
}

/** The JSON body of a successful upload (status 201). */
export interface UploadResult {
  key: string;
  size: number;
  contentType: string;
  etag?: string;
}

const PREFLIGHT_MAX_AGE = '600';
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(?:\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

/**
 * Receives signed direct uploads (`PUT ${basePath}/<key>?expires&ct&max&sig`, as minted by the
 * disk driver's `signedUpload`): checks the signature, the signed content type and the size
 * (up front from Content-Length, and while streaming), then streams the body into the storage.
 * Answers 201 with {@link UploadResult}; errors as JSON `{ error: { code, message } }`.
 */
export function createUploadHandler(storage: Storage, options: UploadHandlerOptions): WebHandler {
  const basePath = normalizeBasePath(options.basePath);
  const secrets = secretList(options.signingSecret);
  if (secrets.length === 0) throw new TypeError('createUploadHandler needs a signingSecret');
  if (!Number.isSafeInteger(options.maxSize) || options.maxSize < 0) {
    throw new TypeError('createUploadHandler needs maxSize, a whole number of bytes');
  }
  const origins = options.allowOrigin === undefined ? undefined : originList(options.allowOrigin);

  return async (request) => {
    const cors = corsHeaders(request, origins);
    const method = request.method.toUpperCase();
    if (method === 'OPTIONS' && origins) return preflight(request, cors);
    if (method !== 'PUT') {
      return refuse(405, 'INVALID_INPUT', 'Method not allowed.', {
        ...cors,
        Allow: origins ? 'PUT, OPTIONS' : 'PUT',
      });
    }
    const url = new URL(request.url);
    const found = keyFromPath(url.pathname, basePath);
    if (!found.ok)
      return refuse(
        found.status,
        found.status === 404 ? 'NOT_FOUND' : 'INVALID_KEY',
        found.message,
        cors,
      );
    const signature = checkSignature(url.searchParams, 'PUT', found.key, secrets);
    if (signature.state !== 'valid') {
      const message =
        signature.state === 'refused'
          ? signature.message
          : 'Forbidden: this upload needs a signed URL.';
      return refuse(403, 'PERMISSION_DENIED', message, cors);
    }
    const { params } = signature;

    const sent = request.headers.get('content-type') ?? undefined;
    if (
      params.uploadContentType !== undefined &&
      !sameContentType(sent, params.uploadContentType)
    ) {
      return refuse(
        415,
        'INVALID_INPUT',
        `Unsupported media type: this upload must be sent as ${params.uploadContentType}.`,
        cors,
      );
    }
    const limit = Math.min(params.maxSize ?? Number.POSITIVE_INFINITY, options.maxSize);
    const declared = request.headers.get('content-length');
    if (declared !== null && Number(declared) > limit)
      return errorResponse(tooLarge('upload', limit), cors);

    const count: ByteCount = { bytes: 0, exceeded: false };
    const body = request.body ?? emptyBody();
    try {
      const info = await storage.put(
        found.key,
        limitBytes(body, limit, count, () => tooLarge('upload', limit)),
        {
          ...options.putOptions,
          // Never what the uploader sent unless it was signed: else the key's extension decides, so
          // an upload cannot choose to be served as HTML.
          contentType: params.uploadContentType ?? contentTypeFor(found.key),
          signal: request.signal,
        },
      );
      if (count.exceeded) {
        // A driver that swallowed the stream's error must not leave the oversized object behind.
        await storage.delete(info.key).catch(() => {});
        return errorResponse(tooLarge('upload', limit), cors);
      }
      const result: UploadResult = {
        key: info.key,
        size: info.size,
        contentType: info.contentType,
        etag: info.etag,
      };
      return Response.json(result, {
        status: 201,
        headers: { ...cors, 'Cache-Control': 'no-store' },
      });
    } catch (error) {
      // The put may have wrapped our TOO_LARGE (or failed on the aborted stream): the count is the truth.
      if (count.exceeded) return errorResponse(tooLarge('upload', limit), cors);
      if (statusForError(error) >= 500) options.onError?.(error, request);
      return errorResponse(error, cors);
    }
  };
}

function refuse(
  status: number,
  code: StorageErrorCode,
  message: string,
  headers: Record<string, string>,
): Response {
  return Response.json(
    { error: { code, message } },
    { status, headers: { ...headers, 'Cache-Control': 'no-store' } },
  );
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {}

/**
 * The sent type is the signed one: exactly one type (a list is never accepted), the same essence,
 * and the same parameters when the signed type has some (`charset=UTF-8` matches `charset=utf-8`).
 */
function sameContentType(sent: string | undefined, signed: string): boolean {
  const given = sent === undefined ? undefined : parseSingleMediaType(sent);
  const expected = parseSingleMediaType(signed);
  if (given === undefined || expected === undefined) return false;
  if (essence(given) !== essence(expected)) return false;
  return expected.parameters.size === 0 || sameParameters(given, expected);
}

function sameParameters(a: MediaType, b: MediaType): boolean {
  if (a.parameters.size !== b.parameters.size) return false;
  for (const [name, value] of b.parameters) {
    if (a.parameters.get(name)?.toLowerCase() !== value.toLowerCase()) return false;
  }
  return true;
}

function originList(allow: string | readonly string[]): string[] {
  return (typeof allow === 'string' ? [allow] : [...allow]).map((o) => o.replace(/\/+$/, ''));
}

/** CORS headers for a request from an allowed origin; none otherwise. */
function corsHeaders(request: Request, origins: string[] | undefined): Record<string, string> {
  if (!origins) return {};
  const origin = request.headers.get('origin');
  if (origins.includes('*')) {
    return { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'ETag' };
  }
  if (origin === null || !origins.includes(origin)) return { Vary: 'Origin' };
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Expose-Headers': 'ETag',
    Vary: 'Origin',
  };
}

function preflight(request: Request, cors: Record<string, string>): Response {
  if (!cors['Access-Control-Allow-Origin'])
    return new Response(null, { status: 204, headers: cors });
  const asked = request.headers.get('access-control-request-headers');
  // The signature is the credential, so any well-formed header list may be sent.
  const allowHeaders =
    asked !== null && HEADER_LIST.test(asked.trim()) ? asked.trim() : 'Content-Type';
  return new Response(null, {
    status: 204,
    headers: {
      ...cors,
      'Access-Control-Allow-Methods': 'PUT',
      'Access-Control-Allow-Headers': allowHeaders,
      'Access-Control-Max-Age': PREFLIGHT_MAX_AGE,
      Vary: 'Origin, Access-Control-Request-Headers',
    },
  });
}
