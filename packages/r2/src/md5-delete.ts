import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';

/**
 * The AWS SDK sends a CRC32 checksum with every DeleteObjects, even with
 * `requestChecksumCalculation: 'WHEN_REQUIRED'`, because S3 requires some checksum there.
 * Services that predate flexible checksums (R2 answered them with 501) take the original
 * Content-MD5: this middleware swaps the checksum headers for it, on DeleteObjects only, as the
 * SDK's own MD5 fallback guide describes. Apply it to a client you pass to `r2({ client })`.
 */
export function useMd5ForDeleteObjects(client: S3Client): S3Client {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = (args as { request?: { headers?: Record<string, string>; body?: unknown } })
        .request;
      if (context.commandName !== 'DeleteObjectsCommand' || !request?.headers) return next(args);
      for (const name of Object.keys(request.headers)) {
        const lower = name.toLowerCase();
        if (lower.startsWith('x-amz-checksum-') || lower.startsWith('x-amz-sdk-checksum-'))
          delete request.headers[name];
      }
      const body = request.body;
      if (typeof body === 'string' || body instanceof Uint8Array) {
        request.headers['content-md5'] = createHash('md5').update(body).digest('base64');
      }
      return next(args);
    },
    // Last in the build step, after the SDK's checksum middleware (normal priority there), and
    // so before the request is signed in the finalize step.
    { step: 'build', priority: 'low', name: 'stowageMd5ForDeleteObjects', override: true },
  );
  return client;
}
