import { createRequire } from 'node:module';
import { createStorage, isStorageError, memory } from '@stowage/core';
import { createTicketService, type TicketInput } from '@stowage/tickets';
import { describe, expect, it } from 'vitest';
import { setFontCache } from '../src/pdf-fonts.js';
import {
  decodeQrPng,
  keepArtifact,
  pdfText,
  pngSize,
  rasterize,
  SECRET,
  sampleTicket,
} from './helpers.js';

const tickets = createTicketService({ storage: createStorage(memory()), signingSecret: SECRET });

describe('QR PNG', () => {
  it('decodes back to the payload, which verifies', async () => {
    const { png, payload } = await tickets.render(sampleTicket());
    await keepArtifact('qr.png', png);
    expect(decodeQrPng(png)).toBe(payload);
    expect(tickets.verify(payload)).toMatchObject({
      valid: true,
      ticketId: 'T-1042',
      eventId: 'spring-gala-2025',
    });
  });

  it('is about 300 px square and small', async () => {
    const { png } = await tickets.render(sampleTicket());
    const { width, height } = pngSize(png);
    expect(width).toBe(height);
    expect(width).toBeGreaterThanOrEqual(250);
    expect(width).toBeLessThanOrEqual(350);
    expect(png.byteLength).toBeLessThan(2000);
  });

  it('stays scannable with the longest ids, and the PDF holds them', async () => {
    const ticketId = 'W'.repeat(64);
    const eventId = 'M'.repeat(64);
    const { png, pdf, payload } = await tickets.render(sampleTicket({ ticketId, eventId }));
    expect(decodeQrPng(png)).toBe(payload);
    await keepArtifact('ticket-longest-ids.pdf', pdf);
    const page = await rasterize(pdf, 100);
    await keepArtifact('ticket-longest-ids-page1.png', page);
    expect(decodeQrPng(page)).toBe(payload);
    const text = (await pdfText(pdf)).text[0]!.replace(/\s+/g, '');
    expect(text).toContain(ticketId);
    expect(text).toContain(eventId);
  });
});

describe('PDF ticket', () => {
  it('holds every field as text', async () => {
    const { pdf } = await tickets.render(sampleTicket());
    const { pages, text } = await pdfText(pdf);
    expect(pages).toBe(1);
    const page = text[0]!.replace(/\s+/g, ' ');
    for (const expected of [
      'Spring Gala: An Evening of',
      'Jazz & Soul',
      'Saturday 14 June 2025, 19:30',
      'Royal Albert Hall, Kensington Gore, London',
      'Zoë Müller-Lüdenscheidt',
      'ADMIT 2',
      'T-1042',
      'spring-gala-2025',
    ]) {
      expect(page).toContain(expected);
    }
  });

  it('draws a QR code that scans from the printed page (pdftoppm at 100 dpi)', async () => {
    const ticket = sampleTicket();
    const { pdf, payload } = await tickets.render(ticket);
    await keepArtifact('ticket.pdf', pdf);
    const page = await rasterize(pdf, 100);
    await keepArtifact('ticket-page1.png', page);
    expect(decodeQrPng(page)).toBe(payload);
  });

  it('draws the QR as vectors, not an image', async () => {
    const { pdf } = await tickets.render(sampleTicket());
    const source = Buffer.from(pdf).toString('latin1');
    expect(source).not.toContain('/Subtype /Image');
    expect(source).toMatch(/\d+ \d+ \d+ 1 re/);
  });

  it('renders the same ticket to the same bytes', async () => {
    const first = await tickets.render(sampleTicket());
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a clock in the file would tick
    const again = await createTicketService({
      storage: createStorage(memory()),
      signingSecret: SECRET,
    }).render(sampleTicket());
    expect(Buffer.from(again.pdf).equals(Buffer.from(first.pdf))).toBe(true);
    expect(Buffer.from(again.png).equals(Buffer.from(first.png))).toBe(true);
    const renamed = await tickets.render(sampleTicket({ buyerName: 'Ada Lovelace' }));
    expect(Buffer.from(renamed.pdf).equals(Buffer.from(first.pdf))).toBe(false);
    // The trailer /ID identifies the ticket's document, not a moment or a random number.
    const id = (pdf: Uint8Array) =>
      /\/ID \[<([0-9a-f]+)>/.exec(Buffer.from(pdf).toString('latin1'))?.[1];
    const other = await tickets.render(sampleTicket({ ticketId: 'T-1043' }));
    expect(id(first.pdf)).toMatch(/^[0-9a-f]{32}$/);
    expect(id(renamed.pdf)).toBe(id(first.pdf));
    expect(id(other.pdf)).not.toBe(id(first.pdf));
  });

  it('gives the same bytes with and without the font cache', async () => {
    const cached = await tickets.render(sampleTicket());
    setFontCache(false);
    try {
      const plain = await tickets.render(sampleTicket());
      expect(Buffer.from(plain.pdf).equals(Buffer.from(cached.pdf))).toBe(true);
    } finally {
      setFontCache(true);
    }
  });

  it('shrinks and wraps long text', async () => {
    const long = sampleTicket({
      eventTitle:
        'The Extraordinarily Long Annual Midsummer Festival of Chamber Music, Poetry and Fine Food 2025',
      venue:
        'The Great Hall of the Old Town Conservatory, 1234 Long Boulevard of the Arts, Springfield',
      buyerName: 'Maximilian Alexander Konstantin von Hohenzollern-Sigmaringen',
    });
    const { pdf } = await tickets.render(long);
    await keepArtifact('ticket-long-text.pdf', pdf);
    await keepArtifact('ticket-long-text-page1.png', await rasterize(pdf, 100));
    const page = (await pdfText(pdf)).text[0]!.replace(/\s+/g, ' ');
    expect(page).toContain('Midsummer Festival');
    expect(page).toContain('Hohenzollern-Sigmaringen');
  });

  it('prints every name up to the longest accepted, never refusing one for its length', async () => {
    // The longest texts the forms take (buyer 120, title and venue 200 characters), in one word or
    // many, in several scripts: each ticket renders, its text cut with an ellipsis where it must.
    // CJK without a CJK font prints as U+FFFD: rendered, not refused.
    const cases: [Partial<TicketInput>, string][] = [
      [{ buyerName: 'W'.repeat(110) }, 'WWWWWWWW'],
      [
        { buyerName: 'Wolfeschlegelsteinhausenbergerdorff '.repeat(4).slice(0, 120) },
        'Wolfeschlegel',
      ],
      [
        { buyerName: 'Дмитрий Александрович Ωμέγα Łukasz Şule '.repeat(3).slice(0, 110) },
        'Дмитрий',
      ],
      [{ buyerName: '山田太郎'.repeat(27) }, 'spring-gala-2025'],
      [
        {
          eventTitle: 'Wonderful '.repeat(20).trim(),
          venue: 'Hala Stulecia, Łódź '.repeat(10).trim(),
        },
        'Wonderful',
      ],
      [{ eventTitle: 'Ж'.repeat(200), venue: 'Ω'.repeat(200) }, 'ЖЖЖЖ'],
    ];
    for (const [index, [change, shown]] of cases.entries()) {
      const { pdf } = await tickets.render(sampleTicket(change));
      const page = (await pdfText(pdf)).text[0]!.replace(/\s+/g, ' ');
      expect(page, `case ${index}`).toContain(shown);
      if (index === 0) {
        await keepArtifact('ticket-longest-name.pdf', pdf);
        await keepArtifact('ticket-longest-name-page1.png', await rasterize(pdf, 100));
      }
    }
    const { pdf } = await tickets.render(sampleTicket(cases[4]![0]));
    await keepArtifact('ticket-longest-title-page1.png', await rasterize(pdf, 100));
    expect((await pdfText(pdf)).text[0]).toContain('…');
  });

  it('prints a Date in the configured time zone, and a floating ISO time as written', async () => {
    const paris = createTicketService({
      storage: createStorage(memory()),
      signingSecret: SECRET,
      timeZone: 'Europe/Paris',
    });
    const at = new Date('2025-12-31T23:30:00Z');
    const text = async (service: typeof tickets, eventDate: TicketInput['eventDate']) =>
      (await pdfText((await service.render(sampleTicket({ eventDate }))).pdf)).text[0]!.replace(
        /\s+/g,
        ' ',
      );
    expect(await text(tickets, at)).toContain('Wednesday 31 December 2025, 23:30');
    expect(await text(paris, at)).toContain('Thursday 1 January 2026, 00:30');
    expect(await text(paris, '2025-06-14T19:30')).toContain('Saturday 14 June 2025, 19:30');
    expect(await text(tickets, '2025-06-14')).toContain('Saturday 14 June 2025');
  });
});

describe('PDF ticket in every script', () => {
  const names = 'Łukasz Şule Ωμέγα Дмитрий';

  it('prints Latin Extended, Greek and Cyrillic names as they are, with a font embedded', async () => {
    const ticket = sampleTicket({ buyerName: names, venue: 'Hala Stulecia, Łódź' });
    const { pdf, payload } = await tickets.render(ticket);
    await keepArtifact('ticket-unicode.pdf', pdf);
    const page = await rasterize(pdf, 100);
    await keepArtifact('ticket-unicode-page1.png', page);
    expect(decodeQrPng(page)).toBe(payload);
    const text = (await pdfText(pdf)).text[0]!.replace(/\s+/g, ' ');
    expect(text).toContain(names);
    expect(text).toContain('Hala Stulecia, Łódź');
    const source = Buffer.from(pdf).toString('latin1');
    expect(source).toMatch(/\/BaseFont \/[A-Z]{6}\+DejaVuSans\b/);
    expect(source).toContain('/FontFile2');
    // Subset, not the whole font (750 KB).
    expect(pdf.byteLength).toBeLessThan(60_000);
  });

  it('prints a character no font has as a visible substitute instead of refusing the ticket', async () => {
    const { pdf } = await tickets.render(sampleTicket({ buyerName: 'Łukasz 李' }));
    const text = (await pdfText(pdf)).text[0]!;
    expect(text).toContain('Łukasz \uFFFD');
    expect(text).not.toMatch(/U\+/);
  });

  it('uses the fonts passed first, then its own for the characters they lack', async () => {
    const fontFile = createRequire(import.meta.url).resolve(
      'dejavu-fonts-ttf/ttf/DejaVuMathTeXGyre.ttf',
    );
    const withFont = createTicketService({
      storage: createStorage(memory()),
      signingSecret: SECRET,
      // The built-in DejaVu Sans has no U+210A (script small g); this font has it, no Cyrillic.
      render: { fonts: [{ regular: fontFile }] },
    });
    const { pdf } = await withFont.render(sampleTicket({ buyerName: 'Ada ℊ Дмитрий' }));
    await keepArtifact('ticket-passed-font-page1.png', await rasterize(pdf, 100));
    const text = (await pdfText(pdf)).text[0]!.replace(/\s+/g, ' ');
    expect(text).toContain('ℊ');
    expect(text).toContain('Дмитрий');
    const source = Buffer.from(pdf).toString('latin1');
    expect(source).toMatch(/\/BaseFont \/[A-Z]{6}\+DejaVuMathTeXGyre/);
    expect(source).toMatch(/\/BaseFont \/[A-Z]{6}\+DejaVuSans\b/);
  });

  it('names a font that cannot be loaded in a CONFIG error', async () => {
    const broken = createTicketService({
      storage: createStorage(memory()),
      signingSecret: SECRET,
      render: { fonts: [{ regular: '/nonexistent/Font.ttf' }] },
    });
    await expect(broken.render(sampleTicket())).rejects.toSatisfy(
      (error: unknown) =>
        isStorageError(error, 'CONFIG') && String(error).includes('/nonexistent/Font.ttf'),
    );
  });
});
