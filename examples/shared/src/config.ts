import { type Env, envFlag, type Storage, selectDriver, storageFromEnv } from '@stowage/core';
import { s3 } from '@stowage/s3';
import type { UrlMode } from './media.js';

/**
 * The cloud drivers the apps can switch to from `.env`. To add one, install its package (in
 * this folder's package.json) and add it here, e.g. `[s3, r2, cloudinary]` with
 * `import { r2 } from '@stowage/r2'`.
 */
export const drivers = [s3];

/** Used when a secret is not set outside production, so that `pnpm start` and `next dev` work as they are. */
const DEVELOPMENT_SECRET = 'development-only-secret-do-not-deploy';

/** What both apps make from the environment (`.env`); see their `.env.example`. */
export interface Settings {
  storage: Storage;
  /** The disk driver's signing secret (STORAGE_SIGNING_SECRET), for /media; none for clouds. */
  signingSecret: string | undefined;
  /** Folder of the JSON data file (DATA_DIR, default ./data). */
  dataDir: string;
  /** HMAC secret of the tickets' QR codes (TICKET_SIGNING_SECRET). */
  ticketSigningSecret: string;
  /** How pages link to files (MEDIA_URLS, else chosen by the storage). */
  urls: UrlMode;
  /** R2's media proxy is on (USE_R2 and USE_R2_MEDIA_PROXY): /media-proxy serves the bucket. */
  mediaProxy: boolean;
}

/** The storage and the settings from the environment. A missing secret in production throws. */
export function settingsFromEnv(env: Env): Settings {
  const production = env.NODE_ENV === 'production';
  const secret = (name: string): string => {
    const value = env[name]?.trim();
    if (value) return value;
    if (production) {
      throw new Error(`${name} is not set: in production it must hold a long random string.`);
    }
    console.warn(`${name} is not set: using a development secret. Set it before deploying.`);
    return DEVELOPMENT_SECRET;
  };
  // The disk driver signs its own URLs and uploads; cloud storages sign with their credentials.
  const onDisk = selectDriver(env).driver === 'disk';
  const signingSecret = onDisk ? secret('STORAGE_SIGNING_SECRET') : undefined;
  const storage = storageFromEnv({ ...env, STORAGE_SIGNING_SECRET: signingSecret }, { drivers });
  return {
    storage,
    signingSecret,
    dataDir: env.DATA_DIR?.trim() || './data',
    ticketSigningSecret: secret('TICKET_SIGNING_SECRET'),
    urls: urlMode(env, storage.capabilities.publicUrl, storage.driver),
    mediaProxy: envFlag(env, 'USE_R2', false) && envFlag(env, 'USE_R2_MEDIA_PROXY', false),
  };
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
