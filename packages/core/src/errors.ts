/** Why an operation failed. Branch on this, never on a message. */
export type StorageErrorCode =
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'PRECONDITION_FAILED'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'RATE_LIMITED'
  | 'UNSUPPORTED'
  | 'INVALID_KEY'
  | 'INVALID_INPUT'
  | 'TOO_LARGE'
  | 'INSUFFICIENT_STORAGE'
  | 'CONFIG'
  | 'NETWORK'
  | 'UNKNOWN';

/** The storage operation that failed, as named on the facade. */
export type StorageOperation =
  | 'put'
  | 'get'
  | 'head'
  | 'exists'
  | 'delete'
  | 'deleteMany'
  | 'deletePrefix'
  | 'copy'
  | 'move'
  | 'list'
  | 'url'
  | 'signedUrl'
  | 'signedUpload'
  | 'config'
  | 'upload';

const MARKER = Symbol.for('stowage.storage-error');

const RETRYABLE_BY_DEFAULT: ReadonlySet<StorageErrorCode> = new Set(['RATE_LIMITED', 'NETWORK']);

export interface StorageErrorOptions {
  driver?: string;
  operation?: StorageOperation;
  key?: string;
  retryable?: boolean;
  /** HTTP status the backend answered with, when there was one. */
  status?: number;
  /** When a rate limit resets, if the backend said. */
  retryAfter?: Date;
  /** The underlying error. Drivers must strip credentials before passing it here. */
  cause?: unknown;
}

/**
 * The one error type every Stowage operation throws.
 *
 * Recognised across copies of `@stowage/core` by a `Symbol.for` marker: use
 * {@link isStorageError} rather than `instanceof`.
 */
export class StorageError extends Error {
  readonly code: StorageErrorCode;
  driver: string | undefined;
  operation: StorageOperation | undefined;
  key: string | undefined;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly retryAfter: Date | undefined;
  declare readonly cause: unknown;

  constructor(code: StorageErrorCode, message: string, options: StorageErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StorageError';
    this.code = code;
    this.driver = options.driver;
    this.operation = options.operation;
    this.key = options.key;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
    this.status = options.status;
    this.retryAfter = options.retryAfter;
    Object.defineProperty(this, MARKER, { value: true });
  }

  /** True for a StorageError from any installed copy of `@stowage/core`. */
  static isInstance(value: unknown): value is StorageError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[MARKER] === true
    );
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      driver: this.driver,
      operation: this.operation,
      key: this.key,
      retryable: this.retryable,
      status: this.status,
      retryAfter: this.retryAfter?.toISOString(),
    };
  }
}

/** True when `value` is a StorageError (of `code`, when given). */
export function isStorageError(value: unknown, code?: StorageErrorCode): value is StorageError {
  return StorageError.isInstance(value) && (code === undefined || value.code === code);
}

/**
 * An error as the facade throws it: a StorageError with where it came from filled in (driver,
 * operation, key); anything else becomes UNKNOWN with the original as its `cause`.
 */
export function facadeError(
  error: unknown,
  driver: string,
  operation: StorageOperation,
  key: string | undefined,
): StorageError {
  if (isStorageError(error)) {
    error.driver ??= driver;
    error.operation ??= operation;
    error.key ??= key;
    return error;
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return new StorageError('UNKNOWN', `The ${operation} was aborted.`, {
      driver,
      operation,
      key,
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new StorageError('UNKNOWN', `The ${driver} driver failed to ${operation}: ${message}`, {
    driver,
    operation,
    key,
    cause: error,
  });
}
