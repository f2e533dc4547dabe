import { isStorageError, type StorageErrorCode } from '../errors.js';

/** The HTTP status for each error code, as a client of this server should see it. */
const STATUS_BY_CODE: Record<StorageErrorCode, number> = {
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PRECONDITION_FAILED: 412,
  // The backend refused *our* credentials for this object: the client is not allowed either.
  PERMISSION_DENIED: 403,
  // Our own credentials are wrong: an upstream failure, not the client's.
  UNAUTHENTICATED: 502,
  RATE_LIMITED: 503,
  UNSUPPORTED: 501,
  INVALID_KEY: 400,
  INVALID_INPUT: 400,
  TOO_LARGE: 413,
  INSUFFICIENT_STORAGE: 507,
  CONFIG: 500,
  NETWORK: 502,
  UNKNOWN: 500,
};

/** Messages for server-side failures: the real message may carry paths or backend details. */
const PUBLIC_MESSAGE: Partial<Record<StorageErrorCode, string>> = {
  PERMISSION_DENIED: 'Access denied.',
  UNAUTHENTICATED: 'The storage backend refused the server.',
  RATE_LIMITED: 'The storage backend is busy; try again shortly.',
  UNSUPPORTED: 'Not supported by this storage.',
  CONFIG: 'The storage is misconfigured.',
  NETWORK: 'The storage backend could not be reached.',
  UNKNOWN: 'Internal error.',
};

/** Seconds a client is told to wait after RATE_LIMITED when the backend did not say. */
const DEFAULT_RETRY_AFTER = 5;

/**
 * The HTTP status for an error thrown by a storage: 404 NOT_FOUND, 400 INVALID_KEY / INVALID_INPUT,
 * 413 TOO_LARGE, 403 PERMISSION_DENIED, 409 ALREADY_EXISTS, 412 PRECONDITION_FAILED,
 * 503 RATE_LIMITED, 502 UNAUTHENTICATED / NETWORK, 501 UNSUPPORTED, 500 otherwise (and for
 * anything that is not a StorageError).
 */
export function statusForError(error: unknown): number {
  return isStorageError(error) ? STATUS_BY_CODE[error.code] : 500;
}

/** The code and a message safe to show a client: never a cause, a path or a backend detail. */
export function publicError(error: unknown): { code: StorageErrorCode; message: string } {
  if (!isStorageError(error)) return { code: 'UNKNOWN', message: 'Internal error.' };
  return { code: error.code, message: PUBLIC_MESSAGE[error.code] ?? error.message };
}

/** Extra headers an error response needs: `Retry-After` for RATE_LIMITED. */
export function errorHeaders(error: unknown): Record<string, string> {
  if (!isStorageError(error, 'RATE_LIMITED')) return {};
  const seconds = error.retryAfter
    ? Math.max(1, Math.ceil((error.retryAfter.getTime() - Date.now()) / 1000))
    : DEFAULT_RETRY_AFTER;
  return { 'Retry-After': String(seconds) };
}

/**
 * A JSON error response `{ error: { code, message } }` with {@link statusForError}'s status.
 * Messages of server-side failures are replaced by generic ones; causes are never included.
 *
 * @example
 * ```ts
 * try { ... } catch (e) { return errorResponse(e); }
 * ```
 */
export function errorResponse(error: unknown, headers: Record<string, string> = {}): Response {
  return Response.json(
    { error: publicError(error) },
    {
      status: statusForError(error),
      headers: { 'Cache-Control': 'no-store', ...errorHeaders(error), ...headers },
    },
  );
}

/** A short plain-text response, for the file handler's refusals. */
export function textResponse(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
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
