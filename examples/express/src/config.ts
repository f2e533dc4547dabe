import type { Env } from '@stowage/core';
import { settingsFromEnv } from '@stowage/example-shared/config';

export { describeConfigError } from '@stowage/example-shared/config';

import type { CreateAppOptions } from './app.js';

/** The app's options from the environment (`.env`); see `.env.example`. */
export function appOptionsFromEnv(env: Env = process.env): CreateAppOptions {
  const settings = settingsFromEnv(env);
  return {
    storage: settings.storage,
    imagesHandler: settings.imagesHandler,
    ticketStorage: settings.ticketStorage,
    dataDir: settings.dataDir,
    ticketSigningSecret: settings.ticketSigningSecret,
    signingSecret: settings.signingSecret,
    urls: settings.urls,
    mediaPath: mediaPath(env.STORAGE_PUBLIC_BASE_URL),
    mediaProxyPath: settings.mediaProxyPath,
    trustProxy: settings.trustProxy,
  };
}

/** The path the disk driver's files are served under: STORAGE_PUBLIC_BASE_URL's path. */
function mediaPath(publicBaseUrl: string | undefined): string {
  const base = publicBaseUrl?.trim() || '/media';
  const path = base.startsWith('/') ? base : new URL(base).pathname;
  return path.replace(/\/+$/, '') || '/media';
}
