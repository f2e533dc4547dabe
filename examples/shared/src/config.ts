import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cloudinary } from '@stowage/cloudinary';
import {
  type Env,
  isStorageError,
  type Storage,
  selectDriver,
  storageFromEnv,
} from '@stowage/core';
import { envFlag } from '@stowage/core/driver';
import type { WebHandler } from '@stowage/core/http';
import { imageTransforms } from '@stowage/images';
import { r2 } from '@stowage/r2';
import { s3 } from '@stowage/s3';
import type { UrlMode } from './media.js';

/**
 * Where both apps serve resized images (avatars at 200x200): `images.handler` of
 * `@stowage/images`, mounted before /media. Unused on Cloudinary, whose CDN resizes.
 */
export const IMAGES_PATH = '/media/_img';

/**
 * Every cloud driver: `.env` alone picks disk, S3, R2 or Cloudinary (see `.env.example`). Each
 * loads its SDK only when chosen.
 */
export const drivers = [s3, r2, cloudinary];

/**
 * Where a secret that is not set outside production comes from, so that `pnpm start` and `next
 * dev` work as they are: random, made on first start and kept in DATA_DIR (mode 0600) so tickets
 * issued before a restart still check in. Never a constant: a demo reachable on a network with a
 * secret anyone can read in this repository would let anyone forge tickets and signed URLs.
 */
const DEVELOPMENT_SECRETS_FILE = 'development-secrets.json';

function developmentSecret(dataDir: string, name: string): string {
  const path = join(dataDir, DEVELOPMENT_SECRETS_FILE);
  const kept = (): Record<string, string> => {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new Error(`${path} is not readable JSON; delete it to make new development secrets.`);
    }
  };
  const secrets = kept();
  const found = secrets[name];
  if (typeof found === 'string' && found.length >= 32) return found;
  secrets[name] = randomBytes(32).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  // Written whole under a temporary name, then renamed: a reader never sees half a file.
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, path);
  return secrets[name];
}

/** What both apps make from the environment (`.env`); see their `.env.example`. */
export interface Settings {
  /**
   * The storage, with image transforms: `url(key, { transform })` is a signed URL under
   * IMAGES_PATH (disk, S3, R2), or Cloudinary's own CDN URL.
   */
  storage: Storage;
  /** Serves the transform URLs at IMAGES_PATH (a Web handler: Express through toNodeHandler). */
  imagesHandler: WebHandler;
  /**
   * Where ticket files go: `storage`, except on Cloudinary with its public `upload` delivery type
   * (the default), where every asset answers at a guessable URL: there, the same account with the
   * `authenticated` delivery type, whose assets open through signed URLs only.
   */
  ticketStorage: Storage;
  /** The disk driver's signing secret (STORAGE_SIGNING_SECRET), for /media; none for clouds. */
  signingSecret: string | undefined;
  /** Folder of the JSON data file (DATA_DIR, default ./data). */
  dataDir: string;
  /** HMAC secret of the tickets' QR codes (TICKET_SIGNING_SECRET). */
  ticketSigningSecret: string;
  /** How pages link to files (MEDIA_URLS, else chosen by the storage). */
  urls: UrlMode;
  /**
   * The path the storage's public URLs point to in this app, other than the disk's /media: R2's
   * media proxy (`/media-proxy`, on unless USE_R2_MEDIA_PROXY=false). The app serves the bucket
   * there, ticket files excepted.
   */
  mediaProxyPath: string | undefined;
  /**
   * TRUST_PROXY=true: the app is behind a reverse proxy (a PaaS router, a load balancer) whose
   * X-Forwarded-Proto and X-Forwarded-Host say how the browser reached it. Off by default: a
   * client could send them to an app reached directly.
   */
  trustProxy: boolean;
}

/** The storage and the settings from the environment. A missing secret in production throws. */
export function settingsFromEnv(env: Env): Settings {
  const production = env.NODE_ENV === 'production';
  const dataDir = env.DATA_DIR?.trim() || './data';
  const secret = (name: string): string => {
    const value = env[name]?.trim();
    if (value) return value;
    if (production) {
      throw new Error(`${name} is not set: in production it must hold a long random string.`);
    }
    console.warn(
      `${name} is not set: using a random development secret kept in ${join(dataDir, DEVELOPMENT_SECRETS_FILE)}. Set it before deploying.`,
    );
    return developmentSecret(dataDir, name);
  };
  // The disk driver signs its own URLs and uploads; cloud storages sign with their credentials.
  const onDisk = selectDriver(env).driver === 'disk';
  const signingSecret = onDisk ? secret('STORAGE_SIGNING_SECRET') : undefined;
  const files = storageFromEnv({ ...env, STORAGE_SIGNING_SECRET: signingSecret }, { drivers });
  const ticketSigningSecret = secret('TICKET_SIGNING_SECRET');
  const images = imageTransforms(files, {
    basePath: IMAGES_PATH,
    signingSecret: signingSecret ?? derivedSecret(ticketSigningSecret, 'image transform URLs'),
    onError: (error) => console.error(error),
  });
  const storage = images.storage;
  return {
    storage,
    imagesHandler: images.handler,
    ticketStorage: ticketStorageFromEnv(env, files),
    signingSecret,
    dataDir,
    ticketSigningSecret,
    urls: urlMode(env, storage.capabilities.publicUrl, storage.driver),
    mediaProxyPath: proxyPath(storage),
    trustProxy: envFlag(env, 'TRUST_PROXY', false),
  };
}

/**
 * A secret for another purpose made from `secret` (HMAC-SHA256 with `purpose`), so that cloud
 * storages, which sign with their own credentials, need no STORAGE_SIGNING_SECRET for the image
 * URLs, and neither signature can stand for the other.
 */
function derivedSecret(secret: string, purpose: string): string {
  return createHmac('sha256', secret).update(`stowage demo: ${purpose}`).digest('base64url');
}

/**
 * Tickets are private on every driver. Cloudinary's delivery type is set per storage (all assets
 * public or all signed), so on Cloudinary the tickets get a storage of their own, made from the
 * same variables with CLOUDINARY_DELIVERY_TYPE=authenticated; avatars stay public on the CDN.
 */
function ticketStorageFromEnv(env: Env, storage: Storage): Storage {
  if (storage.driver !== 'cloudinary' || !storage.capabilities.publicUrl) return storage;
  return storageFromEnv({ ...env, CLOUDINARY_DELIVERY_TYPE: 'authenticated' }, { drivers });
}

/** Where the storage's public URLs point when that is a path of this app (not the disk's). */
function proxyPath(storage: Storage): string | undefined {
  if (storage.driver === 'disk' || !storage.capabilities.publicUrl) return undefined;
  let url: string;
  try {
    url = storage.url('probe');
  } catch (error) {
    if (isStorageError(error, 'UNSUPPORTED')) return undefined;
    throw error;
  }
  if (!url.startsWith('/') || url.startsWith('//') || !url.endsWith('/probe')) return undefined;
  return url.slice(0, -'/probe'.length) || undefined;
}

/**
 * Keys the media proxy does not serve: ticket files are private, handed out through signed URLs
 * only (the proxy serves every object it is asked for, as a public bucket domain would).
 */
export function isPrivateKey(key: string): boolean {
  return key.startsWith('tickets/');
}

/**
 * MEDIA_URLS=public|signed, else: signed URLs for an S3 bucket without a custom domain (buckets
 * are private by default; django-storages did the same), public URLs where the storage has them.
 */
function urlMode(env: Env, hasPublicUrls: boolean, driver: string): UrlMode {
  const asked = env.MEDIA_URLS?.trim();
  if (asked === 'public' || asked === 'signed') return asked;
  if (asked) throw new Error(`MEDIA_URLS must be public or signed; got ${JSON.stringify(asked)}.`);
  if (driver === 's3' && !env.AWS_S3_CUSTOM_DOMAIN?.trim()) return 'signed';
  return hasPublicUrls ? 'public' : 'signed';
}

/**
 * The origin the browser used, for absolute URLs (the JSON API): the Host header, and with
 * `trustProxy` the proxy's X-Forwarded-Host and X-Forwarded-Proto (first value of each).
 */
export function requestOrigin(
  header: (name: string) => string | null | undefined,
  trustProxy: boolean,
): string {
  const first = (name: string) => header(name)?.split(',')[0]?.trim() || undefined;
  const forwardedProto = trustProxy ? first('x-forwarded-proto')?.toLowerCase() : undefined;
  const proto = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : 'http';
  const host = (trustProxy ? first('x-forwarded-host') : undefined) ?? first('host');
  // A host header is the client's to write: only a host name or address, and a port that URLs
  // accept (the pattern lets 99999 and [::::] through; the URL parser does not).
  const safe = host && /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host);
  return `${proto}://${safe && URL.canParse(`${proto}://${host}`) ? host : 'localhost'}`;
}

/** A configuration error worth one line, not a stack trace (both apps print it and exit). */
export function describeConfigError(error: unknown): string | undefined {
  if (isStorageError(error, 'CONFIG')) return error.message;
  if (error instanceof Error && /is not set|must be/.test(error.message)) return error.message;
  return undefined;
}
