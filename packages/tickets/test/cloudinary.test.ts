import { cloudinary } from '@stowage/cloudinary';
import { type CloudinaryEmulator, startCloudinaryEmulator } from '@stowage/cloudinary/emulator';
import { createStorage, type Driver, isStorageError, memory, type Storage } from '@stowage/core';
import { r2 } from '@stowage/r2';
import { createTicketService } from '@stowage/tickets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeQrPng, SECRET, sampleTicket } from './helpers.js';

// Tickets on Cloudinary as a NEW account behaves (the emulator's default): PDF delivery blocked.
let emu: CloudinaryEmulator;
const opened: Storage[] = [];

function cloudinaryStorage(deliveryType?: 'upload' | 'authenticated'): Storage {
  const storage = createStorage(
    cloudinary({
      url: emu.cloudinaryUrl,
      deliveryUrl: emu.url,
      ...(deliveryType ? { deliveryType } : {}),
    }),
  );
  opened.push(storage);
  return storage;
}

async function get(url: string | undefined): Promise<{ status: number; body: Buffer }> {
  expect(url).toBeDefined();
  const response = await fetch(url!);
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

function configError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(isStorageError(error, 'CONFIG'), String(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a CONFIG error');
}

beforeAll(async () => {
  emu = await startCloudinaryEmulator({ cloudName: 'tickets' });
});
afterAll(async () => {
  for (const storage of opened) await storage.close();
  await emu.close();
});

describe('tickets on Cloudinary (new account)', () => {
  it('links the PDF through a URL that opens, and the QR through the CDN', async () => {
    const tickets = createTicketService({ storage: cloudinaryStorage(), signingSecret: SECRET });
    const issued = await tickets.issue(sampleTicket());
    const pdf = await get(issued.pdf.url);
    expect(pdf.status).toBe(200);
    expect(pdf.body.subarray(0, 5).toString()).toBe('%PDF-');
    const qr = await get(issued.qrCode.url);
    expect(qr.status).toBe(200);
    expect(decodeQrPng(qr.body)).toBe(issued.payload);
    // get() reads the PDF too (seed 002's use), and get() of the service hands out the same links.
    const stored = await tickets.storage.getBytes(issued.pdf.key);
    expect(Buffer.from(stored).subarray(0, 5).toString()).toBe('%PDF-');
    expect((await get((await tickets.get('T-1042', 'spring-gala-2025')).pdf.url)).status).toBe(200);
  });
});

describe("access: 'private' on a storage that cannot keep files private (issue 14, item 6)", () => {
  it("refuses Cloudinary's public delivery type with a CONFIG error saying what to change", () => {
    const message = configError(() =>
      createTicketService({
        storage: cloudinaryStorage('upload'),
        signingSecret: SECRET,
        access: 'private',
      }),
    );
    expect(message).toMatch(/deliveryType: 'authenticated'/);
    expect(message).toMatch(/CLOUDINARY_DELIVERY_TYPE=authenticated/);
  });

  it('refuses R2 behind the media proxy', () => {
    const storage = createStorage(
      r2({
        accountId: 'acc0123456789',
        bucket: 'tickets',
        accessKeyId: 'id',
        secretAccessKey: 'secret-secret-secret',
        endpoint: 'http://127.0.0.1:9',
        mediaProxy: true,
      }),
    );
    opened.push(storage);
    expect(
      configError(() => createTicketService({ storage, signingSecret: SECRET, access: 'private' })),
    ).toMatch(/USE_R2_MEDIA_PROXY=false/);
  });

  it('refuses a private migration into such a storage', async () => {
    const tickets = createTicketService({
      storage: createStorage(memory()),
      signingSecret: SECRET,
      access: 'private',
    });
    let caught: unknown;
    try {
      await tickets.migrate({ from: createStorage(memory()), to: cloudinaryStorage('upload') });
    } catch (error) {
      caught = error;
    }
    expect(isStorageError(caught, 'CONFIG')).toBe(true);
  });

  it('keeps private tickets on authenticated Cloudinary assets, reachable only signed', async () => {
    const storage = cloudinaryStorage('authenticated');
    const tickets = createTicketService({ storage, signingSecret: SECRET, access: 'private' });
    const issued = await tickets.issue(sampleTicket({ ticketId: 'P-1' }));
    const pdf = await get(issued.pdf.url);
    expect(pdf.status).toBe(200);
    expect(pdf.body.subarray(0, 5).toString()).toBe('%PDF-');
    // Guessable public URLs of both files answer no content.
    for (const path of [
      'image/upload/v1/tickets/pdf/spring-gala-2025/ticket_P-1.pdf',
      'image/upload/v1/tickets/qr_codes/spring-gala-2025/ticket_P-1.png',
    ]) {
      expect((await get(`${emu.url}/${emu.cloudName}/${path}`)).status).not.toBe(200);
    }
  });

  it('a storage whose every file is public, of any driver, is refused', () => {
    const inner = memory();
    const everyFilePublic: Driver = {
      ...inner,
      name: 'cdn-bucket',
      capabilities: { ...inner.capabilities, visibility: false, publicUrl: true },
      url: (key) => `https://cdn.example/${key}`,
    };
    const storage = createStorage(everyFilePublic);
    expect(
      configError(() => createTicketService({ storage, signingSecret: SECRET, access: 'private' })),
    ).toMatch(/cdn-bucket storage/);
  });
});
