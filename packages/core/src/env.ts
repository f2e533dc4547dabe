import { mirror } from './compose/mirror.js';
import type { Driver, Env, EnvDriverFactory } from './driver-types.js';
import { disk } from './drivers/disk/index.js';
import { memory } from './drivers/memory.js';
import { StorageError } from './errors.js';
import { createStorage, type Storage, type StorageOptions } from './storage.js';
import { maskUrlCredentials } from './url-credentials.js';

export interface StorageFromEnvOptions extends StorageOptions {
  /** The cloud driver packages to choose from, e.g. `[s3, r2, cloudinary]`. */
  drivers?: readonly EnvDriverFactory[];
  /** Where the ephemeral-disk warning goes (default `console.warn`). */
  warn?: (message: string) => void;
}

const BUILT_IN = ['memory', 'disk'] as const;

/**
 * Builds the storage the environment asks for: `STORAGE_DRIVER` when set; else `USE_R2=true` -> r2,
 * `USE_S3=true` -> s3, `CLOUDINARY_URL` or `CLOUDINARY_CLOUD_NAME` -> cloudinary; else disk at
 * `STORAGE_DISK_ROOT` (default `./media`). A missing or malformed variable is a CONFIG error that
 * names it. `STORAGE_MIRROR=<driver>` (e.g. `disk`) wraps the result in {@link mirror} with that
 * driver, built from the same environment, as the secondary; `STORAGE_MIRROR_READS=fallback`
 * reads keys the primary lacks from it.
 */
export function storageFromEnv(
  env: Env = process.env,
  options: StorageFromEnvOptions = {},
): Storage {
  const { driver: name, reason } = selectDriver(env);
  const storage = createStorage(driverFromEnv(name, reason, env, options), options);
  const secondary = env.STORAGE_MIRROR?.trim().toLowerCase();
  if (!secondary) return storage;
  // The move between storages as an environment change: the new storage is the primary, the old
  // one (STORAGE_MIRROR) keeps receiving writes and, with fallback reads, serves what is not moved.
  const reads = env.STORAGE_MIRROR_READS?.trim().toLowerCase() || 'primary';
  if (reads !== 'primary' && reads !== 'fallback') {
    throw configError(
      `STORAGE_MIRROR_READS must be primary or fallback; got ${JSON.stringify(env.STORAGE_MIRROR_READS)}.`,
    );
  }
  if (secondary === name) {
    throw configError(
      `STORAGE_MIRROR=${secondary} names the driver the environment already selects (${reason}): set it to the storage you are moving from, e.g. disk.`,
    );
  }
  const mirrored = driverFromEnv(secondary, `STORAGE_MIRROR=${secondary}`, env, options);
  return mirror(storage, createStorage(mirrored), { reads });
}

/** Which driver the environment selects, and why (shown by `stowage doctor`). */
export function selectDriver(env: Env): { driver: string; reason: string } {
  const explicit = env.STORAGE_DRIVER?.trim();
  if (explicit) return { driver: explicit.toLowerCase(), reason: `STORAGE_DRIVER=${explicit}` };
  if (envFlag(env, 'USE_R2', false)) return { driver: 'r2', reason: 'USE_R2=true' };
  if (envFlag(env, 'USE_S3', false)) return { driver: 's3', reason: 'USE_S3=true' };
  if (env.CLOUDINARY_URL?.trim()) return { driver: 'cloudinary', reason: 'CLOUDINARY_URL is set' };
  if (env.CLOUDINARY_CLOUD_NAME?.trim())
    return { driver: 'cloudinary', reason: 'CLOUDINARY_CLOUD_NAME is set' };
  return {
    driver: 'disk',
    reason: 'no cloud storage is configured (USE_R2, USE_S3, CLOUDINARY_URL unset)',
  };
}

function driverFromEnv(
  name: string,
  reason: string,
  env: Env,
  options: StorageFromEnvOptions,
): Driver {
  if (name === 'memory') return memory();
  if (name === 'disk') return diskFromEnv(env, options.warn ?? ((m) => console.warn(m)));
  const factory = options.drivers?.find((d) => d.driverName === name);
  if (factory) return factory.fromEnv(env);
  const known = [...BUILT_IN, 's3', 'r2', 'cloudinary'];
  if (!known.includes(name)) {
    throw configError(
      `STORAGE_DRIVER must be one of ${known.join(', ')}; got ${JSON.stringify(name)}.`,
    );
  }
  throw configError(
    `The environment selects the ${name} driver (${reason}), but it was not passed to storageFromEnv: install @stowage/${name} and call storageFromEnv(process.env, { drivers: [${name}] }).`,
  );
}

let warnedEphemeral = false;

/** The disk driver from `STORAGE_DISK_ROOT`, `STORAGE_PUBLIC_BASE_URL`, `STORAGE_SIGNING_SECRET`. */
export function diskFromEnv(
  env: Env,
  warn: (message: string) => void = (m) => console.warn(m),
): Driver {
  const root = env.STORAGE_DISK_ROOT?.trim() || './media';
  const publicBaseUrl = env.STORAGE_PUBLIC_BASE_URL?.trim() || '/media';
  const signingSecret = env.STORAGE_SIGNING_SECRET?.trim() || undefined;
  if (signingSecret !== undefined && signingSecret.length < 16) {
    throw configError(
      'STORAGE_SIGNING_SECRET must be at least 16 characters (use a long random string).',
    );
  }
  if (!/^(\/|https?:\/\/)/.test(publicBaseUrl)) {
    throw configError(
      `STORAGE_PUBLIC_BASE_URL must be a path like /media or an http(s) URL; got ${JSON.stringify(maskUrlCredentials(publicBaseUrl))}.`,
    );
  }
  // Public URLs are handed to browsers: a password in their base would go with every one.
  if (!publicBaseUrl.startsWith('/')) envUrl(env, 'STORAGE_PUBLIC_BASE_URL');
  if (
    env.NODE_ENV === 'production' &&
    !envFlag(env, 'STORAGE_DISK_PERSISTENT', false) &&
    !warnedEphemeral
  ) {
    warnedEphemeral = true;
    warn(
      `[stowage] Storing files on the local disk (${root}) in production. On a PaaS with an ephemeral disk (Render, Koyeb, Railway, Fly without a volume) these files are lost at the next redeploy. Configure S3, R2 or Cloudinary, or set STORAGE_DISK_PERSISTENT=true if this disk is a persistent volume.`,
    );
  }
  return disk({ root, publicBaseUrl, signingSecret });
}

/** Reads a boolean variable: true/1/yes/on or false/0/no/off (any case); CONFIG otherwise. */
export function envFlag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw configError(`${name} must be true or false; got ${JSON.stringify(env[name])}.`);
}

/** Reads a required variable; CONFIG naming it (and what it is for) when missing or blank. */
export function requireEnv(env: Env, name: string, what: string): string {
  const value = env[name]?.trim();
  if (!value) throw configError(`${name} is not set: it must hold ${what}.`);
  return value;
}

/**
 * Reads an optional URL variable; CONFIG when set but not an http(s) URL, or when it carries a
 * user name or password (they would travel into public URLs and logs). Messages show the value
 * with its credentials masked.
 */
export function envUrl(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  const shown = JSON.stringify(maskUrlCredentials(value));
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw configError(`${name} must be a full URL like https://example.com; got ${shown}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw configError(`${name} must be an http(s) URL; got ${shown}.`);
  }
  if (url.username !== '' || url.password !== '') {
    throw configError(`${name} must not contain a user name or password; got ${shown}.`);
  }
  return value.replace(/\/+$/, '');
}

export function configError(message: string): StorageError {
  return new StorageError('CONFIG', message, { operation: 'config' });
}
