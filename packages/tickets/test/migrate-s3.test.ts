import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { createStorage, disk, type Storage } from '@stowage/core';
import { s3 } from '@stowage/s3';
import { createTicketService, type TicketInput } from '@stowage/tickets';
import { beforeAll, expect, inject, it } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    s3: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string };
  }
}

const SECRET = 'tickets-migrate-secret-0123456789';
let local: Storage;
let bucket: Storage;
const tickets: TicketInput[] = Array.from({ length: 12 }, (_, i) => ({
  ticketId: `T${i + 1}`,
  eventId: i < 6 ? 'E1' : 'E2',
  eventTitle: 'Spring Concert',
  eventDate: '2027-04-10T19:30:00',
  buyerName: `Buyer ${i + 1}`,
  quantity: 1 + (i % 3),
  venue: 'City Hall',
}));

beforeAll(async () => {
  const server = inject('s3');
  const name = `stowage-tickets-${Math.random().toString(36).slice(2, 10)}`;
  const credentials = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };
  await new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials,
  }).send(new CreateBucketCommand({ Bucket: name }));
  bucket = createStorage(
    s3({ bucket: name, endpoint: server.endpoint, region: server.region, credentials }),
  );
  local = createStorage(disk({ root: mkdtempSync(join(tmpdir(), 'stowage-tickets-local-')) }));
  await createTicketService({ storage: local, signingSecret: SECRET }).issueMany(tickets, {
    concurrency: 4,
  });
}, 120_000);

it('migrates tickets from disk to S3 (Ceph): dry run writes nothing, then copy, skip, force', async () => {
  const service = createTicketService({ storage: bucket, signingSecret: SECRET });

  const dry = await service.migrate({ from: local, dryRun: true });
  expect(dry).toMatchObject({ copied: 24, skipped: 0, failed: [], dryRun: true });
  expect((await bucket.list({ prefix: 'tickets/' })).objects).toEqual([]);

  const first = await service.migrate({ from: local });
  expect(first).toMatchObject({ copied: 24, skipped: 0, failed: [] });
  for (const ticket of tickets) {
    const stored = await service.get(ticket.ticketId, ticket.eventId);
    const qr = await bucket.getBytes(stored.qrCode.key);
    expect(Buffer.from(qr).equals(Buffer.from(await local.getBytes(stored.qrCode.key)))).toBe(true);
    expect((await bucket.head(stored.pdf.key)).contentType).toBe('application/pdf');
    expect(stored.pdf.key).toBe(`tickets/pdf/${ticket.eventId}/ticket_${ticket.ticketId}.pdf`);
  }

  const again = await service.migrate({ from: local });
  expect(again).toMatchObject({ copied: 0, skipped: 24, failed: [] });

  const forced = await service.migrate({ from: local, force: true });
  expect(forced).toMatchObject({ copied: 24, skipped: 0, failed: [] });
}, 120_000);
