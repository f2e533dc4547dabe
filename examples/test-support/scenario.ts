// The browser checks both example apps pass, on any storage: they have the same pages and API.
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { screenshot } from './browser.js';
import { gradientPng, oversizedPng } from './images.js';

/** What the checks need of a `Storage` (from `@stowage/core`). */
export interface StorageView {
  listAll(prefix?: string): AsyncIterable<{ key: string }>;
  exists(key: string): Promise<boolean>;
  deletePrefix(prefix: string): Promise<unknown>;
}

export interface AppUnderTest {
  /** Used in screenshot names, e.g. `express-disk`. */
  name: string;
  baseUrl: string;
  /** The storage the app keeps its files in, to check what it stored. */
  storage: StorageView;
  browser: Browser;
}

const DEFAULT_AVATAR = '/default-avatar.svg';

async function withPage<T>(app: AppUnderTest, run: (page: Page) => Promise<T>): Promise<T> {
  const context = await app.browser.newContext({ baseURL: app.baseUrl });
  const page = await context.newPage();
  page.on('dialog', (dialog) => void dialog.accept()); // "Delete this customer?"
  try {
    return await run(page);
  } finally {
    await context.close();
  }
}

export async function storedKeys(storage: StorageView, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of storage.listAll(prefix)) keys.push(object.key);
  return keys.sort();
}

/** Clicks a submit button and waits for the page it leads to. */
async function submit(page: Page, selector: string): Promise<void> {
  // The next document's load event (the URL may stay the same: a POST redirected back).
  const loaded = page.waitForEvent('load');
  await page.click(selector);
  await loaded;
}

interface Upload {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

async function fillCustomer(page: Page, name: string, image?: Upload): Promise<void> {
  await page.fill('input[name=name]', name);
  await page.fill('input[name=email]', `${name.toLowerCase().replace(/\W+/g, '.')}@example.com`);
  if (image) await page.setInputFiles('input[name=image]', image);
}

async function createCustomer(page: Page, name: string, image?: Upload): Promise<void> {
  await page.goto('/customers/new');
  await fillCustomer(page, name, image);
  await submit(page, 'form[enctype="multipart/form-data"] button[type=submit]');
}

function row(page: Page, name: string) {
  return page.locator('table.customers tbody tr', { hasText: name });
}

async function customerId(page: Page, name: string): Promise<string> {
  await page.goto('/');
  const id = await row(page, name).getAttribute('data-customer-id');
  expect(id, `customer ${name} is listed`).toMatch(/^\d+$/);
  return id!;
}

/**
 * Waits until the image shows what is expected (`image`: a stored image, not the default icon;
 * `default`: the default icon) and says what it shows.
 */
async function imageState(page: Page, selector: string, want: 'image' | 'default') {
  const image = page.locator(selector);
  const state = () =>
    image.evaluate((el) => {
      const img = el as HTMLImageElement;
      return {
        src: img.currentSrc,
        complete: img.complete,
        naturalWidth: img.naturalWidth,
        naturalHeight: img.naturalHeight,
      };
    });
  const shows = (s: Awaited<ReturnType<typeof state>>) =>
    s.complete && s.naturalWidth > 0 && s.src.endsWith(DEFAULT_AVATAR) === (want === 'default');
  const deadline = Date.now() + 10_000;
  let last = await state();
  while (!shows(last)) {
    if (Date.now() > deadline) {
      throw new Error(`${selector} should show ${want}, shows ${JSON.stringify(last)}`);
    }
    await page.waitForTimeout(100);
    last = await state();
  }
  return last;
}

const png = (name: string, size?: number): Upload => ({
  name,
  mimeType: 'image/png',
  buffer: gradientPng(size),
});

/** An avatar uploaded through the form is stored and rendered in the list. */
export async function uploadAvatar(app: AppUnderTest): Promise<void> {
  await withPage(app, async (page) => {
    await createCustomer(page, 'Ada Lovelace', png('ada.png'));
    expect(new URL(page.url()).pathname).toBe('/');
    const id = await customerId(page, 'Ada Lovelace');
    const avatar = await imageState(page, `tr[data-customer-id="${id}"] img.avatar`, 'image');
    // A 200x200 crop (url(key, { transform })) of the 96 px original, on every driver.
    expect(avatar).toMatchObject({ naturalWidth: 200, naturalHeight: 200 });
    const keys = await storedKeys(app.storage, `avatars/${id}/`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/\.png$/);
  });
}

/** No image, or an image lost from the storage: the default icon. */
export async function defaultIcons(app: AppUnderTest): Promise<void> {
  const ids = await withPage(app, async (page) => {
    await createCustomer(page, 'Nobody Noimage');
    await createCustomer(page, 'Lost File', png('lost.png'));
    return {
      none: await customerId(page, 'Nobody Noimage'),
      lost: await customerId(page, 'Lost File'),
    };
  });
  // The file disappears behind the app's back, as on an ephemeral disk after a redeploy.
  await app.storage.deletePrefix(`avatars/${ids.lost}/`);
  // A new browser context: the image is not in its cache.
  await withPage(app, async (page) => {
    await page.goto('/');
    const none = await imageState(page, `${rowSelector(ids.none)} img.avatar`, 'default');
    const lost = await imageState(page, `${rowSelector(ids.lost)} img.avatar`, 'default');
    expect(none.naturalWidth).toBeGreaterThan(0);
    expect(lost.naturalWidth).toBeGreaterThan(0);
    await screenshot(page, `${app.name}-customers`);
  });
}

function rowSelector(id: string): string {
  return `tr[data-customer-id="${id}"]`;
}

/** A non-image and an oversized image are refused with a message, and nothing is stored. */
export async function refusedUploads(app: AppUnderTest): Promise<void> {
  await withPage(app, async (page) => {
    const before = await storedKeys(app.storage, 'avatars/');
    await page.goto('/customers/new');
    await fillCustomer(page, 'Text File', {
      name: 'resume.png', // the name lies: the bytes decide
      mimeType: 'image/png',
      buffer: Buffer.from('Not an image at all, just text.\n'),
    });
    await submit(page, 'form[enctype="multipart/form-data"] button[type=submit]');
    await expect
      .poll(() => page.locator('.error[role=alert]').textContent())
      .toContain('not an image');
    // What was typed is still there.
    expect(await page.inputValue('input[name=name]')).toBe('Text File');

    await page.goto('/customers/new');
    await fillCustomer(page, 'Huge Image', {
      name: 'huge.png',
      mimeType: 'image/png',
      buffer: oversizedPng(),
    });
    await submit(page, 'form[enctype="multipart/form-data"] button[type=submit]');
    await expect
      .poll(() => page.locator('.error[role=alert]').textContent())
      .toContain('The image is larger than 5 MiB');
    await screenshot(page, `${app.name}-too-large`);

    // A TIFF is an image, but not one the form offers (PNG, JPEG, GIF or WebP): refused too.
    await page.goto('/customers/new');
    await fillCustomer(page, 'Tiff Image', {
      name: 'scan.tif',
      mimeType: 'image/tiff',
      buffer: Buffer.from('49492a000800000000000000000000000000', 'hex'),
    });
    await submit(page, 'form[enctype="multipart/form-data"] button[type=submit]');
    await expect
      .poll(() => page.locator('.error[role=alert]').textContent())
      .toContain('Choose a PNG, JPEG, GIF or WebP image');
    // The refused form is shown at its own address: a reload does not post it again.
    expect(new URL(page.url()).pathname).toBe('/customers/new');

    expect(await storedKeys(app.storage, 'avatars/')).toEqual(before);
    await page.goto('/');
    expect(await page.locator('table.customers').textContent()).not.toMatch(
      /Text File|Huge Image|Tiff Image/,
    );
  });
}

/** Replacing an image deletes the old file; deleting the customer deletes the image. */
export async function replaceAndDelete(app: AppUnderTest): Promise<void> {
  await withPage(app, async (page) => {
    await createCustomer(page, 'Grace Hopper', png('grace.png'));
    const id = await customerId(page, 'Grace Hopper');
    const [first] = await storedKeys(app.storage, `avatars/${id}/`);
    expect(first).toBeDefined();

    await page.goto(`/customers/${id}/edit`);
    await page.setInputFiles('input[name=image]', png('grace-2.png', 64));
    await submit(page, 'form[enctype="multipart/form-data"] button[type=submit]');
    const after = await storedKeys(app.storage, `avatars/${id}/`);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(first);

    await page.goto('/');
    await submit(page, `${rowSelector(id)} button[type=submit]`);
    expect(await page.locator(rowSelector(id)).count()).toBe(0);
    expect(await storedKeys(app.storage, `avatars/${id}/`)).toEqual([]);
  });
}

/** The second upload path: the browser sends the file straight to the storage. */
export async function directUpload(app: AppUnderTest): Promise<void> {
  await withPage(app, async (page) => {
    await createCustomer(page, 'Direct Upload');
    const id = await customerId(page, 'Direct Upload');
    await page.goto(`/customers/${id}/edit`);
    await page.setInputFiles('#direct-file', png('direct.png', 120));
    await page.click('#direct-send');
    await expect
      .poll(() => page.locator('#direct-status').textContent(), { timeout: 15_000 })
      .toMatch(/^(Uploaded\.|.*(error|refused|HTTP).*)$/i);
    expect(await page.locator('#direct-status').textContent()).toBe('Uploaded.');
    const avatar = await imageState(page, '.current img.avatar', 'image');
    expect(avatar).toMatchObject({ naturalWidth: 200, naturalHeight: 200 });
    await screenshot(page, `${app.name}-direct-upload`);
    expect(await storedKeys(app.storage, `avatars/${id}/`)).toHaveLength(1);

    // A file that is not an image is deleted again after the direct upload.
    const refused = await page.evaluate(async (customerId) => {
      const post = (url: string, body: unknown) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const { key, upload } = await (
        await post('/api/uploads', { customerId, contentType: 'image/png', size: 20 })
      ).json();
      const file = new Blob(['definitely not a png'], { type: 'image/png' });
      if (upload.method === 'PUT') {
        await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: file });
      } else {
        const form = new FormData();
        for (const [name, value] of Object.entries(upload.fields as Record<string, string>)) {
          form.append(name, value);
        }
        form.append('file', file);
        await fetch(upload.url, { method: 'POST', body: form });
      }
      const answer = await post(`/api/customers/${customerId}/image`, { key });
      return { status: answer.status, body: await answer.json(), key: key as string };
    }, id);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain('not an image');
    expect(await app.storage.exists(refused.key)).toBe(false);
  });
}

/** A ticket: its QR code renders, its PDF downloads; regenerate and delete through the API. */
export async function tickets(app: AppUnderTest): Promise<void> {
  await withPage(app, async (page) => {
    await page.goto('/tickets');
    await page.fill('input[name=event_title]', 'Stowage Launch Night');
    await page.fill('input[name=event_date]', '2026-06-14T19:30');
    await page.fill('input[name=venue]', 'The Old Warehouse');
    await page.fill('input[name=buyer_name]', 'Ada Lovelace');
    await page.fill('input[name=quantity]', '2');
    await submit(page, 'form[action="/api/tickets"] button[type=submit]');
    const id = /\/tickets\/(\d+)$/.exec(new URL(page.url()).pathname)?.[1];
    expect(id, `ticket page URL, got ${page.url()}`).toBeDefined();

    const qr = await imageState(page, 'img.qr', 'image');
    expect(qr.naturalWidth).toBeGreaterThan(100);
    const pdfHref = await page.locator('a.pdf').getAttribute('href');
    const pdf = await page.request.get(new URL(pdfHref!, page.url()).href);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toMatch(/^application\/pdf/);
    expect((await pdf.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await screenshot(page, `${app.name}-ticket`);

    const api = page.request;
    const got = await api.get(`/api/events/ticket/${id}`);
    expect(got.status()).toBe(200);
    const ticket = await got.json();
    expect(ticket).toMatchObject({
      ticket_id: Number(id),
      buyer_name: 'Ada Lovelace',
      quantity: 2,
    });
    expect(ticket.event_id).toEqual(expect.any(Number));
    expect(ticket.qr_code_url).toMatch(/^https?:\/\//);
    expect(ticket.pdf_ticket_url).toMatch(/^https?:\/\//);
    const qrFile = await api.get(ticket.qr_code_url);
    expect(qrFile.headers()['content-type']).toBe('image/png');
    const keys = [ticket.qr_code_key as string, ticket.pdf_key as string];
    for (const key of keys) expect(await app.storage.exists(key)).toBe(true);

    // The regenerate button, then the API.
    await submit(page, 'form[action$="/regenerate"] button[type=submit]');
    expect(await page.locator('.notice').textContent()).toContain('regenerated');
    const regenerated = await api.post(`/api/events/regenerate/${id}`);
    expect(regenerated.status()).toBe(200);
    expect(await regenerated.json()).toMatchObject({ ticket_id: Number(id) });
    for (const key of keys) expect(await app.storage.exists(key)).toBe(true);

    const deleted = await api.delete(`/api/events/ticket/${id}`);
    expect(deleted.status()).toBe(200);
    for (const key of keys) expect(await app.storage.exists(key)).toBe(false);
    expect((await api.get(`/api/events/ticket/${id}`)).status()).toBe(404);
    expect((await api.get(ticket.qr_code_url)).ok()).toBe(false);
    expect((await api.post(`/api/events/regenerate/${id}`)).status()).toBe(404);
  });
}

/**
 * R2's media proxy: the originals the app stored answer at `/media-proxy/<key>` (the storage's own
 * URLs), besides the resized avatars under /media/_img.
 */
export async function mediaProxyServesOriginals(app: AppUnderTest): Promise<void> {
  const keys = await storedKeys(app.storage, 'avatars/');
  expect(keys.length).toBeGreaterThan(0);
  for (const key of keys) {
    const response = await fetch(`${app.baseUrl}/media-proxy/${key}`);
    expect(response.status, key).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
  }
}
