import type { EnvDriverFactory } from '@stowage/core';
import { configError } from '@stowage/core/driver';

/** The cloud driver packages and the name of the factory each exports. */
const DRIVER_PACKAGES: Readonly<Record<string, { specifier: string; exportName: string }>> = {
  s3: { specifier: '@stowage/s3', exportName: 's3' },
  r2: { specifier: '@stowage/r2', exportName: 'r2' },
  cloudinary: { specifier: '@stowage/cloudinary', exportName: 'cloudinary' },
};

/** True for the drivers that live in their own package (everything but memory and disk). */
export function isPackagedDriver(name: string): boolean {
  return Object.hasOwn(DRIVER_PACKAGES, name);
}

/**
 * Imports the package of one cloud driver, only when the environment selects it, so the CLI
 * works with whichever driver packages are installed and never loads an SDK it does not use.
 * Throws CONFIG naming the package when it is missing or does not export the factory.
 */
export async function loadDriver(name: string, reason: string): Promise<EnvDriverFactory> {
  const entry = DRIVER_PACKAGES[name];
  if (!entry) throw configError(`There is no driver package for ${JSON.stringify(name)}.`);
  // A specifier in a variable: bundlers and the type checker leave the package optional.
  const specifier: string = entry.specifier;
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw configError(
      `The environment selects the ${name} driver (${reason}), but ${entry.specifier} could not be loaded: install it next to @stowage/cli (${detail}).`,
    );
  }
  const factory = loaded[entry.exportName];
  if (!isEnvDriverFactory(factory)) {
    throw configError(
      `${entry.specifier} does not export a ${entry.exportName} driver with fromEnv(); update @stowage/cli and ${entry.specifier} together.`,
    );
  }
  return factory;
}

function isEnvDriverFactory(value: unknown): value is EnvDriverFactory {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const candidate = value as { driverName?: unknown; fromEnv?: unknown };
  return typeof candidate.driverName === 'string' && typeof candidate.fromEnv === 'function';
}
