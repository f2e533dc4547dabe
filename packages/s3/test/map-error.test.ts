import { inspect } from 'node:util';
import {
  AccessDenied,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { mapS3Error, S3ErrorCause } from '../src/index.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const metadata = (httpStatusCode: number) => ({
  httpStatusCode,
  requestId: 'tx0001',
  attempts: 1,
  totalRetryDelay: 0,
});

/** An error shaped like what the SDK throws for an S3 error code it has no class for. */
function serviceError(
  name: string,
  status: number,
  extra: Record<string, unknown> = {},
): S3ServiceException {
  const error = new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: metadata(status),
    message: 'UnknownError',
  });
  return Object.assign(error, { Code: name }, extra);
}

/** A Node system error, as the SDK's HTTP handler rethrows it. */
function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:7480`), {
    code,
    syscall: 'connect',
    $metadata: { attempts: 3 },
  });
}

const ctx = { operation: 'get' as const, key: 'photos/cat.jpg', bucket: 'media' };

describe('mapS3Error', () => {
  it.each([
    [
      'NoSuchKey',
      () => new NoSuchKey({ $metadata: metadata(404), message: 'UnknownError' }),
      'NOT_FOUND',
      false,
    ],
    [
      'NotFound (HeadObject, no body)',
      () => new NotFound({ $metadata: metadata(404), message: 'UnknownError' }),
      'NOT_FOUND',
      false,
    ],
    ['a bare 404', () => serviceError('UnknownError', 404), 'NOT_FOUND', false],
    [
      'AccessDenied',
      () => new AccessDenied({ $metadata: metadata(403), message: 'Access Denied' }),
      'PERMISSION_DENIED',
      false,
    ],
    ['a bare 403', () => serviceError('Forbidden', 403), 'PERMISSION_DENIED', false],
    ['InvalidAccessKeyId', () => serviceError('InvalidAccessKeyId', 403), 'UNAUTHENTICATED', false],
    [
      'SignatureDoesNotMatch',
      () => serviceError('SignatureDoesNotMatch', 403),
      'UNAUTHENTICATED',
      false,
    ],
    ['SlowDown', () => serviceError('SlowDown', 503), 'RATE_LIMITED', true],
    ['a bare 503', () => serviceError('ServiceUnavailable', 503), 'RATE_LIMITED', true],
    ['429', () => serviceError('TooManyRequests', 429), 'RATE_LIMITED', true],
    ['InvalidRange', () => serviceError('InvalidRange', 416), 'INVALID_INPUT', false],
    ['EntityTooLarge', () => serviceError('EntityTooLarge', 400), 'TOO_LARGE', false],
    ['KeyTooLongError', () => serviceError('KeyTooLongError', 400), 'INVALID_KEY', false],
    ['NotImplemented', () => serviceError('NotImplemented', 501), 'UNSUPPORTED', false],
    [
      'AccessControlListNotSupported',
      () => serviceError('AccessControlListNotSupported', 400),
      'UNSUPPORTED',
      false,
    ],
    [
      'ConditionalRequestConflict',
      () => serviceError('ConditionalRequestConflict', 409),
      'PRECONDITION_FAILED',
      true,
    ],
    [
      'PermanentRedirect (wrong region)',
      () => serviceError('PermanentRedirect', 301),
      'CONFIG',
      false,
    ],
    ['InternalError', () => serviceError('InternalError', 500), 'UNKNOWN', true],
    ['ECONNREFUSED', () => systemError('ECONNREFUSED'), 'NETWORK', true],
    ['ECONNRESET', () => systemError('ECONNRESET'), 'NETWORK', true],
    ['ETIMEDOUT', () => systemError('ETIMEDOUT'), 'NETWORK', true],
    [
      'socket hang up',
      () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      'NETWORK',
      true,
    ],
    [
      'TimeoutError',
      () =>
        Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' }),
      'NETWORK',
      true,
    ],
  ] as const)('%s -> %s', (_, make, code, retryable) => {
    const mapped = mapS3Error(make(), ctx);
    expect(mapped.code).toBe(code);
    expect(mapped.retryable).toBe(retryable);
    expect(mapped.driver).toBe('s3');
    expect(mapped.message.length).toBeGreaterThan(10);
  });

  it('names no key for an operation on the whole bucket (a listing: key "")', () => {
    const mapped = mapS3Error(systemError('ECONNREFUSED'), { ...ctx, operation: 'list', key: '' });
    expect(mapped.code).toBe('NETWORK');
    expect(mapped.message).not.toContain('""');
    expect(mapped.message).not.toMatch(/for\s*\(/);
  });

  it('keeps the status and names the key', () => {
    const mapped = mapS3Error(serviceError('InternalError', 500), ctx);
    expect(mapped.status).toBe(500);
    expect(mapped.key).toBe('photos/cat.jpg');
    expect(mapped.message).toContain('InternalError');
    expect(mapped.message).toContain('500');
  });

  it('412 is ALREADY_EXISTS for an If-None-Match write, else PRECONDITION_FAILED', () => {
    const error = serviceError('PreconditionFailed', 412);
    expect(mapS3Error(error, { ...ctx, operation: 'put', ifNoneMatch: true }).code).toBe(
      'ALREADY_EXISTS',
    );
    expect(mapS3Error(error, { ...ctx, operation: 'put' }).code).toBe('PRECONDITION_FAILED');
  });

  it('NoSuchBucket is CONFIG naming the bucket', () => {
    const mapped = mapS3Error(
      new NoSuchBucket({ $metadata: metadata(404), message: 'UnknownError' }),
      ctx,
    );
    expect(mapped.code).toBe('CONFIG');
    expect(mapped.message).toContain('"media"');
  });

  it('an AbortError is an abort, not a network failure', () => {
    const abort = Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    const mapped = mapS3Error(abort, ctx);
    expect(mapped.code).toBe('UNKNOWN');
    expect(mapped.retryable).toBe(false);
    expect(mapped.message).toMatch(/aborted/);
    expect(
      mapS3Error(new DOMException('This operation was aborted', 'AbortError'), ctx).message,
    ).toMatch(/aborted/);
  });

  it('uses the driver name it is given (r2)', () => {
    expect(mapS3Error(serviceError('SlowDown', 503), { ...ctx, driver: 'r2' }).driver).toBe('r2');
  });

  it('passes a StorageError through and keeps a non-SDK error as the cause', async () => {
    const { StorageError } = await import('@stowage/core');
    const own = new StorageError('INVALID_INPUT', 'bad chunk');
    expect(mapS3Error(own, ctx)).toBe(own);
    const broken = new Error('the body stream broke off');
    const mapped = mapS3Error(broken, { ...ctx, operation: 'put' });
    expect(mapped.code).toBe('UNKNOWN');
    expect(mapped.message).toContain('the body stream broke off');
    expect(mapped.cause).toBe(broken);
  });

  it('replaces SDK errors by a sanitized cause: no request, response or signing data', () => {
    // What S3 returns for a bad signature includes the string to sign and the key id.
    const error = serviceError('SignatureDoesNotMatch', 403, {
      StringToSign: `AWS4-HMAC-SHA256\n20260101T000000Z\n${SECRET}`,
      SignatureProvided: 'abc123',
      AWSAccessKeyId: 'AKIAEXAMPLE',
      $response: {
        headers: { authorization: `AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE ${SECRET}` },
      },
    });
    const mapped = mapS3Error(error, { ...ctx, operation: 'put' });
    expect(mapped.code).toBe('UNAUTHENTICATED');
    expect(mapped.cause).toBeInstanceOf(S3ErrorCause);
    expect(mapped.cause).toMatchObject({
      name: 'SignatureDoesNotMatch',
      code: 'SignatureDoesNotMatch',
      status: 403,
      requestId: 'tx0001',
    });
    for (const text of [
      JSON.stringify(mapped),
      inspect(mapped, { depth: 10 }),
      String(mapped.stack),
    ]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('StringToSign');
      expect(text).not.toContain('AKIAEXAMPLE');
    }
  });
});
