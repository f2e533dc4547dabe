// The Next.js example in Chromium, on the disk driver: `next build` once, then `next start` on a
// free port. The app imports the packages' built dist/: run `pnpm build` first (`pnpm test` does).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createStorage, disk } from '@stowage/core';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { launchChromium } from '../../test-support/browser.js';
import * as check from '../../test-support/scenario.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const nextBin = createRequire(join(appDir, 'package.json')).resolve('next/dist/bin/next');
const BUILD_TIMEOUT = 300_000;
const START_TIMEOUT = 60_000;

let browser: Browser;
let dir: string;
let server: ChildProcess | undefined;
let output = '';
let app: check.AppUnderTest;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function waitForServer(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`next start exited (${child.exitCode}):\n${output}`);
    const up = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`next start did not answer within ${START_TIMEOUT / 1000} s:\n${output}`);
}

beforeAll(
  async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
    delete env.NODE_ENV; // vitest sets "test"; next sets its own
    try {
      await promisify(execFile)(process.execPath, [nextBin, 'build'], {
        cwd: appDir,
        env,
        timeout: BUILD_TIMEOUT,
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`next build failed (did you run pnpm build?):\n${stdout}\n${stderr}`);
    }

    dir = await mkdtemp(join(tmpdir(), 'stowage-example-next-'));
    const mediaRoot = join(dir, 'media');
    const port = await freePort();
    // Its own process group, so that the server and anything it forks are stopped together.
    server = spawn(process.execPath, [nextBin, 'start', '-p', String(port), '-H', '127.0.0.1'], {
      cwd: appDir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...env,
        STORAGE_DRIVER: 'disk',
        STORAGE_DISK_ROOT: mediaRoot,
        STORAGE_DISK_PERSISTENT: 'true',
        DATA_DIR: join(dir, 'data'),
        STORAGE_SIGNING_SECRET: 'example-test-signing-secret-0123456789',
        TICKET_SIGNING_SECRET: 'example-test-ticket-secret-0123456789',
      },
    });
    server.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    server.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitForServer(`${baseUrl}/`, server);

    browser = await launchChromium();
    // The test reads the same folder to check what the app stored.
    app = {
      name: 'next-disk',
      baseUrl,
      storage: createStorage(disk({ root: mediaRoot })),
      browser,
    };
  },
  BUILD_TIMEOUT + START_TIMEOUT + 30_000,
);

afterAll(async () => {
  await browser?.close();
  if (server?.pid !== undefined && server.exitCode === null) {
    const exited = once(server, 'exit');
    process.kill(-server.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (server?.pid !== undefined && server.exitCode === null)
        process.kill(-server.pid, 'SIGKILL');
    }, 5_000);
    await exited;
    clearTimeout(timer);
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

afterEach(({ task }) => {
  // The server's log tells why a page showed "Something went wrong".
  if (task.result?.state === 'fail') console.error(`next start output:\n${output}`);
});

describe('Next.js example on the disk driver', () => {
  it('renders an avatar uploaded through the form', () => check.uploadAvatar(app));
  it('shows the default icon for no image and for a lost file', () => check.defaultIcons(app));
  it('refuses a non-image and an oversized image, storing nothing', () =>
    check.refusedUploads(app));
  it('deletes the old image on replace and the image on delete', () => check.replaceAndDelete(app));
  it('takes a direct upload straight to the storage', () => check.directUpload(app));
  it('issues a ticket with a QR code and a PDF; regenerates and deletes it', () =>
    check.tickets(app));
});
