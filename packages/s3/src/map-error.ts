import { StorageError, type StorageErrorCode, type StorageOperation } from '@stowage/core';

const DRIVER_NAME = 's3';

/** What the failed request was, for a precise error. */
export interface S3ErrorContext {
  /** Named in messages; the StorageError's `operation` is set by the facade. */
  operation: StorageOperation;
  key?: string;
  /** The bucket, named in CONFIG errors (NoSuchBucket). */
  bucket?: string;
  /** The request was a write with `If-None-Match: *`: a 412 means the key exists. */
  ifNoneMatch?: boolean;
  /** The driver name (`'s3'`, `'r2'`, ...); default `'s3'`. */
  driver?: string;
}

/**
 * The sanitized stand-in for an SDK error, kept as `cause`: SDK errors carry the request, the raw
 * response and sometimes the string that was signed, so only these fields are kept.
 */
export class S3ErrorCause extends Error {
  /** The S3 error code (`NoSuchKey`, `SlowDown`, ...) or a Node error code (`ECONNRESET`). */
  readonly code: string | undefined;
  readonly status: number | undefined;
  readonly requestId: string | undefined;

  constructor(
    name: string,
    code: string | undefined,
    status: number | undefined,
    requestId: string | undefined,
  ) {
    super(
      `${name}${code !== undefined && code !== name ? ` (${code})` : ''}${status !== undefined ? `, HTTP ${status}` : ''}`,
    );
    this.name = name;
    this.code = code;
    this.status = status;
    this.requestId = requestId;
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const NETWORK_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchVersion']);
const UNAUTHENTICATED = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'RequestTimeTooSkewed',
  'CredentialsProviderError',
  'AuthorizationQueryParametersError',
]);
const RATE_LIMITED = new Set([
  'SlowDown',
  'TooManyRequests',
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'ServiceUnavailable',
]);
const CONFIG = new Set([
  'PermanentRedirect',
  'AuthorizationHeaderMalformed',
  'InvalidBucketName',
  'IllegalLocationConstraintException',
]);

interface ErrorFields {
  name: string;
  code: string | undefined;
  status: number | undefined;
  requestId: string | undefined;
  message: string;
  isService: boolean;
}

/**
 * Turns anything an S3 call throws (SDK service errors, Node network errors, aborts) into a
 * StorageError. The one place S3 errors are interpreted; nothing secret is kept in the message or
 * the cause.
 */
export function mapS3Error(error: unknown, ctx: S3ErrorContext): StorageError {
  if (StorageError.isInstance(error)) return error;
  const fields = errorFields(error);
  const { code: kind, retryable, message } = classify(fields, ctx);
  const driver = ctx.driver ?? DRIVER_NAME;
  // `operation` is left for the facade to fill in: a driver copy can be part of a facade move.
  return new StorageError(kind, message, {
    driver,
    key: ctx.key,
    status: fields.status,
    ...(retryable !== undefined ? { retryable } : {}),
    cause: sanitizedCause(error, fields),
  });
}

function classify(
  f: ErrorFields,
  ctx: S3ErrorContext,
): { code: StorageErrorCode; message: string; retryable?: boolean } {
  // A listing of the whole bucket has the key '': an empty quoted key would say nothing.
  const where = ctx.key === undefined || ctx.key === '' ? '' : ` for ${quoteKey(ctx.key)}`;
  const what = `${f.code ?? f.name}${f.status !== undefined ? `, HTTP ${f.status}` : ''}`;
  const id = f.code ?? f.name;
  const status = f.status;

  if (f.name === 'AbortError' || id === 'ABORT_ERR') {
    return {
      code: 'UNKNOWN',
      message: `The ${ctx.operation} was aborted${where}.`,
      retryable: false,
    };
  }
  if (id === 'NoSuchBucket') {
    return {
      code: 'CONFIG',
      message: `The bucket ${JSON.stringify(ctx.bucket ?? '?')} does not exist (check the bucket name and the endpoint/region).`,
    };
  }
  if (NOT_FOUND.has(id) || (status === 404 && id !== 'NoSuchUpload')) {
    return { code: 'NOT_FOUND', message: `No object${where}.` };
  }
  if (id === 'PreconditionFailed' || status === 412) {
    return ctx.ifNoneMatch
      ? { code: 'ALREADY_EXISTS', message: `An object already exists${where}.` }
      : { code: 'PRECONDITION_FAILED', message: `A precondition failed${where} (${what}).` };
  }
  if (id === 'ConditionalRequestConflict') {
    // Another conditional write on the key is in flight; S3 asks to retry.
    return {
      code: 'PRECONDITION_FAILED',
      message: `A concurrent conditional write conflicted${where}; retry (${what}).`,
      retryable: true,
    };
  }
  if (UNAUTHENTICATED.has(id)) {
    return {
      code: 'UNAUTHENTICATED',
      message: `The credentials were refused (${what}): check the access key id, the secret and the clock.`,
    };
  }
  if (id === 'AccessControlListNotSupported') {
    return {
      code: 'UNSUPPORTED',
      message: `The bucket ${JSON.stringify(ctx.bucket ?? '?')} does not allow ACLs (object ownership is "bucket owner enforced"), so visibility cannot be set.`,
    };
  }
  if (id === 'AccessDenied' || id === 'Forbidden' || id === 'AllAccessDisabled' || status === 403) {
    return { code: 'PERMISSION_DENIED', message: `Access denied${where} (${what}).` };
  }
  if (RATE_LIMITED.has(id) || status === 429 || status === 503) {
    return {
      code: 'RATE_LIMITED',
      message: `The service asked to slow down${where} (${what}); retry later.`,
    };
  }
  if (id === 'InvalidRange' || status === 416) {
    return {
      code: 'INVALID_INPUT',
      message: `The range starts past the end of the object${where}.`,
    };
  }
  if (id === 'EntityTooLarge' || status === 413) {
    return { code: 'TOO_LARGE', message: `The object is too large${where} (${what}).` };
  }
  if (id === 'KeyTooLongError' || id === 'InvalidObjectName') {
    return {
      code: 'INVALID_KEY',
      message: `The service refused the key${where} (${what}); with a driver prefix, prefix + key must fit in 1024 bytes.`,
    };
  }
  if (CONFIG.has(id)) {
    return {
      code: 'CONFIG',
      message: `The bucket address is wrong (${what}): check the region, the endpoint and path-style addressing.`,
    };
  }
  if (id === 'NotImplemented' || status === 501) {
    return {
      code: 'UNSUPPORTED',
      message: `The service does not implement this request${where} (${what}).`,
    };
  }
  if (
    NETWORK_CODES.has(id) ||
    NETWORK_NAMES.has(f.name) ||
    /socket hang up|network|fetch failed/i.test(f.isService ? '' : f.message)
  ) {
    return { code: 'NETWORK', message: `Could not reach the service${where} (${what}).` };
  }
  if (f.isService) {
    return {
      code: 'UNKNOWN',
      message: `The service failed the ${ctx.operation}${where} (${what}).`,
      // Server faults (500, 502, 504) are worth a retry.
      retryable: status !== undefined && status >= 500,
    };
  }
  return { code: 'UNKNOWN', message: `The ${ctx.operation} failed${where}: ${f.message}` };
}

/** A key for a message: quoted, and shortened when long. */
export function quoteKey(key: string): string {
  return JSON.stringify(key.length > 80 ? `${key.slice(0, 77)}...` : key);
}

/** Reads the fields of an SDK `S3ServiceException`, a Node system error, or anything else. */
function errorFields(error: unknown): ErrorFields {
  if (typeof error !== 'object' || error === null) {
    return {
      name: 'Error',
      code: undefined,
      status: undefined,
      requestId: undefined,
      message: String(error),
      isService: false,
    };
  }
  const e = error as Record<string, unknown>;
  const metadata = (
    typeof e.$metadata === 'object' && e.$metadata !== null ? e.$metadata : {}
  ) as Record<string, unknown>;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const isService = typeof e.$fault === 'string';
  let code = typeof e.Code === 'string' ? e.Code : typeof e.code === 'string' ? e.code : undefined;
  if (code === undefined && isService) code = name;
  // Network errors are sometimes wrapped (`cause`) by the SDK or undici.
  if (code === undefined && typeof e.cause === 'object' && e.cause !== null) {
    const inner = (e.cause as Record<string, unknown>).code;
    if (typeof inner === 'string') code = inner;
  }
  return {
    name,
    code,
    status: typeof metadata.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined,
    requestId: typeof metadata.requestId === 'string' ? metadata.requestId : undefined,
    message: typeof e.message === 'string' ? e.message : String(error),
    isService,
  };
}

function sanitizedCause(error: unknown, f: ErrorFields): unknown {
  const fromSdk =
    typeof error === 'object' && error !== null && ('$metadata' in error || '$response' in error);
  // Errors that did not come through the SDK (a failing body stream, an abort) are the caller's own.
  if (!fromSdk && !f.isService && !NETWORK_CODES.has(f.code ?? '')) return error;
  return new S3ErrorCause(f.name, f.code, f.status, f.requestId);
}
