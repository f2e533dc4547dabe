import { EmulatorError } from './http-util.js';
import type { FailureInjection } from './types.js';

/** Admin API calls allowed per hour, as on Cloudinary's free plan. */
export const ADMIN_RATE_LIMIT = 500;

const INJECTABLE = new Set([420, 429, 500]);

interface PendingFailure {
  status: 420 | 429 | 500;
  remaining: number;
  api: 'admin' | 'upload' | 'any';
  resetIn: number;
}

/** Failures queued by `failNext`, consumed by matching API requests in order. */
export class FailureQueue {
  private queue: PendingFailure[] = [];

  add(failure: FailureInjection): void {
    const count = failure.count ?? 1;
    const resetIn = failure.resetIn ?? 60;
    if (!INJECTABLE.has(failure.status)) {
      throw new TypeError(`failNext: status must be 420, 429 or 500, got ${failure.status}`);
    }
    if (!Number.isInteger(count) || count < 1) {
      throw new TypeError(`failNext: count must be a positive integer, got ${count}`);
    }
    if (!Number.isFinite(resetIn) || resetIn < 0) {
      throw new TypeError(`failNext: resetIn must be a non-negative number, got ${resetIn}`);
    }
    this.queue.push({
      status: failure.status,
      remaining: count,
      api: failure.api ?? 'any',
      resetIn,
    });
  }

  /** Throws the first queued failure that applies to `api`, if any. */
  throwIfPending(api: 'admin' | 'upload'): void {
    const index = this.queue.findIndex((f) => f.api === 'any' || f.api === api);
    const failure = this.queue[index];
    if (!failure) return;
    failure.remaining -= 1;
    if (failure.remaining === 0) this.queue.splice(index, 1);
    if (failure.status === 500) throw new EmulatorError(500, 'General Error');
    const resetAt = new Date(Date.now() + failure.resetIn * 1000);
    throw new EmulatorError(
      failure.status,
      failure.status === 420 ? 'Rate Limit Exceeded' : 'Too Many Requests',
      {
        ...rateLimitHeaders(ADMIN_RATE_LIMIT, 0, resetAt),
        'Retry-After': String(Math.ceil(failure.resetIn)),
      },
    );
  }

  clear(): void {
    this.queue = [];
  }
}

function rateLimitHeaders(limit: number, remaining: number, resetAt: Date): Record<string, string> {
  return {
    'X-FeatureRateLimit-Limit': String(limit),
    'X-FeatureRateLimit-Remaining': String(remaining),
    'X-FeatureRateLimit-Reset': resetAt.toUTCString(),
  };
}

/**
 * The hourly Admin API counter behind the `X-FeatureRateLimit-*` headers: `limit` calls an hour
 * (500 on the free plan), then 420 "Rate Limit Exceeded" until the hour ends, as the Admin API
 * answers (https://cloudinary.com/documentation/admin_api#usage_limits). Every call is counted,
 * refused ones included, so tests can assert what an operation costs.
 */
export class AdminRateLimit {
  private windowStart = Date.now();
  private used = 0;
  /** Admin API calls since start or the last reset. */
  calls = 0;

  constructor(private readonly limit: number) {}

  /** Counts one Admin API call; the headers to send, or a 420 past the hourly limit. */
  consume(): Record<string, string> {
    const now = Date.now();
    if (now - this.windowStart >= 3_600_000) {
      this.windowStart = now;
      this.used = 0;
    }
    this.calls += 1;
    this.used += 1;
    const resetAt = new Date(this.windowStart + 3_600_000);
    const headers = rateLimitHeaders(this.limit, Math.max(0, this.limit - this.used), resetAt);
    if (this.used > this.limit) {
      throw new EmulatorError(420, `Rate Limit Exceeded, try again at ${resetAt.toISOString()}`, {
        ...headers,
        'Retry-After': String(Math.max(0, Math.ceil((resetAt.getTime() - now) / 1000))),
      });
    }
    return headers;
  }

  reset(): void {
    this.windowStart = Date.now();
    this.used = 0;
    this.calls = 0;
  }
}
