import { isStorageError, type Storage, StorageError } from '@stowage/core';
import type { WebHandler } from '@stowage/core/http';
import { chooseFormat } from './negotiate.js';
import { digest, parseTransformSegment, verifyTransform } from './transform-string.js';
import { type VariantStore, variantName } from './variants.js';

export interface HandlerSettings {
  basePath: string;
  secrets: readonly string[];
  originals: Storage;
  store: VariantStore;
  maxInputBytes: number;
  cacheControl: string;
  onError: (error: unknown, request: Request) => void;
}

function text(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(`${message}\n`, {
    status,
    headers: {
      'Content-Type': 'text/plain; charset=utf-8',
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
      ...headers,
    },
  });
}

/** `/base/<segment>/<key...>` -> its parts, percent-decoded segment by segment. */
function parsePath(
  pathname: string,
  basePath: string,
): { segment: string; key: string } | Response {
  if (!pathname.startsWith(`${basePath}/`)) return text(404, 'Not found.');
  const rest = pathname.slice(basePath.length + 1);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) return text(404, 'Not found.');
  try {
    const key = rest
      .slice(slash + 1)
      .split('/')
      .map(decodeURIComponent)
      .join('/');
    return { segment: rest.slice(0, slash), key };
  } catch {
    return text(400, 'Bad request: invalid percent-encoding in the path.');
  }
}

/** True when an If-None-Match list names `etag` (weak comparison) or is `*`. */
function matches(ifNoneMatch: string | null, etag: string): boolean {
  if (ifNoneMatch === null) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}

/** HTTP status and a message safe for the client for an error while serving a variant. */
function failure(error: unknown): { status: number; message: string } {
  if (isStorageError(error, 'NOT_FOUND')) return { status: 404, message: 'Not found.' };
  if (isStorageError(error, 'INVALID_KEY')) return { status: 400, message: error.message };
  if (isStorageError(error, 'TOO_LARGE')) return { status: 413, message: error.message };
  // From the pipeline: the object is not an image it reads.
  if (isStorageError(error, 'UNSUPPORTED')) return { status: 415, message: error.message };
  if (isStorageError(error, 'PERMISSION_DENIED')) return { status: 403, message: 'Access denied.' };
  return { status: 500, message: 'Internal error.' };
}

/** The Web handler of imageTransforms(): serves signed variant URLs. */
export function createVariantHandler(settings: HandlerSettings): WebHandler {
  const { basePath, secrets, originals, store } = settings;
  return async (request) => {
    const method = request.method.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') {
      return text(405, 'Method not allowed.', { Allow: 'GET, HEAD' });
    }
    const url = new URL(request.url);
    const parsed = parsePath(url.pathname, basePath);
    if (parsed instanceof Response) return parsed;
    const { segment, key } = parsed;
    const signature = url.searchParams.get('s');
    if (!signature || !verifyTransform(segment, key, signature, secrets)) {
      return text(403, 'Forbidden: image transforms are served only from signed URLs.');
    }
    const transform = parseTransformSegment(segment);
    if (!transform) return text(400, 'Bad request: unknown transform.');
    const format = chooseFormat(transform.format, request.headers.get('accept'));
    try {
      const original = await originals.head(key);
      if (original.size > settings.maxInputBytes) {
        throw new StorageError(
          'TOO_LARGE',
          `The original is ${original.size} bytes, over the limit of ${settings.maxInputBytes} bytes for transforms.`,
        );
      }
      const cacheControl =
        original.visibility === 'private'
          ? settings.cacheControl.replace(/\bpublic\b/, 'private')
          : settings.cacheControl;
      const headers = new Headers({
        // The same URL gives AVIF, WebP or the original's format depending on Accept.
        Vary: 'Accept',
        'Cache-Control': cacheControl,
        'X-Content-Type-Options': 'nosniff',
      });
      const expected = `"${digest(variantName(key, original, segment, format))}"`;
      if (matches(request.headers.get('if-none-match'), expected)) {
        headers.set('ETag', expected);
        return new Response(null, { status: 304, headers });
      }
      const variant = await store.serve(key, original, segment, transform, format);
      headers.set('ETag', `"${digest(variant.name)}"`);
      headers.set('Content-Type', variant.contentType);
      headers.set('Content-Length', String(variant.size));
      if (method === 'HEAD') {
        if (variant.body instanceof ReadableStream) await variant.body.cancel();
        return new Response(null, { status: 200, headers });
      }
      // A Buffer is a valid body; its type only allows a SharedArrayBuffer underneath.
      return new Response(variant.body as BodyInit, { status: 200, headers });
    } catch (error) {
      const { status, message } = failure(error);
      if (status >= 500) settings.onError(error, request);
      return text(status, message);
    }
  };
}
