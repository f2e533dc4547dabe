import { inspect } from 'node:util';
import { CloudinaryApiError, mapCloudinaryError } from '@stowage/cloudinary';
import { isStorageError, StorageError } from '@stowage/core';
import { describe, expect, it } from 'vitest';

const SECRET = 'Zx9-secret-value-Q';
const KEY = '123456789012345';
const NOW = Date.parse('2026-01-01T00:00:00Z');
const context = { secrets: [SECRET], now: () => NOW };

/** The Admin API's rejection, as the SDK builds it (execute_request.js): credentials included. */
function adminError(httpCode: number, message: string) {
  return {
    request_options: {
      protocol: 'https:',
      hostname: 'api.cloudinary.com',
      path: '/v1_1/demo/resources/image/upload/x',
      method: 'GET',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      auth: `${KEY}:${SECRET}`,
    },
    query_params: '',
    error: { message, http_code: httpCode },
  };
}

/** What must never appear in a mapped error, however it is printed. */
function expectNoSecret(error: unknown): void {
  for (const text of [JSON.stringify(error), inspect(error, { depth: Number.POSITIVE_INFINITY })]) {
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(`${KEY}:${SECRET}`);
  }
}

describe('mapCloudinaryError', () => {
  it('maps Admin API errors by status and never keeps the SDK object', () => {
    const cases: Array<[number, string, string]> = [
      [404, 'Resource not found - x', 'NOT_FOUND'],
      [401, 'api_secret mismatch', 'UNAUTHENTICATED'],
      [403, 'Admin API is not allowed', 'PERMISSION_DENIED'],
      [400, 'Invalid next_cursor abc', 'INVALID_INPUT'],
      [409, 'Conflict', 'ALREADY_EXISTS'],
      [500, 'General Error', 'UNKNOWN'],
    ];
    for (const [status, message, code] of cases) {
      const mapped = mapCloudinaryError(adminError(status, message), {
        ...context,
        operation: 'head',
        key: 'x.png',
      });
      expect(mapped).toBeInstanceOf(StorageError);
      expect(mapped).toMatchObject({ code, status, driver: 'cloudinary', operation: 'head' });
      expect(mapped.message).toContain(message);
      expect(mapped.cause).toBeInstanceOf(CloudinaryApiError);
      expect(mapped.cause).toMatchObject({ httpCode: status, message });
      expect(mapped.retryable).toBe(status === 500);
      expectNoSecret(mapped);
    }
  });

  it('maps Upload API errors ({ message, http_code })', () => {
    const signature = mapCloudinaryError(
      {
        message: "Invalid Signature 0a1b. String to sign - 'public_id=x&timestamp=1'.",
        http_code: 401,
      },
      context,
    );
    expect(signature.code).toBe('UNAUTHENTICATED');
    expect(
      mapCloudinaryError({ message: 'Invalid image file', http_code: 400 }, context),
    ).toMatchObject({ code: 'INVALID_INPUT', status: 400 });
    expect(
      mapCloudinaryError({ message: 'to_public_id (a) already exists', http_code: 400 }, context)
        .code,
    ).toBe('ALREADY_EXISTS');
    expect(
      mapCloudinaryError(
        { message: 'File size too large. Got 200. Maximum is 100.', http_code: 400 },
        context,
      ).code,
    ).toBe('TOO_LARGE');
    expect(
      mapCloudinaryError({ message: 'Resource not found - y', http_code: 404 }, context).code,
    ).toBe('NOT_FOUND');
    const unexpected = mapCloudinaryError(
      {
        message: 'Server returned unexpected status code - 502',
        http_code: 502,
        name: 'UnexpectedResponse',
      },
      context,
    );
    expect(unexpected).toMatchObject({ code: 'UNKNOWN', status: 502, retryable: true });
  });

  it('maps 420 and 429 to RATE_LIMITED with retryAfter from the headers or the message', () => {
    const reset = 'Thu, 01 Jan 2026 00:10:00 GMT';
    const fromReset = mapCloudinaryError(adminError(420, 'Rate Limit Exceeded'), {
      ...context,
      rateLimit: { reset, retryAfter: '600' },
    });
    expect(fromReset).toMatchObject({ code: 'RATE_LIMITED', retryable: true, status: 420 });
    expect(fromReset.retryAfter?.toISOString()).toBe(new Date(reset).toISOString());
    const fromRetryAfter = mapCloudinaryError(
      { message: 'Too Many Requests', http_code: 429 },
      { ...context, rateLimit: { retryAfter: '30' } },
    );
    expect(fromRetryAfter.retryAfter?.getTime()).toBe(NOW + 30_000);
    const fromMessage = mapCloudinaryError(
      { message: 'Rate limit reached, try again in 45 seconds', http_code: 429 },
      context,
    );
    expect(fromMessage.retryAfter?.getTime()).toBe(NOW + 45_000);
    const unknown = mapCloudinaryError({ message: 'Rate Limit Exceeded', http_code: 420 }, context);
    expect(unknown).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfter: undefined });
  });

  it('maps network failures and timeouts to NETWORK (retryable)', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
      code: 'ECONNREFUSED',
      errno: -111,
      syscall: 'connect',
    });
    const shapes: unknown[] = [
      refused, // Admin API: the request's error event
      { error: refused }, // Upload API promise: the wrapped result
      { message: 'Request Timeout', http_code: 499, name: 'TimeoutError' }, // Upload API timeout
      new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }), // delivery fetch
      Object.assign(new Error('getaddrinfo ENOTFOUND api.cloudinary.com'), { code: 'ENOTFOUND' }),
    ];
    for (const shape of shapes) {
      const mapped = mapCloudinaryError(shape, context);
      expect(mapped.code, String(shape)).toBe('NETWORK');
      expect(mapped.retryable).toBe(true);
    }
    expect(mapCloudinaryError(refused, context).message).toContain('ECONNREFUSED');
  });

  it('maps an http upload prefix without an http agent to CONFIG', () => {
    const error = Object.assign(
      new TypeError('Protocol "http:" not supported. Expected "https:"'),
      {
        code: 'ERR_INVALID_PROTOCOL',
      },
    );
    expect(mapCloudinaryError(error, context).code).toBe('CONFIG');
  });

  it('redacts the secret wherever Cloudinary echoed it', () => {
    const mapped = mapCloudinaryError(
      adminError(401, `Invalid credentials ${KEY}:${SECRET} (${encodeURIComponent(SECRET)})`),
      context,
    );
    expect(mapped.message).toContain('[redacted]');
    expectNoSecret(mapped);
  });

  it('passes StorageErrors through and maps anything else to UNKNOWN', () => {
    const own = new StorageError('NOT_FOUND', 'gone');
    expect(mapCloudinaryError(own)).toBe(own);
    const odd = mapCloudinaryError('something odd');
    expect(isStorageError(odd, 'UNKNOWN')).toBe(true);
    expect(mapCloudinaryError(undefined).code).toBe('UNKNOWN');
  });
});
