import type { Env } from '@stowage/core';
import { configError, envFlag, envUrl, requireEnv } from '@stowage/core/driver';
import type { DeliveryType } from './asset-key.js';

export type { DeliveryType } from './asset-key.js';

/** Options shared by both ways of passing credentials. */
export interface CloudinaryCommonOptions {
  /** Prefixes every public id (`folder/key`); objects outside it are invisible. */
  folder?: string;
  /**
   * Cloudinary delivery type of every asset: `upload` (public URLs, default), `private` or
   * `authenticated` (reads only through signed URLs; `url()` is UNSUPPORTED).
   */
  deliveryType?: DeliveryType;
  /** API base. Default `https://api.cloudinary.com`; the emulator's URL in tests. */
  uploadPrefix?: string;
  /**
   * Delivery base that replaces `https://res.cloudinary.com` (the cloud name follows in the path):
   * the emulator, a CDN in front of Cloudinary or a custom domain.
   */
  deliveryUrl?: string;
  /** `https` delivery URLs on the default host (default true). Ignored with `deliveryUrl`. */
  secure?: boolean;
  /**
   * Escape key segments a public id cannot hold for sure (anything but ASCII letters, digits, `.`,
   * `-` and inner `_`; folders named `v123`; names ending in an extension Cloudinary refuses, such
   * as `.exe`) as `x--` + their bytes (default true). With false such keys fail with INVALID_KEY.
   */
  escapeKeys?: boolean;
  /**
   * When the Admin API is rate limited (420/429), `head`, `exists` and `get` find the object by its
   * delivery URL instead (without custom metadata). Default true.
   */
  deliveryFallback?: boolean;
  /**
   * The account allows public delivery of PDF and ZIP files (Settings > Security, "Allow delivery
   * of PDF and ZIP files"; off on new accounts). Default false: `url()` of a PDF or ZIP key is
   * UNSUPPORTED (it would answer 401) and callers use `signedUrl()`.
   */
  pdfZipDelivery?: boolean;
  /** Milliseconds an API request may stay idle (default 60000). */
  timeout?: number;
  /** The fetch used for delivery URLs (default the global fetch). */
  fetch?: typeof fetch;
}

/** Credentials as three values. */
export interface CloudinaryCredentialOptions extends CloudinaryCommonOptions {
  cloudName: string;
  apiKey: string;
  apiSecret: string;
  url?: undefined;
}

/** Credentials as a `CLOUDINARY_URL`: `cloudinary://API_KEY:API_SECRET@CLOUD_NAME`. */
export interface CloudinaryUrlOptions extends CloudinaryCommonOptions {
  url: string;
  cloudName?: undefined;
  apiKey?: undefined;
  apiSecret?: undefined;
}

/** Options of the `cloudinary()` driver. */
export type CloudinaryOptions = CloudinaryCredentialOptions | CloudinaryUrlOptions;

/** Validated options with defaults filled in. */
export interface ResolvedOptions {
  cloudName: string;
  apiKey: string;
  apiSecret: string;
  folder: string | undefined;
  deliveryType: DeliveryType;
  uploadPrefix: string;
  deliveryBaseUrl: string;
  escapeKeys: boolean;
  deliveryFallback: boolean;
  pdfZipDelivery: boolean;
  timeout: number;
  fetch: typeof fetch;
}

/** What a `CLOUDINARY_URL` holds. */
export interface ParsedCloudinaryUrl {
  cloudName: string;
  apiKey: string;
  apiSecret: string;
  uploadPrefix?: string;
}

const DELIVERY_TYPES: readonly DeliveryType[] = ['upload', 'private', 'authenticated'];
const DEFAULT_UPLOAD_PREFIX = 'https://api.cloudinary.com';
const DEFAULT_DELIVERY_HOST = 'res.cloudinary.com';
const URL_FORM = 'cloudinary://API_KEY:API_SECRET@CLOUD_NAME';

/**
 * Parses `cloudinary://API_KEY:API_SECRET@CLOUD_NAME[?upload_prefix=...]`. A malformed value is a
 * CONFIG error naming `name` and the expected form; the value itself is never echoed (it holds the
 * secret).
 */
export function parseCloudinaryUrl(value: string, name = 'CLOUDINARY_URL'): ParsedCloudinaryUrl {
  const malformed = (problem: string) =>
    configError(`${name} must look like ${URL_FORM} (from the Cloudinary console): ${problem}.`);
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw malformed('it is not a URL');
  }
  if (url.protocol !== 'cloudinary:') throw malformed('it must start with cloudinary://');
  const decode = (part: string, what: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw malformed(`the ${what} is not properly percent-encoded`);
    }
  };
  const apiKey = decode(url.username, 'API key');
  const apiSecret = decode(url.password, 'API secret');
  const cloudName = decode(url.hostname, 'cloud name');
  if (!apiKey) throw malformed('the API key is missing');
  if (!apiSecret) throw malformed('the API secret is missing');
  if (!cloudName) throw malformed('the cloud name is missing');
  const uploadPrefix = url.searchParams.get('upload_prefix') ?? undefined;
  return { cloudName, apiKey, apiSecret, ...(uploadPrefix ? { uploadPrefix } : {}) };
}

function httpUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw configError(`${name} must be an http(s) URL; got ${JSON.stringify(value)}.`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw configError(
      `${name} must be an http(s) URL without query or fragment; got ${JSON.stringify(value)}.`,
    );
  }
  return value.replace(/\/+$/, '');
}

function checkFolder(folder: string, name: string): string {
  const problem =
    folder === ''
      ? 'is empty'
      : /^\/|\/$/.test(folder)
        ? 'must not start or end with "/"'
        : folder.split('/').some((s) => !/^[A-Za-z0-9.-](?:[A-Za-z0-9._-]*[A-Za-z0-9.-])?$/.test(s))
          ? 'must be made of letters, digits, ".", "-" and inner "_" (characters every Cloudinary account keeps in public ids) separated by "/"'
          : folder
                .split('/')
                .some(
                  (s) =>
                    s === '' || s === '.' || s === '..' || /^v\d+$/.test(s) || s.startsWith('x--'),
                )
            ? 'must not have empty, "." or ".." segments, segments named like a version (v123) or starting with "x--" (how escaped keys begin)'
            : /^\s|\s$/.test(folder)
              ? 'must not start or end with whitespace'
              : undefined;
  if (problem) throw configError(`${name} ${problem}; got ${JSON.stringify(folder)}.`);
  return folder;
}

/** Validates `options` (CONFIG errors that name the option) and fills in the defaults. */
export function resolveOptions(options: CloudinaryOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw configError(
      'cloudinary() needs { cloudName, apiKey, apiSecret } or { url: CLOUDINARY_URL }.',
    );
  }
  let credentials: ParsedCloudinaryUrl;
  if (options.url !== undefined) {
    if (options.cloudName !== undefined || options.apiKey !== undefined) {
      throw configError('Pass either url or cloudName/apiKey/apiSecret to cloudinary(), not both.');
    }
    credentials = parseCloudinaryUrl(options.url, 'url');
  } else {
    for (const name of ['cloudName', 'apiKey', 'apiSecret'] as const) {
      const value = options[name];
      if (typeof value !== 'string' || value.trim() === '') {
        throw configError(
          `cloudinary() option ${name} is missing: pass cloudName, apiKey and apiSecret (or url).`,
        );
      }
    }
    credentials = {
      cloudName: options.cloudName.trim(),
      apiKey: options.apiKey.trim(),
      apiSecret: options.apiSecret.trim(),
    };
  }
  if (!/^[A-Za-z0-9_-]+$/.test(credentials.cloudName)) {
    throw configError(
      `The Cloudinary cloud name must be letters, digits, _ or -; got ${JSON.stringify(credentials.cloudName)}.`,
    );
  }
  if (/\s|:/.test(credentials.apiKey)) {
    throw configError('The Cloudinary API key must not contain whitespace or ":".');
  }
  const deliveryType = options.deliveryType ?? 'upload';
  if (!DELIVERY_TYPES.includes(deliveryType)) {
    throw configError(
      `deliveryType must be one of ${DELIVERY_TYPES.join(', ')}; got ${JSON.stringify(deliveryType)}.`,
    );
  }
  const secure = options.secure ?? true;
  if (typeof secure !== 'boolean') throw configError('secure must be true or false.');
  const timeout = options.timeout ?? 60_000;
  if (!Number.isSafeInteger(timeout) || timeout < 1) {
    throw configError(`timeout must be a whole number of milliseconds; got ${String(timeout)}.`);
  }
  const uploadPrefix = httpUrl(
    options.uploadPrefix ?? credentials.uploadPrefix ?? DEFAULT_UPLOAD_PREFIX,
    'uploadPrefix',
  );
  const deliveryBaseUrl =
    options.deliveryUrl !== undefined
      ? httpUrl(options.deliveryUrl, 'deliveryUrl')
      : `${secure ? 'https' : 'http'}://${DEFAULT_DELIVERY_HOST}`;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') {
    throw configError('No fetch available: use Node 20+ or pass the fetch option.');
  }
  return {
    ...credentials,
    folder: options.folder === undefined ? undefined : checkFolder(options.folder, 'folder'),
    deliveryType,
    uploadPrefix,
    deliveryBaseUrl,
    escapeKeys: options.escapeKeys ?? true,
    deliveryFallback: options.deliveryFallback ?? true,
    pdfZipDelivery: options.pdfZipDelivery ?? false,
    timeout,
    fetch: fetchImpl,
  };
}

/**
 * Driver options from the environment: `CLOUDINARY_URL`, or `CLOUDINARY_CLOUD_NAME` +
 * `CLOUDINARY_API_KEY` + `CLOUDINARY_API_SECRET`; optional `CLOUDINARY_SECURE` (default true),
 * `CLOUDINARY_FOLDER`, `CLOUDINARY_DELIVERY_TYPE`, `CLOUDINARY_DELIVERY_URL`. CONFIG errors name
 * the variable.
 */
export function optionsFromEnv(env: Env): CloudinaryOptions {
  const common: CloudinaryCommonOptions = {
    secure: envFlag(env, 'CLOUDINARY_SECURE', true),
    pdfZipDelivery: envFlag(env, 'CLOUDINARY_PDF_DELIVERY', false),
  };
  const folder = env.CLOUDINARY_FOLDER?.trim();
  if (folder) common.folder = checkFolder(folder.replace(/^\/+|\/+$/g, ''), 'CLOUDINARY_FOLDER');
  const deliveryType = env.CLOUDINARY_DELIVERY_TYPE?.trim();
  if (deliveryType) {
    if (!DELIVERY_TYPES.includes(deliveryType as DeliveryType)) {
      throw configError(
        `CLOUDINARY_DELIVERY_TYPE must be one of ${DELIVERY_TYPES.join(', ')}; got ${JSON.stringify(deliveryType)}.`,
      );
    }
    common.deliveryType = deliveryType as DeliveryType;
  }
  const deliveryUrl = envUrl(env, 'CLOUDINARY_DELIVERY_URL');
  if (deliveryUrl) common.deliveryUrl = deliveryUrl;
  const url = env.CLOUDINARY_URL?.trim();
  if (url) {
    // Parsed here so that a malformed value is reported under its variable name.
    parseCloudinaryUrl(url, 'CLOUDINARY_URL');
    return { ...common, url };
  }
  return {
    ...common,
    cloudName: requireEnv(env, 'CLOUDINARY_CLOUD_NAME', 'your Cloudinary cloud name'),
    apiKey: requireEnv(env, 'CLOUDINARY_API_KEY', 'your Cloudinary API key'),
    apiSecret: requireEnv(env, 'CLOUDINARY_API_SECRET', 'your Cloudinary API secret'),
  };
}
