import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { configError } from '@stowage/core/driver';

/** Network timeouts of the client the driver builds, in milliseconds. */
export interface S3Timeouts {
  /** Opening a connection (default 5000). */
  connectMs?: number;
  /**
   * Waiting for the response headers, and for the next bytes while a body streams (default
   * 30000). Not a limit on a whole transfer: a large download that keeps moving never times out.
   */
  requestMs?: number;
}

/** The defaults of Rust's object_store: a frozen server fails a request instead of hanging it. */
export const DEFAULT_TIMEOUTS: Readonly<Required<S3Timeouts>> = Object.freeze({
  connectMs: 5_000,
  requestMs: 30_000,
});

const MAX_TIMEOUT_MS = 24 * 3600 * 1000;

/** Checks `timeouts`; CONFIG naming the bad field. */
export function checkTimeouts(name: string, timeouts: S3Timeouts | undefined): S3Timeouts {
  if (timeouts === undefined) return {};
  if (typeof timeouts !== 'object' || timeouts === null) {
    throw configError(`${name}(): timeouts must be an object like { connectMs, requestMs }.`);
  }
  const checked: S3Timeouts = {};
  for (const field of ['connectMs', 'requestMs'] as const) {
    const value = timeouts[field];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1 || value > MAX_TIMEOUT_MS) {
      throw configError(
        `${name}(): timeouts.${field} must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, got ${String(value)}.`,
      );
    }
    checked[field] = value;
  }
  return checked;
}

type RequestHandlerSetting = S3ClientConfig['requestHandler'];

/**
 * The `requestHandler` setting with the timeouts applied, through the SDK's NodeHttpHandler
 * options: defaults, then what `handler` sets, then the explicit `timeouts`. A handler instance
 * (an object with `handle`) is the caller's own and is kept as it is.
 */
export function requestHandlerWithTimeouts(
  timeouts: S3Timeouts,
  handler: RequestHandlerSetting,
): RequestHandlerSetting {
  if (handler !== undefined && typeof (handler as { handle?: unknown }).handle === 'function') {
    return handler;
  }
  const options = (handler ?? {}) as Record<string, unknown>;
  const connectMs = timeouts.connectMs ?? DEFAULT_TIMEOUTS.connectMs;
  const requestMs = timeouts.requestMs ?? DEFAULT_TIMEOUTS.requestMs;
  return {
    connectionTimeout: connectMs,
    requestTimeout: requestMs,
    // Idle time while a body streams: a server that freezes mid-body fails the read.
    socketTimeout: requestMs,
    ...options,
    ...(timeouts.connectMs !== undefined ? { connectionTimeout: connectMs } : {}),
    ...(timeouts.requestMs !== undefined
      ? { requestTimeout: requestMs, socketTimeout: requestMs }
      : {}),
    // Without it, the SDK only logs a warning when requestTimeout passes.
    throwOnRequestTimeout: true,
  } as RequestHandlerSetting;
}
