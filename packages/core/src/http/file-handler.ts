import { NOT_HEADER_SAFE, readableContentType } from '../content-type.js';
import { isStorageError } from '../errors.js';
import type { SignedParams } from '../signing.js';
import type { Storage } from '../storage.js';
import type { ObjectInfo, StoredObject } from '../types.js';
import { isActiveContent, isAttachment } from './active-content.js';
import { evaluateConditions, formatEtag, hasConditions, ifRangeHolds } from './conditional.js';
import { errorHeaders, publicError, statusForError, textResponse } from './error-response.js';
import { attachmentDisposition, baseName, keyFromPath, normalizeBasePath } from './key-path.js';
import { hasSingleRange, parseRange } from './range-header.js';
import { checkSignature, secretList } from './signature.js';

/** A web-standard request handler: a Next.js route handler as it is, or via `toNodeHandler()`. */
export type WebHandler = (request: Request) => Promise<Response>;

export interface FileHandlerOptions {
  /** The path the objects are served under, e.g. `/media`: `/media/a/b.png` serves key `a/b.png`. */
  basePath: string;
  /**
   * The secret (or secrets, newest first, while rotating) of the HMAC signed URLs. Without it,
   * private objects are never served and signed URLs are refused.
   */
  signingSecret?: string | readonly string[];
  /**
   * Cache-Control of public objects that have none of their own (default `public, max-age=3600`).
   * Private and signed responses get `private, no-store` unless the object has its own.
   */
  cacheControl?: string;
  /**
   * Serve HTML, SVG, XML, JavaScript and other active content inline. Off by default: such
   * uploads are served as attachments with `Content-Security-Policy: sandbox`, so a user's file
   * cannot run script on the app's origin. Turn on only for content you trust.
   */
  allowActiveContent?: boolean;
  /** Called with errors answered with a 5xx, whose details are hidden from the client. */
  onError?: (error: unknown, request: Request) => void;
}

const DEFAULT_PUBLIC_CACHE = 'public, max-age=3600';
const RESTRICTED_CACHE = 'private, no-store';

/**
 * Serves a storage's objects at `${basePath}/<key>` for GET and HEAD: ranges (206/416),
 * conditional requests (304/412), ETag, Last-Modified, Cache-Control, `nosniff`, streaming
 * (never a whole object in memory). Private objects need a valid signed URL; active content is
 * served as a sandboxed attachment.
 *
 * @example
 * ```ts
 * // app/media/[...key]/route.ts (Next.js)
 * const files = createFileHandler(storage, { basePath: '/media', signingSecret: process.env.SIGNING_SECRET });
 * export { files as GET, files as HEAD };
 * // Express: app.use('/media', toNodeHandler(files));
 * ```
 */
export function createFileHandler(storage: Storage, options: FileHandlerOptions): WebHandler {
  const basePath = normalizeBasePath(options.basePath);
  const secrets = secretList(options.signingSecret);

  return async (request) => {
    const method = request.method.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') {
      return textResponse(405, 'Method not allowed.', { Allow: 'GET, HEAD' });
    }
    const url = new URL(request.url);
    const found = keyFromPath(url.pathname, basePath);
    if (!found.ok) return textResponse(found.status, found.message);
    // HEAD is covered by a GET signature, as with S3 presigned URLs.
    const signature = checkSignature(url.searchParams, 'GET', found.key, secrets);
    if (signature.state === 'refused') return textResponse(403, signature.message);
    const served = new ServedRequest(
      storage,
      options,
      request,
      found.key,
      signature.state === 'valid' ? signature.params : undefined,
    );
    try {
      return await served.respond(method === 'HEAD');
    } catch (error) {
      if (statusForError(error) >= 500) options.onError?.(error, request);
      if (isStorageError(error, 'NOT_FOUND')) return notFound();
      return textResponse(statusForError(error), publicError(error).message, errorHeaders(error));
    }
  };
}

/** One GET or HEAD being answered. */
class ServedRequest {
  constructor(
    private readonly storage: Storage,
    private readonly options: FileHandlerOptions,
    private readonly request: Request,
    private readonly key: string,
    private readonly signed: SignedParams | undefined,
  ) {}

  async respond(headOnly: boolean): Promise<Response> {
    const { storage, request, key } = this;
    const signal = request.signal;
    const rangeHeader =
      !headOnly && storage.capabilities.rangeRead ? request.headers.get('range') : null;
    const wantsRange = hasSingleRange(rangeHeader);

    // A plain GET reads straight away: the object's info comes with its body.
    if (!headOnly && !wantsRange && !hasConditions(request.headers)) {
      return this.whole(await storage.get(key, { signal, readAll: true }));
    }

    // Validators and size are needed before deciding what to read.
    const info = await storage.head(key);
    if (!this.allowed(info)) return hidden();
    const outcome = evaluateConditions(request.headers, info);
    if (outcome === 'not-modified')
      return new Response(null, { status: 304, headers: this.validatorHeaders(info) });
    if (outcome === 'precondition-failed') return textResponse(412, 'Precondition failed.');
    if (headOnly)
      return new Response(null, { status: 200, headers: this.headers(info, info.size) });

    const range =
      wantsRange && ifRangeHolds(request.headers, info)
        ? parseRange(rangeHeader, info.size)
        : undefined;
    if (range === undefined || range.kind === 'whole')
      return this.whole(await storage.get(key, { signal, readAll: true }));
    if (range.kind === 'unsatisfiable') return unsatisfiable(info.size);

    let object: StoredObject;
    try {
      object = await storage.get(key, {
        range: { offset: range.start, length: range.end - range.start },
        signal,
        readAll: true,
      });
    } catch (error) {
      // The object shrank between head and get.
      if (isStorageError(error, 'INVALID_INPUT')) return unsatisfiable(info.size);
      throw error;
    }
    // The object may have been replaced since head(): check the one actually read.
    if (!this.allowed(object)) return discard(object, hidden());
    const part = object.range ?? { offset: range.start, length: range.end - range.start };
    const headers = this.headers(object, part.length);
    headers.set(
      'Content-Range',
      `bytes ${part.offset}-${part.offset + part.length - 1}/${object.size}`,
    );
    return new Response(object.body(), { status: 206, headers });
  }

  private whole(object: StoredObject): Response {
    if (!this.allowed(object)) return discard(object, hidden());
    return new Response(object.body(), { status: 200, headers: this.headers(object, object.size) });
  }

  /** Private objects only with a valid signature. */
  private allowed(info: ObjectInfo): boolean {
    return info.visibility !== 'private' || this.signed !== undefined;
  }

  private restricted(info: ObjectInfo): boolean {
    return info.visibility === 'private' || this.signed !== undefined;
  }

  /** What a 304 repeats of the 200 (RFC 9110 §15.4.5). */
  private validatorHeaders(info: ObjectInfo): Headers {
    const headers = new Headers({
      // A stored value Headers would refuse (see headers()) gives way to the default.
      'Cache-Control':
        info.cacheControl !== undefined && !NOT_HEADER_SAFE.test(info.cacheControl)
          ? info.cacheControl
          : this.defaultCacheControl(info),
      'X-Content-Type-Options': 'nosniff',
    });
    const etag = formatEtag(info.etag);
    if (etag) headers.set('ETag', etag);
    if (info.lastModified) headers.set('Last-Modified', info.lastModified.toUTCString());
    return headers;
  }

  private headers(info: ObjectInfo, length: number): Headers {
    const headers = this.validatorHeaders(info);
    // One type, read as browsers read it, checked and sent as such: a list is never passed on.
    const contentType = readableContentType(this.signed?.responseContentType ?? info.contentType);
    let disposition = this.signed?.responseContentDisposition ?? info.contentDisposition;
    // put() takes ASCII only, but a backend may hold a value written by other tools, which
    // Headers would refuse (a 500): such a file is sent as a download under its key's name.
    if (disposition !== undefined && NOT_HEADER_SAFE.test(disposition)) {
      disposition = attachmentDisposition(baseName(this.key));
    }
    if (!this.options.allowActiveContent && isActiveContent(contentType)) {
      // Never rendered by the browser on the app's origin: downloaded, and sandboxed if opened.
      if (!isAttachment(disposition)) disposition = attachmentDisposition(baseName(this.key));
      headers.set('Content-Security-Policy', 'sandbox');
    }
    headers.set('Content-Type', contentType);
    headers.set('Content-Length', String(length));
    headers.set('Accept-Ranges', this.storage.capabilities.rangeRead ? 'bytes' : 'none');
    if (disposition) headers.set('Content-Disposition', disposition);
    return headers;
  }

  private defaultCacheControl(info: ObjectInfo): string {
    return this.restricted(info)
      ? RESTRICTED_CACHE
      : (this.options.cacheControl ?? DEFAULT_PUBLIC_CACHE);
  }
}

/**
 * A private object asked for without a signature gets the answer of a missing one: a 403 would
 * tell anyone which private keys exist.
 */
function hidden(): Response {
  return notFound();
}

function notFound(): Response {
  return textResponse(404, 'Not found.');
}

function unsatisfiable(size: number): Response {
  return textResponse(416, 'Range not satisfiable.', { 'Content-Range': `bytes */${size}` });
}

/** Releases an object's body that will not be sent (an open file, a backend socket). */
function discard(object: StoredObject, response: Response): Response {
  try {
    object
      .body()
      .cancel()
      .catch(() => {});
  } catch {
    // Already consumed: nothing to release.
  }
  return response;
}
