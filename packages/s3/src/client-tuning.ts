import type { S3Client } from '@aws-sdk/client-s3';

type Signer = S3Client['config']['signer'];

/**
 * Per-request work the SDK does for nothing on a client the driver built itself (measured on
 * 5,000 puts of 16 KiB, see bench/migrate):
 * - without a logger, its logger middleware still filters each request's input and output for
 *   a no-op logger;
 * - its default signer provider builds a new signer (a copy of the whole client config, and
 *   with it the signing key derivation) for every request: one per auth scheme is kept instead.
 *   The signer reads the credentials provider on each request, so rotated keys still apply.
 * A `logger` or `signer` of the caller's is left alone.
 */
export function trimPerRequestWork(
  client: S3Client,
  config: { logger?: unknown; signer?: unknown } | undefined,
): void {
  if (config?.logger === undefined) client.middlewareStack.remove('loggerMiddleware');
  if (config?.signer === undefined) client.config.signer = oneSignerPerScheme(client.config.signer);
}

function oneSignerPerScheme(create: Signer): Signer {
  const signers = new Map<string, ReturnType<Signer>>();
  return (authScheme) => {
    const key = authScheme
      ? `${authScheme.name} ${authScheme.signingName ?? ''} ${authScheme.signingRegion ?? ''}`
      : '';
    let signer = signers.get(key);
    if (signer === undefined) {
      signer = create(authScheme);
      // A failed lookup (no region yet) is not kept.
      signer.catch(() => signers.delete(key));
      signers.set(key, signer);
    }
    return signer;
  };
}
