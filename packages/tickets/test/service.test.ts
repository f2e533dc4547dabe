import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createStorage,
  disk,
  isStorageError,
  memory,
  type Storage,
  StorageError,
} from '@stowage/core';
import { createTicketService, type TicketInput } from '@stowage/tickets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allKeys, decodeQrPng, failingPuts, SECRET, sampleTicket } from './helpers.js';

const setup = (storage: Storage = createStorage(memory())) => ({
  storage,
  tickets: createTicketService({ storage, signingSecret: SECRET }),
});

const QR_KEY = 'tickets/qr_codes/spring-gala-2025/ticket_T-1042.png';
const PDF_KEY = 'tickets/pdf/spring-gala-2025/ticket_T-1042.pdf';

async function rejectsWith(
  promise: Promise<unknown>,
  code: string,
  pattern: RegExp,
): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(isStorageError(caught), String(caught)).toBe(true);
  expect((caught as { code: string }).code).toBe(code);
  expect((caught as Error).message).toMatch(pattern);
}

describe('issue', () => {
  it('stores a PNG and a PDF at the Django paths and returns their keys', async () => {
    const { storage, tickets } = setup();
    const issued = await tickets.issue(sampleTicket());
    expect(issued).toMatchObject({
      ticketId: 'T-1042',
      eventId: 'spring-gala-2025',
      qrCode: { key: QR_KEY, url: undefined }, // memory() has no URLs
      pdf: { key: PDF_KEY, url: undefined },
    });
    expect((await storage.head(QR_KEY)).contentType).toBe('image/png');
    expect((await storage.head(PDF_KEY)).contentType).toBe('application/pdf');
    expect(decodeQrPng(await storage.getBytes(QR_KEY))).toBe(issued.payload);
    expect(
      Buffer.from(await storage.getBytes(PDF_KEY))
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
  });

  it('accepts numeric ids, as a Django app has them', async () => {
    const { tickets } = setup();
    const issued = await tickets.issue(sampleTicket({ ticketId: 17, eventId: 3 }));
    expect(issued.qrCode.key).toBe('tickets/qr_codes/3/ticket_17.png');
    expect(tickets.verify(issued.payload)).toEqual({ valid: true, ticketId: '17', eventId: '3' });
  });

  it('uses a custom layout', async () => {
    const storage = createStorage(memory());
    const tickets = createTicketService({
      storage,
      signingSecret: SECRET,
      layout: {
        qrKey: (t) => `qr/${t.ticketId}.png`,
        pdfKey: (t) => `pdf/${t.eventId}-${t.ticketId}.pdf`,
      },
    });
    await tickets.issue(sampleTicket());
    expect(await allKeys(storage)).toEqual(['pdf/spring-gala-2025-T-1042.pdf', 'qr/T-1042.png']);
  });

  it('lets the caller draw the PDF', async () => {
    const { storage } = setup();
    const tickets = createTicketService({
      storage,
      signingSecret: SECRET,
      render: {
        pdf: (ticket, qr) =>
          new TextEncoder().encode(`${ticket.buyerName}|${qr.size}|${qr.payload}`),
      },
    });
    const issued = await tickets.issue(sampleTicket());
    const text = new TextDecoder().decode(await storage.getBytes(issued.pdf.key));
    expect(text).toBe(`Zoë Müller-Lüdenscheidt|33|${issued.payload}`);
  });

  it.each<[string, Partial<TicketInput>, RegExp]>([
    ['an empty ticket id', { ticketId: '' }, /ticketId: it must not be empty/],
    ['a ticket id with "/"', { ticketId: '../etc/passwd' }, /ticketId: only letters/],
    ['an event id with "."', { eventId: 'a.b' }, /eventId: only letters/],
    [
      'a negative numeric id',
      { ticketId: -1 },
      /ticketId: a numeric id must be a non-negative integer/,
    ],
    ['a missing event title', { eventTitle: undefined }, /eventTitle: it is required/],
    ['a blank event title', { eventTitle: '   ' }, /eventTitle: it must not be empty/],
    ['a missing buyer', { buyerName: undefined }, /buyerName: it is required/],
    ['quantity 0', { quantity: 0 }, /quantity: expected a positive integer, got 0/],
    ['quantity 1.5', { quantity: 1.5 }, /quantity: expected a positive integer/],
    [
      'quantity "2"',
      { quantity: '2' as unknown as number },
      /quantity: expected a positive integer/,
    ],
    ['a bad date', { eventDate: '14/06/2025' }, /eventDate: expected an ISO 8601 date/],
    ['an impossible date', { eventDate: '2025-02-30' }, /eventDate: .* is not a calendar date/],
    ['an invalid Date', { eventDate: new Date('nope') }, /eventDate: the Date is invalid/],
    // Date.UTC reads years 0-99 as 1900-1999: '0050-06-14' printed as 14 June 1950.
    ['a year before 1000', { eventDate: '0050-06-14T19:30:00Z' }, /eventDate: the year/],
    ['a Date before year 1000', { eventDate: new Date(Date.UTC(-1, 0, 1)) }, /eventDate: the year/],
    // '+99:99' was taken as 100 h 39 min: the instant moved by four days.
    ['an offset that is not one', { eventDate: '2025-06-14T19:30+99:99' }, /eventDate: .*offset/],
    ['an offset past +14:00', { eventDate: '2025-06-14T19:30+25:00' }, /eventDate: .*offset/],
    // JSON.stringify threw a TypeError on a BigInt, and wrote NaN as null.
    ['a BigInt quantity', { quantity: 2n as unknown as number }, /quantity: .*got 2\.$/],
    ['a NaN quantity', { quantity: Number.NaN }, /quantity: .*got NaN/],
    // They printed a blank TICKET HOLDER line.
    ['a name of zero-width spaces', { buyerName: '\u200B\u200B' }, /buyerName: .*no visible/],
    ['a name of direction marks', { buyerName: '\u200F\u200E\u202E' }, /buyerName: .*no visible/],
    ['a name of a soft hyphen', { buyerName: '\u00AD' }, /buyerName: .*no visible/],
    [
      'a title over 200 characters',
      { eventTitle: 'x'.repeat(201) },
      /eventTitle: it must be at most 200/,
    ],
  ])(
    'refuses %s with INVALID_INPUT naming the field, storing nothing',
    async (_, change, message) => {
      const { storage, tickets } = setup();
      await rejectsWith(tickets.issue(sampleTicket(change)), 'INVALID_INPUT', message);
      expect(await allKeys(storage)).toEqual([]);
    },
  );

  it('counts a name in characters as people do: 120 emoji are 120, not 240', async () => {
    const { tickets } = setup();
    const name = '😀'.repeat(120);
    const issued = await tickets.issue(sampleTicket({ buyerName: name }));
    expect(issued.payload.length).toBeGreaterThan(0);
    await rejectsWith(
      tickets.issue(sampleTicket({ ticketId: 'other', buyerName: '😀'.repeat(121) })),
      'INVALID_INPUT',
      /buyerName: it must be at most 120 characters, got 121/,
    );
  });

  it('leaves nothing behind when the second upload fails', async () => {
    const storage = createStorage(failingPuts(memory(), (key) => key.endsWith('.pdf')));
    const { tickets } = setup(storage);
    await rejectsWith(tickets.issue(sampleTicket()), 'NETWORK', /Injected failure/);
    expect(await allKeys(storage)).toEqual([]);
  });

  it('leaves nothing behind when the first upload fails', async () => {
    const storage = createStorage(failingPuts(memory(), (key) => key.endsWith('.png')));
    const { tickets } = setup(storage);
    await rejectsWith(tickets.issue(sampleTicket()), 'NETWORK', /Injected failure/);
    expect(await allKeys(storage)).toEqual([]);
  });
});

describe('get, regenerate, remove', () => {
  it('get answers keys and payload of a stored ticket, NOT_FOUND otherwise', async () => {
    const { storage, tickets } = setup();
    const issued = await tickets.issue(sampleTicket());
    expect(await tickets.get('T-1042', 'spring-gala-2025')).toEqual(issued);
    await rejectsWith(
      tickets.get('T-9999', 'spring-gala-2025'),
      'NOT_FOUND',
      /Ticket T-9999 of event spring-gala-2025/,
    );
    await storage.delete(PDF_KEY);
    await rejectsWith(tickets.get('T-1042', 'spring-gala-2025'), 'NOT_FOUND', /ticket_T-1042\.pdf/);
    await rejectsWith(tickets.get('a/b', 'spring-gala-2025'), 'INVALID_INPUT', /ticketId/);
  });

  it('regenerate is idempotent: same ticket, same bytes', async () => {
    const { storage, tickets } = setup();
    await tickets.issue(sampleTicket());
    const before = [await storage.getBytes(QR_KEY), await storage.getBytes(PDF_KEY)];
    const again = await tickets.regenerate(sampleTicket());
    expect(again.qrCode.key).toBe(QR_KEY);
    expect(Buffer.from(await storage.getBytes(QR_KEY)).equals(Buffer.from(before[0]!))).toBe(true);
    expect(Buffer.from(await storage.getBytes(PDF_KEY)).equals(Buffer.from(before[1]!))).toBe(true);
    await tickets.regenerate(sampleTicket({ buyerName: 'Ada Lovelace' }));
    expect(Buffer.from(await storage.getBytes(PDF_KEY)).equals(Buffer.from(before[1]!))).toBe(
      false,
    );
  });

  it('regenerate keeps the old files when an upload fails', async () => {
    const inner = memory();
    const good = createStorage(inner);
    await setup(good).tickets.issue(sampleTicket());
    const flaky = createStorage(failingPuts(inner, (key) => key.endsWith('.pdf')));
    await rejectsWith(setup(flaky).tickets.regenerate(sampleTicket()), 'NETWORK', /Injected/);
    expect(await allKeys(good)).toEqual([PDF_KEY, QR_KEY]);
  });

  it('remove deletes both files, from a ticket or from its ids', async () => {
    const { storage, tickets } = setup();
    await tickets.issue(sampleTicket());
    await tickets.issue(sampleTicket({ ticketId: 'T-2' }));
    await tickets.remove(sampleTicket());
    expect(await allKeys(storage)).toEqual([
      'tickets/pdf/spring-gala-2025/ticket_T-2.pdf',
      'tickets/qr_codes/spring-gala-2025/ticket_T-2.png',
    ]);
    await tickets.remove({ ticketId: 'T-2', eventId: 'spring-gala-2025' });
    await tickets.remove({ ticketId: 'T-2', eventId: 'spring-gala-2025' }); // already gone: fine
    expect(await allKeys(storage)).toEqual([]);
  });
});

describe('issueMany', () => {
  const many = (n: number) =>
    Array.from({ length: n }, (_, i) => sampleTicket({ ticketId: `T-${i}` }));

  it('issues every ticket with bounded concurrency, results in order', async () => {
    const inner = memory();
    let inFlight = 0;
    let peak = 0;
    const counting = createStorage({
      ...inner,
      async put(key, body, options) {
        peak = Math.max(peak, ++inFlight);
        try {
          await new Promise((resolve) => setTimeout(resolve, 2));
          return await inner.put(key, body, options);
        } finally {
          inFlight--;
        }
      },
    });
    const { tickets } = setup(counting);
    const issued = await tickets.issueMany(many(20), { concurrency: 3 });
    expect(issued.map((t) => t.ticketId)).toEqual(many(20).map((t) => t.ticketId));
    expect((await allKeys(counting)).length).toBe(40);
    // Each ticket uploads its two files at once.
    expect(peak).toBeLessThanOrEqual(6);
    expect(peak).toBeGreaterThan(2);
  });

  it('validates every ticket before storing any', async () => {
    const { storage, tickets } = setup();
    const list = many(5);
    list[3] = sampleTicket({ ticketId: 'T-3', quantity: -2 });
    await rejectsWith(tickets.issueMany(list), 'INVALID_INPUT', /quantity/);
    expect(await allKeys(storage)).toEqual([]);
  });

  it('refuses a concurrency that is not a positive integer', async () => {
    const { tickets } = setup();
    await rejectsWith(
      tickets.issueMany(many(1), { concurrency: 0 }),
      'INVALID_INPUT',
      /concurrency/,
    );
  });
});

describe('URLs', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'stowage-tickets-urls-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('are public URLs where the storage has them', async () => {
    const storage = createStorage(
      disk({ root: join(root, 'public'), publicBaseUrl: 'https://cdn.example.com/media' }),
    );
    const issued = await setup(storage).tickets.issue(sampleTicket());
    expect(issued.qrCode.url).toBe(`https://cdn.example.com/media/${QR_KEY}`);
    expect(issued.pdf.url).toBe(`https://cdn.example.com/media/${PDF_KEY}`);
  });

  it('are signed, expiring URLs otherwise, and always with access: private', async () => {
    const signing = createStorage(
      disk({ root: join(root, 'signed'), publicBaseUrl: '/media', signingSecret: SECRET }),
    );
    const viaSigned = createTicketService({
      storage: signing,
      signingSecret: SECRET,
      access: 'private',
      urlExpiresIn: 120,
    });
    const issued = await viaSigned.issue(sampleTicket());
    const now = Date.now() / 1000;
    for (const [file, key] of [
      [issued.qrCode, QR_KEY],
      [issued.pdf, PDF_KEY],
    ] as const) {
      const url = new URL(file.url ?? 'missing:', 'http://app.test');
      expect(url.pathname).toBe(`/media/${key}`);
      expect(url.searchParams.get('sig')).toBeTruthy();
      expect(Number(url.searchParams.get('expires'))).toBeGreaterThan(now + 100);
      // Signed URLs are stable within a window (a quarter of their lifetime): up to 30 s more.
      expect(Number(url.searchParams.get('expires'))).toBeLessThan(now + 170);
    }
    expect((await signing.head(QR_KEY)).visibility).toBe('private');
  });

  it('ask a transforming storage for the QR at 300x300, as the Django service served it', async () => {
    const inner = memory();
    const cdn = createStorage({
      ...inner,
      capabilities: { ...inner.capabilities, publicUrl: true, transforms: true },
      url: (key, { transform }) =>
        `https://res.example.com/${transform ? `w_${transform.width},h_${transform.height},c_${transform.crop}/` : ''}${key}`,
    });
    const issued = await setup(cdn).tickets.issue(sampleTicket());
    expect(issued.qrCode.url).toBe(`https://res.example.com/w_300,h_300,c_fill/${QR_KEY}`);
    expect(issued.pdf.url).toBe(`https://res.example.com/${PDF_KEY}`);
  });

  it('fall back to signed URLs when url() is UNSUPPORTED after all', async () => {
    const inner = disk({
      root: join(root, 'fallback'),
      publicBaseUrl: '/media',
      signingSecret: SECRET,
    });
    const storage = createStorage({
      ...inner,
      url: (key) => {
        throw new StorageError('UNSUPPORTED', `no public URL for ${key}`);
      },
    });
    const issued = await setup(storage).tickets.issue(sampleTicket());
    expect(issued.qrCode.url).toMatch(/^\/media\/tickets\/qr_codes\/.*\?.*sig=/);
  });
});
