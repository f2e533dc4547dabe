import { isStorageError } from '@stowage/core';
import { errorResponse } from '@stowage/core/http';
import { requestOrigin } from '@stowage/example-shared/config';
import { app } from './context';

/** A 303 to `path` (after a form post), with `query` in the URL. */
export function seeOther(path: string, query: Record<string, string | undefined> = {}): Response {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) params.set(name, value);
  const search = params.size > 0 ? `?${params}` : '';
  return new Response(null, { status: 303, headers: { location: `${path}${search}` } });
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

/** A route's numeric `[id]`. */
export async function idParam(context: { params: Promise<{ id: string }> }): Promise<number> {
  return Number((await context.params).id);
}

/**
 * The origin the browser used: the Host header (Next's request.url holds the address the server
 * listens on), and with TRUST_PROXY=true the proxy's X-Forwarded-Proto and X-Forwarded-Host.
 */
export function origin(request: Request): string {
  return requestOrigin((name) => request.headers.get(name), app().trustProxy);
}
