import { StorageError, type StorageErrorCode, type StorageOperation } from '@stowage/core';

const DRIVER_NAME = 'cloudinary';

/** Rate-limit headers of the last 420/429 answer, as the HTTP agent saw them. */
export interface RateLimitHeaders {
  /** `X-FeatureRateLimit-Reset`: an HTTP date. */
  reset?: string | undefined;
  /** `Retry-After`: seconds or an HTTP date. */
  retryAfter?: string | undefined;
}

/** What {@link mapCloudinaryError} knows besides the error. */
export interface CloudinaryErrorContext {
  operation?: StorageOperation;
  key?: string;
  /** Strings that must never appear in a message or cause (the API secret). */
  secrets?: readonly string[];
  /** Headers of a recent rate-limited answer (the SDK does not expose headers on errors). */
  rateLimit?: RateLimitHeaders | undefined;
  /** Clock for retryAfter computations (tests). */
  now?: () => number;
}

/**
 * The sanitized `cause` of a mapped Cloudinary error: status, Cloudinary's message (secrets
 * redacted) and the network error code. Never the SDK's error object, whose Admin API variant
 * carries `request_options.auth = "key:secret"`.
 */
export class CloudinaryApiError extends Error {
  readonly httpCode: number | undefined;
  readonly code: string | undefined;

  constructor(message: string, httpCode: number | undefined, code: string | undefined) {
    super(message);
    this.name = 'CloudinaryApiError';
    this.httpCode = httpCode;
    this.code = code;
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The parts of any SDK, fetch or Node error shape that matter, read defensively. */
interface Facts {
  status: number | undefined;
  message: string;
  code: string | undefined;
  timeout: boolean;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

function readFacts(error: unknown): Facts {
  // Admin API: { request_options, query_params, error: { message, http_code } }; an upload whose
  // request failed: { error: Error }. Only `error` is read; the rest holds the credentials.
  let inner: unknown = error;
  if (isRecord(error) && isRecord(error.error) && !(error instanceof Error)) inner = error.error;
  const record = isRecord(inner) ? inner : {};
  const rawStatus = record.http_code ?? record.status;
  const status =
    typeof rawStatus === 'number' && Number.isFinite(rawStatus) ? rawStatus : undefined;
  const rawMessage = record.message;
  const message =
    typeof rawMessage === 'string'
      ? rawMessage
      : rawMessage instanceof Error
        ? rawMessage.message
        : typeof inner === 'string'
          ? inner
          : '';
  // fetch wraps the socket error: TypeError('fetch failed', { cause: { code } }).
  const cause = isRecord(record.cause) ? record.cause : {};
  const rawCode = record.code ?? cause.code;
  const code = typeof rawCode === 'string' ? rawCode : undefined;
  const timeout =
    status === 499 ||
    record.name === 'TimeoutError' ||
    code === 'ETIMEDOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT';
  return { status, message, code, timeout };
}

/** Replaces every secret (and `key:secret` pairs containing it) in `text`. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
    if (secret.length >= 4) out = out.split(encodeURIComponent(secret)).join('[redacted]');
  }
  return out;
}

function parseDate(text: string | undefined, now: number): Date | undefined {
  if (!text) return undefined;
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return new Date(now + Number(trimmed) * 1000);
  const date = new Date(trimmed);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** When a rate limit lifts: the headers, else a time or delay in the message. */
function retryAfterOf(
  message: string,
  headers: RateLimitHeaders | undefined,
  now: number,
): Date | undefined {
  const fromHeaders = parseDate(headers?.reset, now) ?? parseDate(headers?.retryAfter, now);
  if (fromHeaders) return fromHeaders;
  const seconds = /(?:in|after)\s+(\d+)\s*(?:s\b|sec|second)/i.exec(message);
  if (seconds) return new Date(now + Number(seconds[1]) * 1000);
  const iso = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/.exec(message);
  return iso ? parseDate(iso[0], now) : undefined;
}

function codeFor(facts: Facts): { code: StorageErrorCode; retryable?: boolean } {
  const { status, message, code } = facts;
  if (facts.timeout) return { code: 'NETWORK', retryable: true };
  if (code === 'ERR_INVALID_PROTOCOL') return { code: 'CONFIG' };
  if (code && NETWORK_CODES.has(code)) return { code: 'NETWORK', retryable: true };
  if (status === 420 || status === 429) return { code: 'RATE_LIMITED', retryable: true };
  if (status === 404) return { code: 'NOT_FOUND' };
  if (status === 401) return { code: 'UNAUTHENTICATED' };
  if (status === 403) return { code: 'PERMISSION_DENIED' };
  if (status === 409) return { code: 'ALREADY_EXISTS' };
  if (status === 413) return { code: 'TOO_LARGE' };
  if (status !== undefined && status >= 500) return { code: 'UNKNOWN', retryable: true };
  if (status === 400 || status === undefined) {
    // Cloudinary answers some of these with 400 and tells them apart by message only.
    if (/\bnot found\b/i.test(message)) return { code: 'NOT_FOUND' };
    if (/already exists/i.test(message)) return { code: 'ALREADY_EXISTS' };
    if (/file size too large/i.test(message)) return { code: 'TOO_LARGE' };
    if (status === 400) return { code: 'INVALID_INPUT' };
    if (/fetch failed|socket hang up|network/i.test(message)) {
      return { code: 'NETWORK', retryable: true };
    }
  }
  return { code: 'UNKNOWN' };
}

/**
 * Maps anything the Cloudinary SDK, `fetch` or Node throws to a StorageError:
 * 404 / "not found" -> NOT_FOUND, 401 -> UNAUTHENTICATED, 403 -> PERMISSION_DENIED, 420/429 ->
 * RATE_LIMITED (retryable, `retryAfter` from the headers or the message), 400 -> INVALID_INPUT
 * ("already exists" -> ALREADY_EXISTS, "File size too large" -> TOO_LARGE), 5xx -> UNKNOWN
 * (retryable, with the status), connection errors and timeouts -> NETWORK.
 *
 * The result never carries a secret: the message is redacted and the cause is a fresh
 * {@link CloudinaryApiError}, never the SDK's object (which holds `key:secret`).
 */
export function mapCloudinaryError(
  error: unknown,
  context: CloudinaryErrorContext = {},
): StorageError {
  if (StorageError.isInstance(error)) return error;
  const facts = readFacts(error);
  const { code, retryable } = codeFor(facts);
  const secrets = context.secrets ?? [];
  const said = redact(facts.message, secrets).slice(0, 500);
  const now = (context.now ?? Date.now)();
  const detail = [
    facts.status !== undefined ? `HTTP ${facts.status}` : undefined,
    facts.code,
    facts.timeout && !facts.code ? 'timed out' : undefined,
  ]
    .filter((part) => part !== undefined)
    .join(', ');
  const what =
    code === 'NETWORK'
      ? 'Could not reach Cloudinary'
      : code === 'RATE_LIMITED'
        ? 'Cloudinary rate limit reached'
        : 'Cloudinary refused the request';
  const message = `${what}${detail ? ` (${detail})` : ''}${said ? `: ${said}` : '.'}`;
  return new StorageError(code, message, {
    driver: DRIVER_NAME,
    operation: context.operation,
    key: context.key,
    retryable,
    status: facts.status,
    retryAfter:
      code === 'RATE_LIMITED' ? retryAfterOf(facts.message, context.rateLimit, now) : undefined,
    cause: new CloudinaryApiError(said, facts.status, facts.code),
  });
}

/** Cloudinary's message on a mapped error (its cause), for decisions such as "not an image". */
export function cloudinaryMessage(error: unknown): string {
  if (StorageError.isInstance(error) && error.cause instanceof CloudinaryApiError) {
    return error.cause.message;
  }
  return '';
}
