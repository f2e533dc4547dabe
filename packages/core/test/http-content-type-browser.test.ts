import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage, disk, type Storage } from '@stowage/core';
import { createFileHandler, createUploadHandler } from '@stowage/core/http';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { route, startServer, type TestServer } from './http-test-server.js';

/**
 * The stored-XSS attack in a real browser: an HTML file uploaded with
 * `Content-Type: image/png, text/html` through a direct upload signed without a type, then
 * opened from the app's origin. Chromium uses the last type of a list: if it were served as
 * sent, the script would run with the app's cookie.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SECRET = 'browser-xss-test-secret';
const HTML =
  '<html><body><script>document.title = "pwned:" + document.cookie</script></body></html>';

let root: string;
let storage: Storage;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'stowage-xss-'));
  storage = createStorage(
    disk({ root, publicBaseUrl: '/media', uploadBaseUrl: '/uploads', signingSecret: SECRET }),
  );
  server = await startServer(
    route({
      '/app': async () =>
        new Response('<title>app</title>', {
          headers: { 'Content-Type': 'text/html', 'Set-Cookie': 'session=secret-session; Path=/' },
        }),
      '/media': createFileHandler(storage, { basePath: '/media', signingSecret: SECRET }),
      '/uploads': createUploadHandler(storage, {
        basePath: '/uploads',
        signingSecret: SECRET,
        maxSize: 64 * 1024,
        putOptions: { visibility: 'public' },
      }),
    }),
  );
  if (!existsSync(CHROMIUM)) return; // installed by scripts/setup.sh; the cases below skip
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

describe.runIf(existsSync(CHROMIUM))('a Content-Type list in Chromium', () => {
  it.each(['avatars/42', 'avatars/43.png', 'avatars/44.html'])(
    'HTML uploaded to %s never runs on the app origin',
    async (key) => {
      const upload = await storage.signedUpload(key, { expiresIn: 60, maxSize: 4096 });
      const res = await fetch(`${server.origin}${upload.url}`, {
        method: upload.method,
        headers: { 'Content-Type': 'image/png, text/html' },
        body: HTML,
      });
      expect(res.status).toBe(201);

      const context = await browser.newContext({ acceptDownloads: true });
      try {
        const page = await context.newPage();
        await page.goto(`${server.origin}/app`);
        expect(await page.title()).toBe('app');
        // A download aborts the navigation; anything shown inline has loaded when goto returns.
        await page.goto(`${server.origin}/media/${key}`).catch(() => undefined);
        expect(await page.title()).not.toMatch(/pwned/);
      } finally {
        await context.close();
      }
    },
  );
});
