import { isStorageError } from '@stowage/core';
import { errorResponse } from '@stowage/core/http';
import { requestOrigin } from '@stowage/example-shared/config';
import { recordId } from '@stowage/example-shared/store';
import { app } from './context';

/** A 303 to `path` (after a form post), with `query` in the URL. */
export function seeOther(path: string, query: Record<string, string | undefined> = {}): Response {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) params.set(name, value);
  const search = params.size > 0 ? `?${params}` : '';
  return new Response(null, { status: 303, headers: { location: `${path}${search}` } });
}

/** The 413 of a body over its limit (the Express app's text). */
export function tooLarge(): Response {
  return new Response('The request body is too large.\n', {
    status: 413,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
}

/**
 * The request's body, read up to `limit` bytes; undefined when it is longer (then the rest is not
 * read). Next's route handlers, unlike Express's body parsers, read any size: each route says its
 * own limit, as the Express routes do.
 */
export async function limitedBody(
  request: Request,
  limit: number,
): Promise<Uint8Array | undefined> {
  if (Number(request.headers.get('content-length')) > limit) return undefined;
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** A form body's text fields (urlencoded or multipart); none when it is neither or malformed. */
export async function formFields(
  request: Request,
  body: Uint8Array,
): Promise<Record<string, string>> {
  const type = request.headers.get('content-type') ?? '';
  try {
    const form = await new Response(new Uint8Array(body), {
      headers: { 'content-type': type },
    }).formData();
    const fields: Record<string, string> = {};
    for (const [name, value] of form.entries()) if (typeof value === 'string') fields[name] = value;
    return fields;
  } catch {
    return {};
  }
}

/** A JSON body up to `limit` bytes (Express's default: 100 KB); `{}` when it is not JSON. */
export async function jsonBody(
  request: Request,
  limit = 100 * 1024,
): Promise<{ value: unknown } | undefined> {
  const body = await limitedBody(request, limit);
  return body === undefined ? undefined : { value: parseJson(body) };
}

/** A body's JSON value; `{}` when it is not JSON (the routes then answer what is missing). */
export function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(body).toString('utf8')) as unknown;
  } catch {
    return {};
  }
}

/** A JSON error, logging what the user is not shown. */
export function jsonError(error: unknown): Response {
  if (isStorageError(error, 'UNSUPPORTED')) {
    return Response.json(
      { error: { code: 'UNSUPPORTED', message: 'This storage takes no direct uploads.' } },
      { status: 501 },
    );
  }
  const response = errorResponse(error);
  if (response.status >= 500) console.error(error);
  return response;
}

export function jsonNotFound(message: string): Response {
  return Response.json({ error: { code: 'NOT_FOUND', message } }, { status: 404 });
}

/** A route's numeric `[id]` (NaN, found nowhere, unless written plainly: see recordId). */
export async function idParam(context: { params: Promise<{ id: string }> }): Promise<number> {
  return recordId((await context.params).id);
}

/**
 * The origin the browser used: the Host header (Next's request.url holds the address the server
 * listens on), and with TRUST_PROXY=true the proxy's X-Forwarded-Proto and X-Forwarded-Host.
 */
export function origin(request: Request): string {
  return requestOrigin((name) => request.headers.get(name), app().trustProxy);
}
