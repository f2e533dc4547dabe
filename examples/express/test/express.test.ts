import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudinaryEmulator, startCloudinaryEmulator } from '@stowage/cloudinary/emulator';
import { createStorage, type Env, memory, type Storage } from '@stowage/core';
import { createQrMatrix, createTicketService } from '@stowage/tickets';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot } from '../../test-support/browser.js';
import { writeQrVideo } from '../../test-support/camera.js';
import * as check from '../../test-support/scenario.js';
import * as tickets from '../../test-support/scenario-tickets.js';
import { r2Env, s3Env } from '../../test-support/storage-env.js';
import { createBucket, SECRETS, startHttpApp } from './http-app.js';

let browser: Browser;
let dir: string;

beforeAll(async () => {
  browser = await launchChromium();
  dir = await mkdtemp(join(tmpdir(), 'stowage-example-express-'));
});

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The app as `pnpm start` builds it from .env, on a free port. */
async function startApp(
  name: string,
  env: Env,
): Promise<check.AppUnderTest & { server: Server; storage: Storage }> {
  const app = await startHttpApp(join(dir, name, 'data'), env);
  return { ...app, name, browser };
}

async function withNewPage<T>(app: check.AppUnderTest, run: (page: Page) => Promise<T>) {
  const context = await app.browser.newContext({ baseURL: app.baseUrl });
  try {
    return await run(await context.newPage());
  } finally {
    await context.close();
  }
}

function browserChecks(getApp: () => check.AppUnderTest) {
  it('renders an avatar uploaded through the form', () => check.uploadAvatar(getApp()));
  it('shows the default icon for no image and for a lost file', () => check.defaultIcons(getApp()));
  it('refuses a non-image and an oversized image, storing nothing', () =>
    check.refusedUploads(getApp()));
  it('deletes the old image on replace and the image on delete', () =>
    check.replaceAndDelete(getApp()));
  it('takes a direct upload straight to the storage', () => check.directUpload(getApp()));
  it('issues a ticket with a QR code and a PDF; regenerates and deletes it', () =>
    check.tickets(getApp()));
  it('issues a ticket for Łukasz Şule Ωμέγα Дмитрий, its files private behind signed links', () =>
    tickets.privateTickets(getApp()));
  it('issues a ticket for a 110-character buyer, title and venue in several scripts', () =>
    tickets.longNames(getApp()));
  it('checks a ticket in from a photo of its QR code, once; refuses forged codes', () =>
    tickets.checkInFlow(getApp()));
  it('fits every page on a 390 px screen (screenshots at desktop and 390 px)', () =>
    tickets.everyPage(getApp()));
  it('leaves no trace of a refused ticket, and shows no message put in a link', () =>
    tickets.refusalsLeaveNoTrace(getApp()));
}

describe('Express example on the disk driver', () => {
  let app: Awaited<ReturnType<typeof startApp>>;
  beforeAll(async () => {
    app = await startApp('express-disk', { STORAGE_DISK_ROOT: join(dir, 'disk', 'media') });
  });
  afterAll(() => app?.server.close());
  browserChecks(() => app);
  it('ignores X-Forwarded-* headers by default, and follows the Host', () =>
    tickets.proxyHeaders(app, false));

  it('checks a ticket in with the camera (getUserMedia, a video of its QR code)', async () => {
    const id = await withNewPage(app, (page) => tickets.issueTicket(page, 'Katherine Johnson'));
    const json = await (await fetch(`${app.baseUrl}/api/events/ticket/${id}`)).json();
    // The payload the app signed, made again with the same secret, filmed by a fake camera.
    const { payload } = await createTicketService({
      storage: createStorage(memory()),
      signingSecret: SECRETS.TICKET_SIGNING_SECRET,
    }).render({
      ticketId: json.ticket_id,
      eventId: json.event_id,
      eventTitle: 'x',
      eventDate: '2026-01-01',
      buyerName: 'x',
      quantity: 1,
    });
    const video = join(dir, 'qr-camera.y4m');
    await writeQrVideo(video, createQrMatrix(payload));
    const filming = await launchChromium([
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
    ]);
    try {
      const context = await filming.newContext({ baseURL: app.baseUrl });
      const page = await context.newPage();
      await page.goto('/check-in');
      await page.click('#start-camera');
      await page.waitForURL(/\/check-in\?result=admitted/, { timeout: 30_000 });
      expect(await page.locator('.check-in-result').textContent()).toContain('Katherine Johnson');
      await screenshot(page, 'express-disk-check-in-camera');
    } finally {
      await filming.close();
    }
  });
});

describe('Express example behind a proxy (TRUST_PROXY=true)', () => {
  let app: Awaited<ReturnType<typeof startApp>>;
  beforeAll(async () => {
    app = await startApp('express-proxy', {
      STORAGE_DISK_ROOT: join(dir, 'proxy', 'media'),
      TRUST_PROXY: 'true',
    });
  });
  afterAll(() => app?.server.close());
  it('builds URLs from X-Forwarded-Proto and X-Forwarded-Host', () =>
    tickets.proxyHeaders(app, true));
});

describe('Express example on R2 with its documented defaults (media proxy on)', () => {
  let app: Awaited<ReturnType<typeof startApp>>;
  beforeAll(async () => {
    const { bucket, s3 } = await createBucket('example-express-r2');
    // Only the environment changes: no code edit selects R2.
    app = await startApp('express-r2', r2Env(bucket, s3));
  });
  afterAll(() => app?.server.close());
  it('renders an avatar uploaded through the form (200x200 through /media/_img)', () =>
    check.uploadAvatar(app));
  it('serves the stored originals through /media-proxy', () =>
    check.mediaProxyServesOriginals(app));
  it('issues a ticket for Łukasz Şule Ωμέγα Дмитрий, its files private behind signed links', () =>
    tickets.privateTickets(app));
});

describe('Express example on S3', () => {
  let app: Awaited<ReturnType<typeof startApp>>;
  beforeAll(async () => {
    const { bucket, s3 } = await createBucket('example-express');
    app = await startApp('express-s3', s3Env(bucket, s3));
  });
  afterAll(() => app?.server.close());
  browserChecks(() => app);
});

describe('Express example on Cloudinary, chosen by the environment alone', () => {
  let app: Awaited<ReturnType<typeof startApp>>;
  let emu: CloudinaryEmulator;
  beforeAll(async () => {
    emu = await startCloudinaryEmulator({ cloudName: 'demo-express' });
    // What a user sets to move the demo to Cloudinary: no delivery type, no code edit.
    app = await startApp('express-cloudinary', {
      CLOUDINARY_URL: emu.cloudinaryUrl,
      CLOUDINARY_DELIVERY_URL: emu.url,
    });
  });
  afterAll(async () => {
    app?.server.close();
    await app?.storage.close();
    await emu?.close();
  });
  it('renders an avatar uploaded through the form (public CDN URL)', () => check.uploadAvatar(app));
  it('issues a ticket for Łukasz Şule Ωμέγα Дмитрий, its files private behind signed links', () =>
    tickets.privateTickets(app));
  it('serves ticket files only through their signed URLs, not the same asset unsigned', () =>
    tickets.cloudinaryTicketsPrivate(app, emu));
});
