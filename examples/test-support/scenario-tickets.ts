// Ticket checks both example apps pass: names in any script, private files, the check-in page,
// URLs behind a proxy.
import { request } from 'node:http';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { screenshot } from './browser.js';
import type { AppUnderTest } from './scenario.js';

async function withPage<T>(app: AppUnderTest, run: (page: Page) => Promise<T>): Promise<T> {
  const context = await app.browser.newContext({ baseURL: app.baseUrl });
  const page = await context.newPage();
  try {
    return await run(page);
  } finally {
    await context.close();
  }
}

async function submit(page: Page, selector: string): Promise<void> {
  const loaded = page.waitForEvent('load');
  await page.click(selector);
  await loaded;
}

export const UNICODE_NAME = 'Łukasz Şule Ωμέγα Дмитрий';

/** Issues a ticket through the form; returns its id. */
export async function issueTicket(page: Page, buyer: string, venue = 'Hala Stulecia, Łódź') {
  await page.goto('/tickets');
  await page.fill('input[name=event_title]', 'Noc Muzeów');
  await page.fill('input[name=event_date]', '2026-05-16T19:00');
  await page.fill('input[name=venue]', venue);
  await page.fill('input[name=buyer_name]', buyer);
  await page.fill('input[name=quantity]', '1');
  await submit(page, 'form[action="/api/tickets"] button[type=submit]');
  const id = /\/tickets\/(\d+)$/.exec(new URL(page.url()).pathname)?.[1];
  expect(id, `ticket page URL, got ${page.url()}: ${await page.textContent('main')}`).toBeDefined();
  return id as string;
}

/**
 * A ticket for a name in Polish, Turkish, Greek and Russian is issued; its files are linked
 * through signed URLs that work, and their plain (guessable) URLs answer no file.
 */
export async function privateTickets(app: AppUnderTest): Promise<void> {
  await withPage(app, async (page) => {
    const id = await issueTicket(page, UNICODE_NAME);
    expect(await page.textContent('main')).toContain(UNICODE_NAME);
    await screenshot(page, `${app.name}-ticket-unicode`);
    const api = await (await page.request.get(`/api/events/ticket/${id}`)).json();
    for (const key of [api.qr_code_key, api.pdf_key] as string[]) {
      for (const path of ['/media/', '/media-proxy/']) {
        const plain = await page.request.get(`${path}${key}`);
        expect(plain.ok(), `${path}${key} must not serve a ticket file`).toBe(false);
      }
    }
    for (const url of [api.qr_code_url, api.pdf_ticket_url] as string[]) {
      const file = await page.request.get(url);
      expect(file.status(), url).toBe(200);
    }
    const qrSrc = await page.locator('img.qr').getAttribute('src');
    const pdfHref = await page.locator('a.pdf').getAttribute('href');
    for (const link of [qrSrc, pdfHref]) {
      expect(link, 'a signed link').toMatch(/[?&](signature|sig|X-Amz-Signature|s)=|\/s--/i);
    }
  });
}

/** 110 characters: a long name of several parts and scripts, as a sale may bring. */
export const LONG_NAME =
  'Maria Aleksandra Konstancja Wiśniewska-Łukasiewicz Şule Ωμέγα Дмитриевна von Hohenzollern-Sigmaringen y Borbón';
export const LONG_TITLE =
  'Międzynarodowy Festiwal Muzyki Kameralnej Poezji i Dobrego Jedzenia: Ωδείο Αθηνών και Большой зал, edycja 2026';
export const LONG_VENUE =
  'Hala Stulecia (Jahrhunderthalle), ulica Wystawowa 1, 51-618 Wrocław, Dolnośląskie, Rzeczpospolita Polska, (UE)';

/**
 * The longest names the form takes never block a sale: a ticket for a 110-character buyer, title
 * and venue in several scripts is issued, its page shows them and its PDF opens.
 */
export async function longNames(app: AppUnderTest): Promise<void> {
  expect([LONG_NAME, LONG_TITLE, LONG_VENUE].map((text) => text.length)).toEqual([110, 110, 110]);
  await withPage(app, async (page) => {
    await page.goto('/tickets');
    await page.fill('input[name=event_title]', LONG_TITLE);
    await page.fill('input[name=event_date]', '2026-09-12T18:00');
    await page.fill('input[name=venue]', LONG_VENUE);
    await page.fill('input[name=buyer_name]', LONG_NAME);
    await page.fill('input[name=quantity]', '3');
    await submit(page, 'form[action="/api/tickets"] button[type=submit]');
    const id = /\/tickets\/(\d+)$/.exec(new URL(page.url()).pathname)?.[1];
    expect(
      id,
      `a ticket is issued; the page says: ${await page.textContent('main')}`,
    ).toBeDefined();
    const main = await page.textContent('main');
    for (const text of [LONG_NAME, LONG_TITLE, LONG_VENUE]) expect(main).toContain(text);
    const pdf = await page.request.get(
      new URL((await page.locator('a.pdf').getAttribute('href'))!, page.url()).href,
    );
    expect(pdf.status()).toBe(200);
    expect((await pdf.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, `${app.name}-ticket-long-names-390px`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `the ticket page is ${width} px wide on a 390 px screen`).toBeLessThanOrEqual(
      390,
    );
  });
}

/** A GET with headers fetch() does not let one set (Host). */
function rawGet(url: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * The JSON API's absolute URLs follow the Host the browser asked for; X-Forwarded-Proto and
 * X-Forwarded-Host only when the app is told to trust its proxy (TRUST_PROXY=true). For apps whose
 * files are served by the app itself (the disk driver).
 */
export async function proxyHeaders(app: AppUnderTest, trusted: boolean): Promise<void> {
  const id = await withPage(app, (page) => issueTicket(page, 'Grace Hopper', 'Pier 7'));
  const port = new URL(app.baseUrl).port;
  const json = async (headers: Record<string, string>) =>
    JSON.parse(await rawGet(`${app.baseUrl}/api/events/ticket/${id}`, headers));
  const direct = await json({ host: `demo.localhost:${port}` });
  expect(direct.pdf_ticket_url).toMatch(new RegExp(`^http://demo\\.localhost:${port}/media/`));
  const forwarded = await json({
    host: `127.0.0.1:${port}`,
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'tickets.example.org',
  });
  const url = String(forwarded.pdf_ticket_url);
  if (trusted) expect(url).toMatch(/^https:\/\/tickets\.example\.org\/media\//);
  else expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/media/`));
}

/**
 * The check-in page: a photo of the ticket's QR code (the PNG the app rendered) admits the holder
 * once; the same code again is refused, and so is a forged code, pasted or sent to the JSON API.
 */
export async function checkInFlow(app: AppUnderTest): Promise<void> {
  await withPage(app, async (page) => {
    const id = await issueTicket(page, 'Alan Turing', 'Bletchley Park');
    const json = await (await page.request.get(`/api/events/ticket/${id}`)).json();
    const png = await (await page.request.get(json.qr_code_url)).body();
    const photo = { name: 'ticket-qr.png', mimeType: 'image/png', buffer: png };

    await page.goto('/check-in');
    await screenshot(page, `${app.name}-check-in`);
    await page.setInputFiles('#qr-photo', photo);
    await page.waitForURL(/\/check-in\?result=admitted/);
    const admitted = await page.locator('.check-in-result').textContent();
    expect(admitted).toContain('Admitted');
    expect(admitted).toContain('Alan Turing');
    await screenshot(page, `${app.name}-check-in-admitted`);

    await page.setInputFiles('#qr-photo', photo);
    await page.waitForURL(/\/check-in\?result=used/);
    expect(await page.locator('.check-in-result').textContent()).toContain('already used');
    await screenshot(page, `${app.name}-check-in-used`);

    await page.fill('textarea[name=payload]', 'stw1.forged.ticket-that-was-never-signed');
    await submit(page, 'form.check-in button[type=submit]');
    expect(page.url()).toMatch(/\/check-in\?result=invalid/);
    expect(await page.locator('.check-in-result').textContent()).toContain('not a valid ticket');

    const forged = await page.request.post('/api/check-in', {
      data: { payload: 'stw1.forged.ticket-that-was-never-signed' },
    });
    expect(forged.status()).toBe(400);
    expect(await forged.json()).toMatchObject({ admitted: false, result: 'invalid' });

    // A result named in the URL shows only its own fixed text.
    await page.goto('/check-in?result=%3Cb%3Ehello%3C%2Fb%3E');
    expect(await page.locator('.check-in-result').count()).toBe(0);
  });
}

const PAGES = ['/', '/customers/new', '/tickets', '/check-in'];

/**
 * Every page at desktop width and on a 390 px phone, screenshots kept; on the phone no page is
 * wider than the screen. Pages of a customer and a ticket included.
 */
export async function everyPage(app: AppUnderTest): Promise<void> {
  const paths = await withPage(app, async (page) => {
    const ticket = await issueTicket(page, 'Margaret Hamilton', 'Kennedy Space Center');
    await page.goto('/customers/new');
    await page.fill('input[name=name]', 'Maximilian Alexander Konstantin von Hohenzollern');
    await page.fill(
      'input[name=email]',
      'maximilian.alexander.konstantin.von.hohenzollern@example.com',
    );
    await submit(page, 'form[enctype="multipart/form-data"] button[type=submit]');
    const customer = await page
      .locator('table.customers tbody tr', { hasText: 'Hohenzollern' })
      .getAttribute('data-customer-id');
    return [...PAGES, `/customers/${customer}/edit`, `/tickets/${ticket}`];
  });
  for (const [label, viewport] of [
    ['desktop', { width: 1280, height: 800 }],
    ['390px', { width: 390, height: 844 }],
  ] as const) {
    const context = await app.browser.newContext({ baseURL: app.baseUrl, viewport });
    const page = await context.newPage();
    try {
      for (const path of paths) {
        await page.goto(path);
        const name = path === '/' ? 'customers' : path.slice(1).replace(/\//g, '-');
        await screenshot(page, `${app.name}-page-${name}-${label}`);
        if (label === '390px') {
          const width = await page.evaluate(() => document.documentElement.scrollWidth);
          expect(width, `${path} is ${width} px wide on a 390 px screen`).toBeLessThanOrEqual(390);
        }
      }
    } finally {
      await context.close();
    }
  }
}

/**
 * A refused ticket leaves no trace (the next ticket takes the id it would have had), and a page
 * shows no message that a link put in its URL.
 */
export async function refusalsLeaveNoTrace(app: AppUnderTest): Promise<void> {
  await withPage(app, async (page) => {
    const first = Number(await issueTicket(page, 'Ada Lovelace', 'Analytical Hall'));
    await page.goto('/tickets');
    // Past the form's maxlength (a client that ignores it): refused by the ticket service, after
    // the demo stored the ticket.
    await page.evaluate(() =>
      document.querySelector('input[name=event_title]')?.removeAttribute('maxlength'),
    );
    await page.fill('input[name=event_title]', 'W'.repeat(201));
    await page.fill('input[name=event_date]', '2026-05-16T19:00');
    await page.fill('input[name=buyer_name]', 'Charles Babbage');
    await page.fill('input[name=quantity]', '1');
    await submit(page, 'form[action="/api/tickets"] button[type=submit]');
    expect(await page.locator('.error[role=alert]').textContent()).toContain(
      'at most 200 characters',
    );
    // Shown at the form's own address, with what was typed: a reload posts nothing.
    expect(new URL(page.url()).pathname).toBe('/tickets');
    expect(await page.inputValue('input[name=buyer_name]')).toBe('Charles Babbage');
    const next = Number(await issueTicket(page, 'Grace Hopper', 'Analytical Hall'));
    expect(next).toBe(first + 1);

    for (const path of ['/tickets', '/customers/new']) {
      await page.goto(
        `${path}?error=${encodeURIComponent('Your account is locked: call +1 555 0100')}`,
      );
      expect(await page.locator('.error[role=alert]').count(), path).toBe(0);
    }
  });
}

/**
 * Cloudinary: a ticket's QR code and PDF open through the signed URLs the app hands out; the same
 * URL without its signature does not, nor the asset's delivery URLs (public `upload` type or
 * `authenticated` type unsigned). `cloudinary` is the emulator's base URL and cloud name.
 */
export async function cloudinaryTicketsPrivate(
  app: AppUnderTest,
  cloudinary: { url: string; cloudName: string },
): Promise<void> {
  await withPage(app, async (page) => {
    const id = await issueTicket(page, 'Ada Lovelace', 'Pier 7');
    const api = await (await page.request.get(`/api/events/ticket/${id}`)).json();
    for (const link of [api.qr_code_url, api.pdf_ticket_url] as string[]) {
      expect(link.startsWith(`${cloudinary.url}/`), `${link} is a Cloudinary URL`).toBe(true);
      expect((await page.request.get(link)).status(), link).toBe(200);
      const url = new URL(link);
      const publicId = url.searchParams.get('public_id');
      const format = url.searchParams.get('format');
      expect(url.searchParams.get('signature'), `${link} is signed`).toBeTruthy();
      url.searchParams.delete('signature');
      const guessed = [url.href];
      if (publicId && format) {
        for (const type of ['upload', 'authenticated']) {
          guessed.push(
            `${cloudinary.url}/${cloudinary.cloudName}/image/${type}/${publicId}.${format}`,
          );
        }
      }
      for (const unsigned of guessed) {
        const status = (await page.request.get(unsigned)).status();
        expect(status, `${unsigned} must not serve a ticket file`).not.toBe(200);
      }
    }
  });
}
