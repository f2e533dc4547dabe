// The Express example as `pnpm start` builds it from .env, on a free port of 127.0.0.1: what the
// tests that talk to it (over HTTP or in Chromium) start.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Env, Storage } from '@stowage/core';
import { createApp } from '../src/app.js';
import { appOptionsFromEnv } from '../src/config.js';

export const SECRETS = {
  STORAGE_SIGNING_SECRET: 'example-test-signing-secret-0123456789',
  TICKET_SIGNING_SECRET: 'example-test-ticket-secret-0123456789',
};

export interface HttpApp {
  baseUrl: string;
  storage: Storage;
  server: Server;
}

/** Starts the app with SECRETS, its data in `dataDir`, and `env`; `onError` gets what it logs. */
export async function startHttpApp(
  dataDir: string,
  env: Env,
  onError: (error: unknown) => void = () => {},
): Promise<HttpApp> {
  const options = appOptionsFromEnv({ ...SECRETS, DATA_DIR: dataDir, ...env });
  const server = createApp({ ...options, onError }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, storage: options.storage, server };
}
