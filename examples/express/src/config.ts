import { type Env, envFlag, isStorageError, selectDriver, storageFromEnv } from '@stowage/core';
import { s3 } from '@stowage/s3';
import type { CreateAppOptions } from './app.js';
import type { UrlMode } from './media.js';

/**
 * The cloud drivers this app can switch to from `.env`. To add one, install its package and add
 * it here, e.g. `[s3, r2, cloudinary]` with `import { r2 } from '@stowage/r2'`.
 */
export const drivers = [s3];

/** Used when a secret is not set outside production, so that `pnpm start` works as it is. */
const DEVELOPMENT_SECRET = 'development-only-secret-do-not-deploy';

/** The app's options from the environment (`.env`); see `.env.example`. */
export function appOptionsFromEnv(env: Env = process.env): CreateAppOptions {
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
    dataDir: env.DATA_DIR?.trim() || './data',
    ticketSigningSecret: secret('TICKET_SIGNING_SECRET'),
    signingSecret,
    urls: urlMode(env, storage.capabilities.publicUrl, storage.driver),
    mediaPath: mediaPath(env.STORAGE_PUBLIC_BASE_URL),
    mediaProxyPath:
      envFlag(env, 'USE_R2', false) && envFlag(env, 'USE_R2_MEDIA_PROXY', false)
        ? '/media-proxy'
        : undefined,
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

/** The path the disk driver's files are served under: STORAGE_PUBLIC_BASE_URL's path. */
function mediaPath(publicBaseUrl: string | undefined): string {
  const base = publicBaseUrl?.trim() || '/media';
  const path = base.startsWith('/') ? base : new URL(base).pathname;
  return path.replace(/\/+$/, '') || '/media';
}

/** A configuration error worth one line, not a stack trace. */
export function describeConfigError(error: unknown): string | undefined {
  if (isStorageError(error, 'CONFIG')) return error.message;
  if (error instanceof Error && /is not set|must be/.test(error.message)) return error.message;
  return undefined;
}
