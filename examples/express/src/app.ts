import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Storage } from '@stowage/core';
import { toNodeHandler, type WebHandler } from '@stowage/core/http';
import { IMAGES_PATH, isPrivateKey } from '@stowage/example-shared/config';
import type { UrlMode } from '@stowage/example-shared/media';
import { JsonStore } from '@stowage/example-shared/store';
import { ticketService } from '@stowage/example-shared/tickets';
import express, { type ErrorRequestHandler, type Express } from 'express';
import { checkInRoutes } from './routes/check-in.js';
import { customerRoutes } from './routes/customers.js';
import { mediaRoute } from './routes/media.js';
import { ticketRoutes } from './routes/tickets.js';

export interface CreateAppOptions {
  storage: Storage;
  /**
   * Serves the storage's image transform URLs (avatars at 200x200) at /media/_img: `handler` of
   * `imageTransforms()` from `@stowage/images`, made with the same storage.
   */
  imagesHandler?: WebHandler;
  /** Where ticket files go (default `storage`); see the shared Settings.ticketStorage. */
  ticketStorage?: Storage;
  /** Folder of the JSON data file (customers, events, tickets). */
  dataDir: string;
  /** HMAC secret of the tickets' QR codes (TICKET_SIGNING_SECRET). */
  ticketSigningSecret: string;
  /**
   * Secret of the disk driver's signed URLs and uploads (STORAGE_SIGNING_SECRET): the same one
   * the storage was made with. Without it /media serves public files only and takes no uploads.
   */
  signingSecret?: string;
  /** How pages link to files (default: public URLs when the storage has them, else signed). */
  urls?: UrlMode;
  /** Where the disk driver's files are served (STORAGE_PUBLIC_BASE_URL's path; default /media). */
  mediaPath?: string;
  /** Also serve the storage at this path (R2's media proxy: /media-proxy), ticket files excepted. */
  mediaProxyPath?: string;
  /** Trust X-Forwarded-Proto and X-Forwarded-Host (TRUST_PROXY=true, behind a PaaS router). */
  trustProxy?: boolean;
  /** Errors the user is not shown the details of (default: console.error). */
  onError?: (error: unknown) => void;
}

const publicDir = fileURLToPath(new URL('../public', import.meta.url));
// Shared with the Next.js example: examples/shared.
const shared = (name: string) =>
  createRequire(import.meta.url).resolve(`@stowage/example-shared/${name}`);
const sharedFiles = {
  '/style.css': shared('style.css'),
  '/direct-upload-client.js': shared('direct-upload'),
  '/check-in-client.js': shared('check-in-client'),
  // jsQR's browser build (window.jsQR), for the check-in page.
  // (In pnpm's node_modules/.pnpm: hence dotfiles: 'allow' below.)
  '/jsqr.js': createRequire(shared('check-in-client')).resolve('jsqr'),
};

/** The demo app. Listen with `createApp(options).listen(port)`. */
export function createApp(options: CreateAppOptions): Express {
  const { storage } = options;
  const onError = options.onError ?? ((error: unknown) => console.error(error));
  const urls = options.urls ?? (storage.capabilities.publicUrl ? 'public' : 'signed');
  const store = new JsonStore(options.dataDir);
  const tickets = ticketService(options.ticketStorage ?? storage, options.ticketSigningSecret);

  const app = express();
  app.disable('x-powered-by');
  // Off by default: a client could set these headers on an app it reaches directly.
  app.set('trust proxy', options.trustProxy === true);
  app.use(express.static(publicDir, { maxAge: '1h' }));
  for (const [path, file] of Object.entries(sharedFiles)) {
    app.get(path, (_req, res) => res.sendFile(file, { maxAge: '1h', dotfiles: 'allow' }));
  }

  // Resized avatars; before /media, which would take /media/_img/... for a file's key.
  if (options.imagesHandler) app.use(IMAGES_PATH, toNodeHandler(options.imagesHandler));
  // The disk driver's URLs point at the app itself.
  if (storage.driver === 'disk') {
    const path = options.mediaPath ?? '/media';
    app.use(path, mediaRoute(storage, path, options.signingSecret, onError));
  }
  if (options.mediaProxyPath) {
    const path = options.mediaProxyPath;
    app.use(path, mediaRoute(storage, path, undefined, onError, { privateKeys: isPrivateKey }));
  }

  app.use(
    customerRoutes({ store, storage, urls, onError, messageSecret: options.ticketSigningSecret }),
  );
  app.use(ticketRoutes({ store, storage, tickets, urls }, onError, options.ticketSigningSecret));
  app.use(checkInRoutes({ store, storage, tickets, urls }, options.ticketSigningSecret));

  const errorHandler: ErrorRequestHandler = (error, _req, res, _next) => {
    const status = clientErrorStatus(error);
    // The client's mistake (malformed JSON, a body over its limit): said to the client, not logged.
    if (status === undefined) onError(error);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (status === undefined) res.status(500).type('text').send('Something went wrong.\n');
    else
      res
        .status(status)
        .type('text')
        .send(`${CLIENT_ERRORS[status] ?? 'Bad request.'}\n`);
  };
  app.use(errorHandler);
  return app;
}

const CLIENT_ERRORS: Record<number, string> = {
  400: 'Bad request: the body is not valid JSON or form data.',
  413: 'The request body is too large.',
  415: 'Unsupported body encoding.',
};

/**
 * The 4xx status of an error Express's body parsers raise for the request itself (their errors
 * carry `status` and `expose: true`: body-parser's README, "Errors"); undefined for anything else.
 */
function clientErrorStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  return expose === true && typeof status === 'number' && status >= 400 && status < 500
    ? status
    : undefined;
}
