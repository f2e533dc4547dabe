import { type Env, type Storage, selectDriver } from '@stowage/core';
import type { WebHandler } from '@stowage/core/http';
import { settingsFromEnv } from '@stowage/example-shared/config';
import type { UrlMode } from '@stowage/example-shared/media';
import { JsonStore } from '@stowage/example-shared/store';
import { ticketService } from '@stowage/example-shared/tickets';
import type { TicketService } from '@stowage/tickets';

export interface AppContext {
  /** The storage, with image transforms (avatars through `url(key, { transform })`). */
  storage: Storage;
  /** Serves the transform URLs at /media/_img. */
  imagesHandler: WebHandler;
  store: JsonStore;
  tickets: TicketService;
  urls: UrlMode;
  /** The disk driver's signing secret (STORAGE_SIGNING_SECRET), for /media. */
  signingSecret: string | undefined;
  /** Where the storage's URLs point in this app besides /media (R2's media proxy), if anywhere. */
  mediaProxyPath: string | undefined;
  /** TRUST_PROXY=true: absolute URLs follow X-Forwarded-Proto and X-Forwarded-Host. */
  trustProxy: boolean;
  /** Signs the messages a refused form carries in the URL of the page it goes back to. */
  messageSecret: string;
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

/** The context from the environment (`.env`; see `.env.example`). */
export function contextFromEnv(env: Env): AppContext {
  const settings = settingsFromEnv(env);
  const { storage } = settings;
  return {
    storage,
    imagesHandler: settings.imagesHandler,
    store: new JsonStore(settings.dataDir),
    tickets: ticketService(settings.ticketStorage, settings.ticketSigningSecret),
    urls: settings.urls,
    signingSecret: settings.signingSecret,
    mediaProxyPath: settings.mediaProxyPath,
    trustProxy: settings.trustProxy,
    messageSecret: settings.ticketSigningSecret,
  };
}
