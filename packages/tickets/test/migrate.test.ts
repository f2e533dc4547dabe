import { createStorage, isStorageError, memory, type Storage } from '@stowage/core';
import { createTicketService, type MigrateProgress } from '@stowage/tickets';
import { describe, expect, it } from 'vitest';
import { allKeys, failingPuts, SECRET, sampleTicket } from './helpers.js';

const ticketA = sampleTicket({ ticketId: 'A' });
const ticketB = sampleTicket({ ticketId: 'B' });
const KEYS = [
  'tickets/pdf/spring-gala-2025/ticket_A.pdf',
  'tickets/pdf/spring-gala-2025/ticket_B.pdf',
  'tickets/qr_codes/spring-gala-2025/ticket_A.png',
  'tickets/qr_codes/spring-gala-2025/ticket_B.png',
];

/** A source storage as the Django app left it: two issued tickets and an unrelated file. */
async function legacySource(): Promise<Storage> {
  const from = createStorage(memory());
  const issuer = createTicketService({ storage: from, signingSecret: SECRET });
  await issuer.issueMany([ticketA, ticketB]);
  await from.put('avatars/someone.jpg', 'not a ticket');
  return from;
}

const target = () => {
  const to = createStorage(memory());
  return { to, tickets: createTicketService({ storage: to, signingSecret: SECRET }) };
};

describe('migrate', () => {
  it('copies every ticket file, and only those, keeping content and type', async () => {
    const from = await legacySource();
    const { to, tickets } = target();
    const progress: MigrateProgress[] = [];
    const summary = await tickets.migrate({ from, onProgress: (p) => progress.push(p) });
    expect(summary).toEqual({ copied: 4, skipped: 0, rendered: 0, failed: [], dryRun: false });
    expect(await allKeys(to)).toEqual(KEYS);
    for (const key of KEYS) {
      expect(
        Buffer.from(await to.getBytes(key)).equals(Buffer.from(await from.getBytes(key))),
      ).toBe(true);
      expect((await to.head(key)).contentType).toBe((await from.head(key)).contentType);
    }
    expect(progress.map((p) => [p.key, p.action, p.done, p.total])).toEqual(
      KEYS.map((key, i) => [key, 'copied', i + 1, 4]),
    );
  });

  it('writes nothing in a dry run, and reports what it would do', async () => {
    const from = await legacySource();
    const { to, tickets } = target();
    await to.put(KEYS[0]!, await from.getBytes(KEYS[0]!));
    const summary = await tickets.migrate({ from, dryRun: true });
    expect(summary).toEqual({ copied: 3, skipped: 1, rendered: 0, failed: [], dryRun: true });
    expect(await allKeys(to)).toEqual([KEYS[0]]);
  });

  it('skips files already there with the same size, copies them again with force', async () => {
    const from = await legacySource();
    const { to, tickets } = target();
    expect((await tickets.migrate({ from })).copied).toBe(4);
    expect(await tickets.migrate({ from })).toMatchObject({ copied: 0, skipped: 4 });

    // A file of another size in the target is not the same file: it is replaced.
    await to.put(KEYS[1]!, 'truncated upload');
    expect(await tickets.migrate({ from })).toMatchObject({ copied: 1, skipped: 3 });
    expect((await to.head(KEYS[1]!)).size).toBe((await from.head(KEYS[1]!)).size);

    expect(await tickets.migrate({ from, force: true })).toMatchObject({ copied: 4, skipped: 0 });
  });

  it('renders a file missing from the source when the ticket data is given', async () => {
    const from = await legacySource();
    await from.delete(KEYS[0]!); // ticket A lost its PDF
    const ticketC = sampleTicket({ ticketId: 'C' }); // never issued at all
    const { to, tickets } = target();

    const dry = await tickets.migrate({ from, tickets: [ticketA, ticketB, ticketC], dryRun: true });
    expect(dry).toEqual({ copied: 3, skipped: 0, rendered: 3, failed: [], dryRun: true });
    expect(await allKeys(to)).toEqual([]);

    const summary = await tickets.migrate({ from, tickets: [ticketA, ticketB, ticketC] });
    expect(summary).toEqual({ copied: 3, skipped: 0, rendered: 3, failed: [], dryRun: false });
    const c = await tickets.get('C', 'spring-gala-2025');
    expect(tickets.verify(c.payload).valid).toBe(true);
    // The re-rendered PDF is the one issue() would have made.
    const reference = await tickets.render(ticketA);
    expect(Buffer.from(await to.getBytes(KEYS[0]!)).equals(Buffer.from(reference.pdf))).toBe(true);
    // Without ticket data, a missing file simply is not there to copy.
    const { tickets: other } = target();
    expect(await other.migrate({ from })).toMatchObject({ copied: 3, rendered: 0 });
  });

  it('collects failures and carries on', async () => {
    const from = await legacySource();
    const to = createStorage(failingPuts(memory(), (key) => key.endsWith('ticket_B.pdf')));
    const tickets = createTicketService({ storage: to, signingSecret: SECRET });
    const summary = await tickets.migrate({ from });
    expect(summary.copied).toBe(3);
    expect(summary.failed.map((f) => f.key)).toEqual([KEYS[1]]);
    expect(isStorageError(summary.failed[0]?.error, 'NETWORK')).toBe(true);
  });

  it('migrates into another storage than the service one, and refuses from === to', async () => {
    const from = await legacySource();
    const { tickets } = target();
    const elsewhere = createStorage(memory());
    expect(await tickets.migrate({ from, to: elsewhere })).toMatchObject({ copied: 4 });
    expect(await allKeys(elsewhere)).toEqual(KEYS);
    await expect(tickets.migrate({ from, to: from })).rejects.toSatisfy((e: unknown) =>
      isStorageError(e, 'INVALID_INPUT'),
    );
  });

  it('validates ticket data before writing anything', async () => {
    const from = await legacySource();
    const { to, tickets } = target();
    await expect(
      tickets.migrate({ from, tickets: [sampleTicket({ quantity: 0 })] }),
    ).rejects.toThrow(/quantity/);
    expect(await allKeys(to)).toEqual([]);
  });

  it('migrates from a storage that cannot list, given the tickets', async () => {
    const inner = memory();
    const listing = createStorage(inner);
    await createTicketService({ storage: listing, signingSecret: SECRET }).issue(ticketA);
    const from = createStorage({ ...inner, capabilities: { ...inner.capabilities, list: false } });
    const { to, tickets } = target();
    await expect(tickets.migrate({ from })).rejects.toSatisfy((e: unknown) =>
      isStorageError(e, 'UNSUPPORTED'),
    );
    const summary = await tickets.migrate({ from, tickets: [ticketA, ticketB] });
    expect(summary).toMatchObject({ copied: 2, rendered: 2, failed: [] });
    expect(await allKeys(to)).toEqual(KEYS);
  });

  it('lists the directories of a custom layout', async () => {
    const from = createStorage(memory());
    await from.put('qr/e1/t1.png', 'png');
    await from.put('pdf/e1/t1.pdf', 'pdf');
    await from.put('other/file.txt', 'not a ticket');
    const to = createStorage(memory());
    const tickets = createTicketService({
      storage: to,
      signingSecret: SECRET,
      layout: {
        qrKey: (t) => `qr/${t.eventId}/${t.ticketId}.png`,
        pdfKey: (t) => `pdf/${t.eventId}/${t.ticketId}.pdf`,
      },
    });
    expect(await tickets.migrate({ from })).toMatchObject({ copied: 2 });
    expect(await allKeys(to)).toEqual(['pdf/e1/t1.pdf', 'qr/e1/t1.png']);

    // A layout with ids first has no directory to list: it must name its prefixes.
    const flat = createTicketService({
      storage: to,
      signingSecret: SECRET,
      layout: {
        qrKey: (t) => `${t.eventId}/${t.ticketId}.png`,
        pdfKey: (t) => `${t.eventId}/${t.ticketId}.pdf`,
      },
    });
    await expect(flat.migrate({ from })).rejects.toSatisfy((e: unknown) =>
      isStorageError(e, 'CONFIG'),
    );
  });
});
