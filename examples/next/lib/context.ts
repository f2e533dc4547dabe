import { type Env, envFlag, type Storage, selectDriver, storageFromEnv } from '@stowage/core';
import { s3 } from '@stowage/s3';
import { createTicketService, type TicketService } from '@stowage/tickets';
import type { UrlMode } from './media';
import { JsonStore } from './store';

/**
 * The cloud drivers this app can switch to from `.env`. To add one, install its package and add
 * it here, e.g. `[s3, r2, cloudinary]` with `import { r2 } from '@stowage/r2'`.
 */
export const drivers = [s3];

/** Used when a secret is not set outside production, so that `next dev` works as it is. */
const DEVELOPMENT_SECRET = 'development-only-secret-do-not-deploy';

export interface AppContext {
  storage: Storage;
  store: JsonStore;
  tickets: TicketService;
  urls: UrlMode;
  /** The disk driver's signing secret (STORAGE_SIGNING_SECRET), for /media. */
  signingSecret: string | undefined;
  /** R2's media proxy is on: /media-proxy serves the bucket. */
  mediaProxy: boolean;
}

// One context per server process. On globalThis because Next may load this module more than
// once (route handlers and pages are bundled apart), and the JSON store queues its writes.
const holder = globalThis as typeof globalThis & { stowageExample?: AppContext };

/** The storage, data and ticket service, made from the environment on first use. */
export function app(): AppContext {
  holder.stowageExample ??= contextFromEnv(process.env);
  return holder.stowageExample;
}

/** The storage driver the environment selects, without making the storage (for the header). */
export function driverName(): string {
  return selectDriver(process.env).driver;
}

export function contextFromEnv(env: Env): AppContext {
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
    store: new JsonStore(env.DATA_DIR?.trim() || './data'),
    tickets: createTicketService({ storage, signingSecret: secret('TICKET_SIGNING_SECRET') }),
    urls: urlMode(env, storage.capabilities.publicUrl, storage.driver),
    signingSecret,
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
