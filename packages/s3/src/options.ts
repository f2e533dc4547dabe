import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { Env } from '@stowage/core';
import {
  configError,
  envFlag,
  envUrl,
  maskUrlCredentials,
  prefixProblem,
  requireEnv,
} from '@stowage/core/driver';
import { checkTimeouts, type S3Timeouts } from './timeouts.js';

const DRIVER_NAME = 's3';

const MiB = 1024 * 1024;
/** S3's smallest part (all parts but the last). */
export const MIN_PART_SIZE = 5 * MiB;
/**
 * 5 MiB, S3's smallest part, is what @aws-sdk/lib-storage's Upload and rclone (--s3-chunk-size)
 * cut streams into by default, both with 4 parts at a time. With 4 part buffers a streamed upload
 * holds 20 MiB (8 MiB parts held 32; `stowage migrate` of 64 MiB files peaked at 130-134 MiB RSS
 * with them, 120-124 with these, bench/migrate). A stream of unknown length can then be up to
 * 10,000 x 5 MiB (48.8 GiB), as with those tools; a known size raises the part size.
 */
export const DEFAULT_PART_SIZE = 5 * MiB;
export const DEFAULT_QUEUE_SIZE = 4;
/** S3's largest DeleteObjects batch. */
export const MAX_DELETE_BATCH = 1000;

/** Static credentials, or any provider the AWS SDK accepts (`fromIni()`, `fromEnv()`, ...). */
export type S3Credentials = NonNullable<S3ClientConfig['credentials']>;

/**
 * What differs between S3-compatible services. `@stowage/r2` passes R2's profile; most users
 * never set it.
 */
export interface S3Profile {
  /** The driver name reported in errors and `storage.driver` (`'s3'`, `'r2'`, ...). */
  name: string;
  /** The service honours canned ACL headers: `visibility` is supported. */
  supportsAcl: boolean;
  /** Largest DeleteObjects batch the service accepts (S3 1000, R2 700). */
  deleteBatchSize: number;
  /** signedUpload() gives a presigned POST form (true) or a presigned PUT URL (false). */
  presignedPost: boolean;
  /**
   * `'bucket'`: without `publicBaseUrl`, url() builds the bucket's own URL. `'custom-only'`: only
   * `publicBaseUrl` gives public URLs (R2 buckets have no public endpoint of their own).
   */
  publicUrlStyle: 'bucket' | 'custom-only';
  /**
   * The service honours `If-None-Match: *` on CopyObject and CompleteMultipartUpload (AWS does,
   * Ceph 16 ignores it). The header is sent either way; a HeadObject check runs first regardless.
   */
  conditionalCopyAndMultipart: boolean;
}

/** AWS S3's profile (also right for Ceph RGW and MinIO). */
export const S3_PROFILE: Readonly<S3Profile> = Object.freeze({
  name: DRIVER_NAME,
  supportsAcl: true,
  deleteBatchSize: MAX_DELETE_BATCH,
  presignedPost: true,
  publicUrlStyle: 'bucket',
  conditionalCopyAndMultipart: true,
});

/** Options every form of `s3()` takes. */
export interface S3CommonOptions {
  /** The bucket name. */
  bucket: string;
  /**
   * Every key is stored under `${prefix}/` (django-storages' `AWS_LOCATION`); listings and URLs
   * hide or include it consistently. Note that S3 limits the full key to 1024 bytes.
   */
  prefix?: string;
  /**
   * Base of public URLs, e.g. a CDN or custom domain (`https://cdn.example.com`); the stored key
   * (prefix included) is appended. Without it (and without `publicBucketUrl`), url() is
   * UNSUPPORTED: new AWS buckets block public access, so use signedUrl().
   */
  publicBaseUrl?: string;
  /**
   * The bucket's own address is readable without a signature (a bucket policy allows
   * `s3:GetObject`, or objects are put with `visibility: 'public'` on a bucket with ACLs on), so
   * url() may give `https://<bucket>.s3.<region>.amazonaws.com/<key>` (or `<endpoint>/<bucket>/<key>`).
   * Default false. django-storages' `AWS_QUERYSTRING_AUTH=false` sets it from the environment.
   */
  publicBucketUrl?: boolean;
  /**
   * Network timeouts of the client the driver builds: `connectMs` to open a connection (default
   * 5000), `requestMs` to wait for the response headers and, while a body streams, for the next
   * bytes (default 30000). A request that runs out fails with a retryable NETWORK error. With
   * `client`, set them on your client's `requestHandler` instead.
   */
  timeouts?: S3Timeouts;
  /**
   * Region: signs requests and builds `https://<bucket>.s3.<region>.amazonaws.com` URLs.
   * Default `us-east-1` when the driver builds the client.
   */
  region?: string;
  /** An S3-compatible endpoint (Ceph, MinIO, R2, ...), e.g. `http://127.0.0.1:7480`. */
  endpoint?: string;
  /** Path-style addressing (`${endpoint}/${bucket}/key`). Default: true when `endpoint` is set. */
  forcePathStyle?: boolean;
  /** Bytes per part of a multipart upload, at least 5 MiB (default 5 MiB). */
  partSize?: number;
  /** Part buffers of a streamed upload, all but one uploading (default 4): memory is about `partSize * queueSize`. */
  queueSize?: number;
  /** Keys per DeleteObjects request, at most the profile's limit (default: that limit). */
  deleteBatchSize?: number;
  /** Service quirks; see {@link S3Profile}. */
  profile?: Partial<S3Profile>;
  /**
   * Objects larger than this are copied part by part (UploadPartCopy), since CopyObject stops at
   * 5 GiB. Default 5 GiB; lowered in tests.
   */
  multipartCopyThreshold?: number;
}

/** `s3()` building its own client from SDK-style settings. */
export interface S3ConfigOptions extends S3CommonOptions {
  client?: undefined;
  /** Access key and secret; omitted, the AWS SDK's default chain (env, profile, IAM role) is used. */
  credentials?: S3Credentials;
  /**
   * More `S3Client` settings (retries, request handler, ...). The checksum settings are always
   * `WHEN_REQUIRED`: S3-compatible servers refuse the default streaming checksum trailer.
   */
  clientConfig?: Omit<S3ClientConfig, 'credentials' | 'region' | 'endpoint' | 'forcePathStyle'>;
}

/**
 * `s3()` on a client you built. `region`/`endpoint`/`forcePathStyle` are then only used for
 * url(). Build the client with `requestChecksumCalculation: 'WHEN_REQUIRED'` and
 * `responseChecksumValidation: 'WHEN_REQUIRED'` for servers other than AWS (Ceph answers 411 to
 * streamed uploads otherwise, R2 501). The driver does not destroy a client it was given.
 */
export interface S3ClientOptions extends S3CommonOptions {
  client: S3Client;
  credentials?: undefined;
  clientConfig?: undefined;
}

/** Options of `s3()`: SDK-style settings, or `{ client }`. */
export type S3Options = S3ConfigOptions | S3ClientOptions;

/** Options after validation, with defaults applied. */
export interface ResolvedS3Options {
  bucket: string;
  /** `''` or `'segment/.../'`. */
  prefix: string;
  publicBaseUrl: string | undefined;
  publicBucketUrl: boolean;
  /** The timeouts asked for; the driver applies the defaults under them. */
  timeouts: S3Timeouts;
  region: string | undefined;
  endpoint: string | undefined;
  forcePathStyle: boolean;
  partSize: number;
  queueSize: number;
  deleteBatchSize: number;
  multipartCopyThreshold: number;
  profile: S3Profile;
}

/** Checks `options`, throwing CONFIG naming the bad option. */
export function resolveOptions(
  options: S3Options,
  base: S3Profile = S3_PROFILE,
): ResolvedS3Options {
  if (typeof options !== 'object' || options === null) {
    throw configError(`${base.name}(): options must be an object with at least { bucket }.`);
  }
  const profile: S3Profile = { ...base, ...options.profile };
  const name = profile.name;
  const bucket = options.bucket;
  if (typeof bucket !== 'string' || bucket.trim() === '' || /[/\s]/.test(bucket)) {
    throw configError(`${name}(): bucket must be a bucket name, got ${JSON.stringify(bucket)}.`);
  }
  const endpoint =
    options.endpoint === undefined ? undefined : checkUrl(name, 'endpoint', options.endpoint);
  const region = options.region?.trim() || undefined;
  if (region !== undefined && !/^[a-z0-9-]+$/i.test(region)) {
    throw configError(`${name}(): region must look like us-east-1, got ${JSON.stringify(region)}.`);
  }
  const publicBaseUrl = checkPublicBaseUrl(name, options.publicBaseUrl);
  if (options.publicBucketUrl !== undefined && typeof options.publicBucketUrl !== 'boolean') {
    throw configError(`${name}(): publicBucketUrl must be true or false.`);
  }
  const timeouts = checkTimeouts(name, options.timeouts);
  if (options.client !== undefined && options.timeouts !== undefined) {
    throw configError(
      `${name}(): timeouts apply to the client the driver builds; with { client }, set connectionTimeout and requestTimeout on your client's requestHandler.`,
    );
  }
  const partSize = wholeNumber(
    name,
    'partSize',
    options.partSize,
    DEFAULT_PART_SIZE,
    MIN_PART_SIZE,
    5 * 1024 * MiB,
  );
  const queueSize = wholeNumber(name, 'queueSize', options.queueSize, DEFAULT_QUEUE_SIZE, 1, 64);
  // No S3-compatible service takes more than S3's 1000 keys per DeleteObjects.
  const batchLimit = Math.min(profile.deleteBatchSize, MAX_DELETE_BATCH);
  const deleteBatchSize = wholeNumber(
    name,
    'deleteBatchSize',
    options.deleteBatchSize,
    batchLimit,
    1,
    batchLimit,
  );
  const multipartCopyThreshold = wholeNumber(
    name,
    'multipartCopyThreshold',
    options.multipartCopyThreshold,
    5 * 1024 * MiB,
    MIN_PART_SIZE,
    5 * 1024 * MiB,
  );
  return {
    bucket: bucket.trim(),
    prefix: normalizePrefix(options.prefix, `${name}(): prefix`),
    publicBaseUrl,
    publicBucketUrl: options.publicBucketUrl === true,
    timeouts,
    region,
    endpoint,
    forcePathStyle: options.forcePathStyle ?? endpoint !== undefined,
    partSize,
    queueSize,
    deleteBatchSize,
    multipartCopyThreshold,
    profile,
  };
}

/** `'media'`, `'/media/'` -> `'media/'`; `''` or undefined -> `''`. CONFIG when not key-like. */
export function normalizePrefix(prefix: string | undefined, what: string): string {
  if (prefix === undefined) return '';
  if (typeof prefix !== 'string') throw configError(`${what} must be a string.`);
  const trimmed = prefix.trim().replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  const normalized = `${trimmed}/`;
  const problem = prefixProblem(normalized);
  if (problem !== undefined) {
    throw configError(`${what} must be a key prefix like "media" or "site/media": ${problem}.`);
  }
  return normalized;
}

/** An http(s) URL without credentials; CONFIG naming `option` otherwise (the value masked). */
export function checkUrl(name: string, option: string, value: string): string {
  const shown = JSON.stringify(maskUrlCredentials(String(value)));
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw configError(
      `${name}(): ${option} must be a full URL like https://example.com, got ${shown}.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw configError(`${name}(): ${option} must be an http(s) URL, got ${shown}.`);
  }
  // Credentials in a URL end up in public URLs, presigned URLs and logs; S3 never reads them.
  if (url.username !== '' || url.password !== '') {
    throw configError(
      `${name}(): ${option} must not contain a user name or password (credentials go in credentials), got ${shown}.`,
    );
  }
  return value.replace(/\/+$/, '');
}

function checkPublicBaseUrl(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  // A path like /media is allowed for an app that proxies the bucket itself.
  if (value.startsWith('/')) return value.replace(/\/+$/, '');
  return checkUrl(name, 'publicBaseUrl', value.trim());
}

function wholeNumber(
  name: string,
  option: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw configError(
      `${name}(): ${option} must be a whole number from ${min} to ${max}, got ${String(value)}.`,
    );
  }
  return value;
}

/**
 * The options `s3.fromEnv` reads, named as django-storages names them:
 * `AWS_STORAGE_BUCKET_NAME` (required), `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (both or
 * neither; neither uses the SDK's default credential chain, e.g. an IAM role), `AWS_SESSION_TOKEN`,
 * `AWS_S3_REGION_NAME` (default us-east-1), `AWS_S3_ENDPOINT_URL` (implies path-style),
 * `S3_FORCE_PATH_STYLE` or `AWS_S3_ADDRESSING_STYLE` (`path` | `virtual`), `AWS_S3_CUSTOM_DOMAIN`
 * (a host or URL for public URLs), `AWS_QUERYSTRING_AUTH=false` (the bucket's own URLs are public),
 * `AWS_LOCATION` (key prefix).
 */
export function optionsFromEnv(env: Env): S3ConfigOptions {
  const bucket = requireEnv(env, 'AWS_STORAGE_BUCKET_NAME', 'the name of the S3 bucket');
  if (/[/\s]/.test(bucket)) {
    throw configError(
      `AWS_STORAGE_BUCKET_NAME must be a bucket name, got ${JSON.stringify(bucket)}.`,
    );
  }
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  let credentials: S3Credentials | undefined;
  if (accessKeyId || secretAccessKey) {
    // One without the other is a mistake, not a request for the default chain.
    const id = requireEnv(
      env,
      'AWS_ACCESS_KEY_ID',
      'the access key id (AWS_SECRET_ACCESS_KEY is set)',
    );
    const secret = requireEnv(
      env,
      'AWS_SECRET_ACCESS_KEY',
      'the secret access key (AWS_ACCESS_KEY_ID is set)',
    );
    const sessionToken = env.AWS_SESSION_TOKEN?.trim() || undefined;
    credentials = {
      accessKeyId: id,
      secretAccessKey: secret,
      ...(sessionToken ? { sessionToken } : {}),
    };
  }
  const region = env.AWS_S3_REGION_NAME?.trim() || 'us-east-1';
  if (!/^[a-z0-9-]+$/i.test(region)) {
    throw configError(
      `AWS_S3_REGION_NAME must be a region like eu-west-1, got ${JSON.stringify(region)}.`,
    );
  }
  const endpoint = envUrl(env, 'AWS_S3_ENDPOINT_URL');
  // django-storages signs URLs unless AWS_QUERYSTRING_AUTH=false says the bucket is public.
  const publicBucketUrl = !envFlag(env, 'AWS_QUERYSTRING_AUTH', true);
  return {
    bucket,
    region,
    ...(publicBucketUrl ? { publicBucketUrl } : {}),
    ...(credentials ? { credentials } : {}),
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle: pathStyleFromEnv(env, endpoint !== undefined),
    publicBaseUrl: customDomainFromEnv(env),
    prefix: normalizePrefix(env.AWS_LOCATION, 'AWS_LOCATION'),
  };
}

function pathStyleFromEnv(env: Env, fallback: boolean): boolean {
  if (env.S3_FORCE_PATH_STYLE?.trim()) return envFlag(env, 'S3_FORCE_PATH_STYLE', fallback);
  const style = env.AWS_S3_ADDRESSING_STYLE?.trim().toLowerCase();
  if (!style || style === 'auto') return fallback;
  if (style === 'path') return true;
  if (style === 'virtual') return false;
  throw configError(
    `AWS_S3_ADDRESSING_STYLE must be path, virtual or auto, got ${JSON.stringify(env.AWS_S3_ADDRESSING_STYLE)}.`,
  );
}

/** `cdn.example.com` -> `https://cdn.example.com`; a full http(s) URL is kept. */
function customDomainFromEnv(env: Env): string | undefined {
  const raw = env.AWS_S3_CUSTOM_DOMAIN?.trim();
  if (!raw) return undefined;
  if (raw.includes('://')) return envUrl(env, 'AWS_S3_CUSTOM_DOMAIN');
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[^\s?#]*)?$/i.test(raw)) {
    throw configError(
      `AWS_S3_CUSTOM_DOMAIN must be a host name like cdn.example.com (or a full https URL), got ${JSON.stringify(maskUrlCredentials(raw))}.`,
    );
  }
  return `https://${raw.replace(/\/+$/, '')}`;
}
