import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage, memory } from '@stowage/core';
import { createTicketService } from '@stowage/tickets';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SECRETS, startHttpApp } from './http-app.js';

const SCAM = 'Your ticket order was cancelled. Call +1-555-0100';
const MINUTE = 60_000;

let dir: string;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stowage-example-signed-'));
  ({ server, baseUrl } = await startHttpApp(join(dir, 'data'), {
    STORAGE_DISK_ROOT: join(dir, 'media'),
  }));
});

afterAll(async () => {
  server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.useRealTimers();
});

/** Moves the clock of this process (the app's too) `ms` ahead. */
function laterBy(ms: number): void {
  const now = Date.now();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(now + ms);
}

/** Posts a form; answers the redirect's Location (relative to the app). */
async function postForm(path: string, fields: Record<string, string>): Promise<string> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    body: new URLSearchParams(fields),
    redirect: 'manual',
  });
  expect(response.status, `POST ${path}`).toBe(303);
  return response.headers.get('location') ?? '';
}

async function html(path: string): Promise<string> {
  const response = await fetch(`${baseUrl}${path}`);
  expect(response.status, `GET ${path}`).toBe(200);
  return response.text();
}

/** The text of the page's check-in result box, if it has one. */
async function checkInResult(path: string): Promise<string | undefined> {
  return /<div class="check-in-result[^"]*" role="status">([\s\S]*?)<\/div>/.exec(
    await html(path),
  )?.[1];
}

/** The text of the page's alert, if it has one. */
async function alertOf(path: string): Promise<string | undefined> {
  return /<p class="error" role="alert">([\s\S]*?)<\/p>/.exec(await html(path))?.[1];
}

let issued = 0;

/** Issues a ticket through the form; answers its id and the text of its QR code. */
async function issueTicket(buyer: string): Promise<{ id: number; payload: string }> {
  issued += 1;
  const location = await postForm('/api/tickets', {
    event_title: `Concert ${issued}`,
    event_date: '2026-05-16T19:00',
    venue: 'Hall',
    buyer_name: buyer,
    quantity: '1',
  });
  const id = Number(/^\/tickets\/(\d+)$/.exec(location)?.[1]);
  expect(id, location).toBeGreaterThan(0);
  const json = await (await fetch(`${baseUrl}/api/events/ticket/${id}`)).json();
  // The code the app printed, made again with the same secret.
  const payload = createTicketService({
    storage: createStorage(memory()),
    signingSecret: SECRETS.TICKET_SIGNING_SECRET,
  }).payloadFor({ ticketId: json.ticket_id, eventId: json.event_id });
  return { id, payload };
}

describe('the check-in result page', () => {
  it('shows no result for a link naming a ticket that was never checked in', async () => {
    const { id } = await issueTicket('José');
    for (const result of ['admitted', 'used', 'invalid']) {
      const shown = await checkInResult(`/check-in?result=${result}&ticket=${id}`);
      expect(shown, result).toBeUndefined();
    }
  });

  it('shows the result of a real scan, on the page the form redirects to', async () => {
    const { id, payload } = await issueTicket('Alan Turing');
    const admitted = await postForm('/api/check-in', { payload });
    expect(admitted).toMatch(new RegExp(`^/check-in\\?result=admitted&ticket=${id}&`));
    const shown = await checkInResult(admitted);
    expect(shown).toContain('Admitted');
    expect(shown).toContain('Alan Turing');

    const used = await postForm('/api/check-in', { payload });
    expect(await checkInResult(used)).toContain('already used');
    const invalid = await postForm('/api/check-in', { payload: 'stw1.forged.never-signed' });
    expect(await checkInResult(invalid)).toContain('not a valid ticket');
  });

  it('shows nothing for a result link with an altered signature, ticket or result', async () => {
    const { payload } = await issueTicket('Grace Hopper');
    const { id: other } = await issueTicket('Ada Lovelace');
    const genuine = new URL(await postForm('/api/check-in', { payload }), baseUrl);
    const altered = (name: string, value: (old: string) => string) => {
      const url = new URL(genuine);
      url.searchParams.set(name, value(url.searchParams.get(name) ?? ''));
      return `${url.pathname}${url.search}`;
    };
    const flip = (text: string) => `${text.slice(0, -1)}${text.endsWith('A') ? 'B' : 'A'}`;
    expect(await checkInResult(`${genuine.pathname}${genuine.search}`)).toContain('Admitted');
    for (const path of [
      altered('sig', flip),
      altered('sig', () => ''),
      altered('ticket', () => String(other)),
      altered('result', () => 'used'),
    ]) {
      expect(await checkInResult(path), path).toBeUndefined();
    }
  });

  it('shows nothing for a result link once it has expired', async () => {
    const { payload } = await issueTicket('Katherine Johnson');
    const admitted = await postForm('/api/check-in', { payload });
    expect(await checkInResult(admitted)).toContain('Admitted');
    laterBy(30 * MINUTE);
    expect(await checkInResult(admitted)).toBeUndefined();
  });
});

describe('the message of a refused form', () => {
  const refusedTicket = () =>
    postForm('/api/tickets', {
      event_title: 'Concert',
      event_date: SCAM,
      venue: 'Hall',
      buyer_name: 'Mallory',
      quantity: '1',
    });

  it('names the field and what it expects, never the text that was typed', async () => {
    const location = await refusedTicket();
    const url = new URL(location, baseUrl);
    expect(url.pathname).toBe('/tickets');
    const message = url.searchParams.get('error') ?? '';
    expect(message).toMatch(/date/i);
    for (const typed of ['cancelled', '555']) expect(message).not.toContain(typed);
    // The page shows it, and puts what was typed back in the form (escaped, not in the alert).
    const shown = await alertOf(location);
    expect(shown).toBe(message);
    expect(url.searchParams.get('event_date')).toBe(SCAM);
  });

  it('shows a signed message only for a while', async () => {
    const location = await refusedTicket();
    expect(await alertOf(location)).toMatch(/date/i);
    laterBy(30 * MINUTE);
    expect(await alertOf(location)).toBeUndefined();
  });
});
