import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import {
  createStorage,
  disk,
  type Env,
  type EnvDriverFactory,
  type Storage,
  selectDriver,
  storageFromEnv,
} from '@stowage/core';
import { isPackagedDriver, loadDriver } from './drivers.js';
import { readEnvFile } from './env-file.js';
import { UsageError } from './io.js';

/** A storage named on the command line: `disk:<path>`, `env` or `env:<dotenv file>`. */
export type SourceSpec = { kind: 'disk'; path: string } | { kind: 'env'; file?: string };

/** A storage opened from a {@link SourceSpec}. */
export interface OpenedStorage {
  storage: Storage;
  /** How to name it to a person: `disk ./media`, `s3 from .env.prod (USE_S3=true)`. */
  label: string;
  /** The variables it was built from (env sources only). */
  env?: Env;
  /** The folder of a disk storage, resolved. */
  diskRoot?: string;
}

/** Parses `disk:<path>`, `env` or `env:<file>`; anything else is a usage error. */
export function parseSourceSpec(text: string, what = 'storage'): SourceSpec {
  if (text.startsWith('disk:')) {
    const path = text.slice('disk:'.length);
    if (path === '') throw new UsageError(`The ${what} disk: needs a folder, e.g. disk:./media.`);
    return { kind: 'disk', path };
  }
  if (text === 'env') return { kind: 'env' };
  if (text.startsWith('env:')) {
    const file = text.slice('env:'.length);
    if (file === '')
      throw new UsageError(`The ${what} env: needs a file, e.g. env:.env.production.`);
    return { kind: 'env', file };
  }
  const hint = text.includes('/') || text.startsWith('.') ? ` (did you mean disk:${text}?)` : '';
  throw new UsageError(
    `The ${what} ${JSON.stringify(text)} is not disk:<folder>, env or env:<file>${hint}.`,
  );
}

/** Options of {@link openStorage}. */
export interface OpenStorageOptions {
  env: Env;
  cwd: string;
  /** A disk folder that must already exist (a source), rather than one to create (a target). */
  mustExist?: boolean;
  /** Where the ephemeral-disk warning of `storageFromEnv` goes. */
  warn?: (message: string) => void;
}

/**
 * The variables `env` (no file) or `env:<file>` stands for. `env` is what the app sees: like
 * dotenv, a .env file in the folder fills in the variables the process environment does not set
 * (`withDotenv`). A file is read alone.
 */
export async function envOf(
  file: string | undefined,
  processEnv: Env,
  cwd: string,
): Promise<{ env: Env; withDotenv: boolean }> {
  if (file !== undefined) return { env: await readEnvFile(file, cwd), withDotenv: false };
  if (!existsSync(join(cwd, '.env'))) return { env: processEnv, withDotenv: false };
  return { env: { ...(await readEnvFile('.env', cwd)), ...processEnv }, withDotenv: true };
}

/** Builds the storage a spec names. CONFIG errors name the variable that is wrong. */
export async function openStorage(
  spec: SourceSpec,
  options: OpenStorageOptions,
): Promise<OpenedStorage> {
  if (spec.kind === 'disk') {
    const root = resolve(options.cwd, spec.path);
    if (options.mustExist) await assertFolder(root, `disk:${spec.path}`);
    return {
      storage: createStorage(disk({ root })),
      label: `disk ${spec.path}`,
      diskRoot: root,
    };
  }
  const { env, withDotenv } = await envOf(spec.file, options.env, options.cwd);
  const built = await storageFromEnvLazy(env, options);
  const from =
    spec.file !== undefined
      ? spec.file
      : withDotenv
        ? 'the environment and .env'
        : 'the environment';
  return {
    storage: built.storage,
    label: `${built.storage.driver} from ${from} (${built.reason})`,
    env,
    ...(built.diskRoot ? { diskRoot: built.diskRoot } : {}),
  };
}

/**
 * `storageFromEnv` with only the driver package the environment selects imported. A relative
 * `STORAGE_DISK_ROOT` is taken relative to `cwd`, as the app started there would take it.
 */
export async function storageFromEnvLazy(
  env: Env,
  options: { cwd: string; warn?: (message: string) => void },
): Promise<{ storage: Storage; reason: string; diskRoot?: string }> {
  const { driver, reason } = selectDriver(env);
  const drivers: EnvDriverFactory[] = isPackagedDriver(driver)
    ? [await loadDriver(driver, reason)]
    : [];
  const rootSetting = env.STORAGE_DISK_ROOT?.trim() || './media';
  const diskRoot = isAbsolute(rootSetting) ? rootSetting : resolve(options.cwd, rootSetting);
  const storage = storageFromEnv(
    { ...env, STORAGE_DISK_ROOT: diskRoot },
    { drivers, ...(options.warn ? { warn: options.warn } : {}) },
  );
  return { storage, reason, ...(driver === 'disk' ? { diskRoot } : {}) };
}

/**
 * Throws a UsageError unless `path` is a folder; with `mustExist` false, a missing one passes (a
 * target folder is made by its first write), but a file there does not.
 */
export async function assertFolder(path: string, spec: string, mustExist = true): Promise<void> {
  try {
    if ((await stat(path)).isDirectory()) return;
  } catch {
    if (!mustExist) return;
    throw new UsageError(`${spec}: there is no folder ${path}.`);
  }
  throw new UsageError(`${spec}: ${path} is not a folder.`);
}
