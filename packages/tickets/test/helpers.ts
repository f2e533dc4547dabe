import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Driver, type Storage, StorageError } from '@stowage/core';
import jsQR from 'jsqr';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { PNG } from 'pngjs';
import type { TicketInput } from '../src/index.js';

const run = promisify(execFile);

/** Kept after the run for a person to look at (gitignored). */
export const ARTIFACTS = fileURLToPath(
  new URL('../../../test-artifacts/tickets/', import.meta.url),
);

export const SECRET = 'test-signing-secret-0123456789';

export function sampleTicket(overrides: Partial<TicketInput> = {}): TicketInput {
  return {
    ticketId: 'T-1042',
    eventId: 'spring-gala-2025',
    eventTitle: 'Spring Gala: An Evening of Jazz & Soul',
    eventDate: '2025-06-14T19:30:00+02:00',
    buyerName: 'Zoë Müller-Lüdenscheidt',
    quantity: 2,
    venue: 'Royal Albert Hall, Kensington Gore, London',
    ...overrides,
  };
}

/** The text of a QR code in a PNG image, or undefined when none is found. */
export function decodeQrPng(png: Uint8Array): string | undefined {
  const image = PNG.sync.read(Buffer.from(png));
  const found = jsQR(
    new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length),
    image.width,
    image.height,
  );
  return found?.data;
}

/** The PNG's width and height. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const image = PNG.sync.read(Buffer.from(png));
  return { width: image.width, height: image.height };
}

const standardFontDataUrl = fileURLToPath(
  new URL('../node_modules/pdfjs-dist/standard_fonts/', import.meta.url),
);

/** All the text of the PDF's pages, one string per page, items joined by spaces. */
export async function pdfText(pdf: Uint8Array): Promise<{ pages: number; text: string[] }> {
  const document = await getDocument({
    data: new Uint8Array(pdf),
    standardFontDataUrl,
    verbosity: 0,
  }).promise;
  try {
    const text: string[] = [];
    for (let page = 1; page <= document.numPages; page++) {
      const content = await (await document.getPage(page)).getTextContent();
      text.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
    }
    return { pages: document.numPages, text };
  } finally {
    await document.destroy();
  }
}

/** Rasterises the PDF's first page with poppler's pdftoppm; returns the PNG. */
export async function rasterize(pdf: Uint8Array, dpi = 100): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'stowage-tickets-'));
  try {
    await writeFile(join(dir, 'in.pdf'), pdf);
    await run('pdftoppm', [
      '-png',
      '-r',
      String(dpi),
      '-f',
      '1',
      '-l',
      '1',
      '-singlefile',
      join(dir, 'in.pdf'),
      join(dir, 'out'),
    ]);
    return await readFile(join(dir, 'out.png'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes a file under test-artifacts/tickets/. */
export async function keepArtifact(name: string, bytes: Uint8Array): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await writeFile(path, bytes);
  return path;
}

/**
 * A real driver whose puts fail for the keys `fails` picks: fault injection around, say,
 * memory(), to see what a failed upload leaves behind.
 */
export function failingPuts(inner: Driver, fails: (key: string) => boolean): Driver {
  return {
    ...inner,
    async put(key, body, options) {
      if (fails(key))
        throw new StorageError('NETWORK', `Injected failure writing ${key}.`, { key });
      return inner.put(key, body, options);
    },
  };
}

/** Every key in a storage. */
export async function allKeys(storage: Storage): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of storage.listAll()) keys.push(info.key);
  return keys;
}
