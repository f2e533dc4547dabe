import type { S3Client } from '@aws-sdk/client-s3';
import type { Env } from '@stowage/core';
import { configError, envFlag, envUrl, maskUrlCredentials, requireEnv } from '@stowage/core/driver';
import { checkTimeouts, checkUrl, type S3Timeouts } from '@stowage/s3';

const DRIVER_NAME = 'r2';

/** The base path of the media proxy when it is on and no other base is given. */
export const DEFAULT_MEDIA_PROXY_PATH = '/media-proxy';

export type R2Jurisdiction = 'eu' | 'fedramp';

export interface R2Options {
  /** The Cloudflare account id (the `<id>` of `<id>.r2.cloudflarestorage.com`). */
  accountId: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Overrides the API endpoint (default `https://<accountId>[.<jurisdiction>].r2.cloudflarestorage.com`). */
  endpoint?: string;
  /** A bucket created in a jurisdiction lives behind its own endpoint host. */
  jurisdiction?: R2Jurisdiction;
  /** Signing region: R2 uses `auto`. */
  region?: string;
  /**
   * The bucket's public URL: its `r2.dev` subdomain or a custom domain, e.g.
   * `https://pub-xxxx.r2.dev` or `https://media.example.com`. Used by url() when the media proxy
   * is off. Presigned URLs always use the API endpoint, never this domain.
   */
  publicUrl?: string;
  /**
   * Serve media through the app instead of the public domain (some networks block or reset
   * `pub-xxxx.r2.dev`): `true` for `/media-proxy`, or the proxy's base URL. url() then points
   * there; mount `createFileHandler(storage, { basePath: '/media-proxy' })` to serve it.
   */
  mediaProxy?: boolean | string;
  /** Every key is stored under `${prefix}/`. */
  prefix?: string;
  /** A client you built (checksums `WHEN_REQUIRED`, please); the driver will not destroy it. */
  client?: S3Client;
  /** Multipart part size in bytes (R2 wants every part but the last the same size; default 5 MiB). */
  partSize?: number;
  queueSize?: number;
  /** Connect and request timeouts (default 5 s and 30 s); see the S3 driver's `timeouts`. */
  timeouts?: S3Timeouts;
}

/** The R2 API endpoint of an account, in a jurisdiction when given. */
export function r2Endpoint(accountId: string, jurisdiction?: R2Jurisdiction): string {
  return `https://${accountId}${jurisdiction ? `.${jurisdiction}` : ''}.r2.cloudflarestorage.com`;
}

/** Where url() points: the proxy's base when the proxy is on, else the public URL, else none. */
export function publicBaseFor(
  options: Pick<R2Options, 'mediaProxy' | 'publicUrl'>,
): string | undefined {
  const { mediaProxy } = options;
  if (typeof mediaProxy === 'string' && mediaProxy.trim() !== '')
    return mediaProxy.trim().replace(/\/+$/, '');
  if (mediaProxy === true) return DEFAULT_MEDIA_PROXY_PATH;
  return options.publicUrl?.trim().replace(/\/+$/, '') || undefined;
}

export function checkR2Options(options: R2Options): void {
  if (typeof options !== 'object' || options === null) {
    throw configError(
      `${DRIVER_NAME}(): options must be an object with accountId, bucket, accessKeyId and secretAccessKey.`,
    );
  }
  for (const name of ['accountId', 'bucket', 'accessKeyId', 'secretAccessKey'] as const) {
    const value = options[name];
    if (typeof value !== 'string' || value.trim() === '') {
      throw configError(`${DRIVER_NAME}(): ${name} is required.`);
    }
  }
  if (!/^[a-z0-9]+$/i.test(options.accountId.trim())) {
    throw configError(
      `${DRIVER_NAME}(): accountId must be the hexadecimal account id from the Cloudflare dashboard.`,
    );
  }
  if (
    options.jurisdiction !== undefined &&
    options.jurisdiction !== 'eu' &&
    options.jurisdiction !== 'fedramp'
  ) {
    throw configError(`${DRIVER_NAME}(): jurisdiction must be 'eu' or 'fedramp'.`);
  }
  // Named as r2() names them, with any password in them masked.
  if (options.endpoint !== undefined) checkUrl(DRIVER_NAME, 'endpoint', options.endpoint);
  if (options.publicUrl !== undefined && options.publicUrl.trim() !== '') {
    checkUrl(DRIVER_NAME, 'publicUrl', options.publicUrl.trim());
  }
  checkTimeouts(DRIVER_NAME, options.timeouts);
}

/**
 * Options from the variables R2 users already have: `R2_ACCOUNT_ID`, `R2_BUCKET_NAME`,
 * `R2_ACCESS_KEY_ID`, `R2_SECRET_ACCESS_KEY` (required); `R2_PUBLIC_DOMAIN` (host only) or
 * `R2_PUBLIC_URL` (full URL); `R2_ENDPOINT_URL`; `R2_REGION_NAME` (default `auto`);
 * `USE_R2_MEDIA_PROXY` (default true); and `R2_JURISDICTION` (`eu`, `fedramp`).
 */
export function r2OptionsFromEnv(env: Env): R2Options {
  const accountId = requireEnv(env, 'R2_ACCOUNT_ID', 'the Cloudflare account id');
  if (!/^[a-z0-9]+$/i.test(accountId)) {
    throw configError(
      'R2_ACCOUNT_ID must be the hexadecimal account id shown in the Cloudflare dashboard (R2 > Overview).',
    );
  }
  const bucket = requireEnv(env, 'R2_BUCKET_NAME', 'the name of the R2 bucket');
  if (/[/\s]/.test(bucket))
    throw configError(`R2_BUCKET_NAME must be a bucket name, got ${JSON.stringify(bucket)}.`);
  const accessKeyId = requireEnv(env, 'R2_ACCESS_KEY_ID', 'the access key id of an R2 API token');
  const secretAccessKey = requireEnv(
    env,
    'R2_SECRET_ACCESS_KEY',
    'the secret access key of an R2 API token',
  );
  const endpoint = envUrl(env, 'R2_ENDPOINT_URL');
  const region = env.R2_REGION_NAME?.trim() || 'auto';
  if (!/^[a-z0-9-]+$/i.test(region))
    throw configError(`R2_REGION_NAME must be like auto or wnam, got ${JSON.stringify(region)}.`);
  const jurisdiction = env.R2_JURISDICTION?.trim().toLowerCase() || undefined;
  if (jurisdiction !== undefined && jurisdiction !== 'eu' && jurisdiction !== 'fedramp') {
    throw configError(
      `R2_JURISDICTION must be eu or fedramp, got ${JSON.stringify(env.R2_JURISDICTION)}.`,
    );
  }
  return {
    accountId,
    bucket,
    accessKeyId,
    secretAccessKey,
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(jurisdiction ? { jurisdiction: jurisdiction as R2Jurisdiction } : {}),
    ...(publicUrlFromEnv(env) ? { publicUrl: publicUrlFromEnv(env) } : {}),
    mediaProxy: envFlag(env, 'USE_R2_MEDIA_PROXY', true),
  };
}

/** `R2_PUBLIC_URL` as it is, or `https://` + `R2_PUBLIC_DOMAIN`: both forms give the same URLs. */
function publicUrlFromEnv(env: Env): string | undefined {
  const url = envUrl(env, 'R2_PUBLIC_URL');
  if (url) return url;
  const domain = env.R2_PUBLIC_DOMAIN?.trim().replace(/\/+$/, '');
  if (!domain) return undefined;
  // A full URL where a host was expected: fine, checked as a URL.
  if (/^https?:\/\//i.test(domain)) return envUrl(env, 'R2_PUBLIC_DOMAIN');
  if (!/^[a-z0-9.-]+(:\d+)?$/i.test(domain)) {
    throw configError(
      `R2_PUBLIC_DOMAIN must be a host like pub-xxxx.r2.dev or media.example.com, got ${JSON.stringify(maskUrlCredentials(domain))}.`,
    );
  }
  return `https://${domain}`;
}
