// The Next.js example in Chromium, on the disk driver and R2: `next build` once, then `next start`
// on a free port for each setting. The app imports the packages' built dist/: run `pnpm build` first (`pnpm test` does).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { cloudinary } from '@stowage/cloudinary';
import { type CloudinaryEmulator, startCloudinaryEmulator } from '@stowage/cloudinary/emulator';
import { createStorage, disk, storageFromEnv } from '@stowage/core';
import { r2 } from '@stowage/r2';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../../test-support/browser.js';
import * as check from '../../test-support/scenario.js';
import * as requests from '../../test-support/scenario-requests.js';
import * as tickets from '../../test-support/scenario-tickets.js';
import { r2Env } from '../../test-support/storage-env.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const nextBin = createRequire(join(appDir, 'package.json')).resolve('next/dist/bin/next');
const BUILD_TIMEOUT = 600_000; // a loaded 2-core machine needs 5 minutes
const START_TIMEOUT = 60_000;

let browser: Browser;
let dir: string;
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

const SECRETS = {
  STORAGE_SIGNING_SECRET: 'example-test-signing-secret-0123456789',
  TICKET_SIGNING_SECRET: 'example-test-ticket-secret-0123456789',
};
let baseEnv: NodeJS.ProcessEnv;
const servers: ChildProcess[] = [];

/** `next start` with `env` on a free port; waits for the first page unless `expectExit`. */
async function startNext(name: string, env: NodeJS.ProcessEnv, expectExit = false) {
  const port = await freePort();
  // Its own process group, so that the server and anything it forks are stopped together.
  const child = spawn(process.execPath, [nextBin, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: appDir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...baseEnv, DATA_DIR: join(dir, name, 'data'), ...env },
  });
  servers.push(child);
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  if (!expectExit) await waitForServer(`${baseUrl}/`, child);
  return { baseUrl, child };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  process.kill(-child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
  }, 5_000);
  await exited;
  clearTimeout(timer);
}

beforeAll(async () => {
  baseEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
  delete baseEnv.NODE_ENV; // vitest sets "test"; next sets its own
  try {
    await promisify(execFile)(process.execPath, [nextBin, 'build'], {
      cwd: appDir,
      env: baseEnv,
      timeout: BUILD_TIMEOUT,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`next build failed (did you run pnpm build?):\n${stdout}\n${stderr}`);
  }
  dir = await mkdtemp(join(tmpdir(), 'stowage-example-next-'));
  browser = await launchChromium();
}, BUILD_TIMEOUT + 30_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map(stop));
  if (dir) await rm(dir, { recursive: true, force: true });
});

afterEach(({ task }) => {
  // The server's log tells why a page showed "Something went wrong".
  if (task.result?.state === 'fail') console.error(`next start output:\n${output}`);
});

describe('Next.js example on the disk driver', () => {
  beforeAll(async () => {
    const mediaRoot = join(dir, 'media');
    const { baseUrl } = await startNext('disk', {
      ...SECRETS,
      STORAGE_DRIVER: 'disk',
      STORAGE_DISK_ROOT: mediaRoot,
      STORAGE_DISK_PERSISTENT: 'true',
    });
    // The test reads the same folder to check what the app stored.
    app = {
      name: 'next-disk',
      baseUrl,
      storage: createStorage(disk({ root: mediaRoot })),
      browser,
    };
  }, START_TIMEOUT);

  it('renders an avatar uploaded through the form', () => check.uploadAvatar(app));
  it('shows the default icon for no image and for a lost file', () => check.defaultIcons(app));
  it('refuses a non-image and an oversized image, storing nothing', () =>
    check.refusedUploads(app));
  it('deletes the old image on replace and the image on delete', () => check.replaceAndDelete(app));
  it('takes a direct upload straight to the storage', () => check.directUpload(app));
  it('issues a ticket with a QR code and a PDF; regenerates and deletes it', () =>
    check.tickets(app));
  it('issues a ticket for Łukasz Şule Ωμέγα Дмитрий, its files private behind signed links', () =>
    tickets.privateTickets(app));
  it('ignores X-Forwarded-* headers by default, and follows the Host', () =>
    tickets.proxyHeaders(app, false));
  it('issues a ticket for a 110-character buyer, title and venue in several scripts', () =>
    tickets.longNames(app));
  it('checks a ticket in from a photo of its QR code, once; refuses forged codes', () =>
    tickets.checkInFlow(app));
  it('fits every page on a 390 px screen (screenshots at desktop and 390 px)', () =>
    tickets.everyPage(app));
  it('leaves no trace of a refused ticket, and shows no message put in a link', () =>
    tickets.refusalsLeaveNoTrace(app));
  // Over plain HTTP, the same checks as the Express app's (examples/express/test/requests.test.ts).
  it('answers malformed and oversized bodies with 4xx', () => requests.clientErrors(app));
  it("carries back only the ticket form's own fields", () =>
    requests.ticketFormCarriesItsFieldsOnly(app));
  it('takes only plain whole numbers as ids', () => requests.strictIds(app));
  it('signs no customer-form message that quotes the sender', () =>
    requests.customerMessageQuotesNothing(app));
  it('builds URLs on a Host header only when it is a host and a port', () =>
    requests.checkedHost(app));
  it('sends no X-Powered-By', () => requests.noPoweredBy(app));
  it('says a ticket was regenerated only after a regeneration', () =>
    requests.regeneratedNoticeIsSigned(app));
  it('keeps names without control characters, as the PDF prints them', () =>
    requests.namesWithoutControlCharacters(app));
});

describe('Next.js example behind a proxy (TRUST_PROXY=true)', () => {
  let proxied: check.AppUnderTest;
  beforeAll(async () => {
    const mediaRoot = join(dir, 'proxy-media');
    const { baseUrl } = await startNext('proxy', {
      ...SECRETS,
      STORAGE_DISK_ROOT: mediaRoot,
      STORAGE_DISK_PERSISTENT: 'true',
      TRUST_PROXY: 'true',
    });
    proxied = {
      name: 'next-proxy',
      baseUrl,
      storage: createStorage(disk({ root: mediaRoot })),
      browser,
    };
  }, START_TIMEOUT);
  it('builds URLs from X-Forwarded-Proto and X-Forwarded-Host', () =>
    tickets.proxyHeaders(proxied, true));
});

describe('Next.js example on R2 with its documented defaults (media proxy on)', () => {
  let r2App: check.AppUnderTest;
  beforeAll(async () => {
    const s3 = inject('s3');
    const bucket = `example-next-r2-${Date.now().toString(36)}`;
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    client.destroy();
    const env = r2Env(bucket, s3);
    const { baseUrl } = await startNext('r2', { ...SECRETS, ...env });
    r2App = { name: 'next-r2', baseUrl, storage: storageFromEnv(env, { drivers: [r2] }), browser };
  }, START_TIMEOUT);
  it('renders an avatar uploaded through the form (200x200 through /media/_img)', () =>
    check.uploadAvatar(r2App));
  it('serves the stored originals through /media-proxy', () =>
    check.mediaProxyServesOriginals(r2App));
  it('issues a ticket for Łukasz Şule Ωμέγα Дмитрий, its files private behind signed links', () =>
    tickets.privateTickets(r2App));
});

describe('Next.js example on Cloudinary, chosen by the environment alone', () => {
  let cloudApp: check.AppUnderTest;
  let emu: CloudinaryEmulator;
  const opened: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    emu = await startCloudinaryEmulator({ cloudName: 'demo-next' });
    // No delivery type, no code edit: tickets still private (their own authenticated storage).
    const env = { CLOUDINARY_URL: emu.cloudinaryUrl, CLOUDINARY_DELIVERY_URL: emu.url };
    const { baseUrl } = await startNext('cloudinary', { ...SECRETS, ...env });
    const storage = storageFromEnv(env, { drivers: [cloudinary] });
    opened.push(storage);
    cloudApp = { name: 'next-cloudinary', baseUrl, storage, browser };
  }, START_TIMEOUT);
  afterAll(async () => {
    for (const storage of opened) await storage.close();
    await emu?.close();
  });
  it('renders an avatar uploaded through the form (a 200x200 CDN crop)', () =>
    check.uploadAvatar(cloudApp));
  it('serves ticket files only through their signed URLs, not the same asset unsigned', () =>
    tickets.cloudinaryTicketsPrivate(cloudApp, emu));
});

describe('Next.js example in production without its secrets', () => {
  it(
    'refuses to start, with the message the Express app gives',
    async () => {
      const before = output.length;
      const { child } = await startNext(
        'no-secrets',
        { NODE_ENV: 'production', STORAGE_DISK_ROOT: join(dir, 'no-secrets-media') },
        true,
      );
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).not.toBe(0);
      expect(output.slice(before)).toContain(
        'Configuration error: STORAGE_SIGNING_SECRET is not set: in production it must hold a long random string.',
      );
    },
    START_TIMEOUT,
  );
});
