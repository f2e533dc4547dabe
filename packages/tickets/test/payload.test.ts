import { createStorage, isStorageError, memory } from '@stowage/core';
import { createTicketService } from '@stowage/tickets';
import { describe, expect, it } from 'vitest';
import { SECRET } from './helpers.js';

const service = (signingSecret: string | string[]) =>
  createTicketService({ storage: createStorage(memory()), signingSecret });

describe('QR payload', () => {
  const tickets = service(SECRET);

  it('is short, readable and verifies', async () => {
    const { payload } = await tickets.render({
      ticketId: 42,
      eventId: 'gala-2025',
      eventTitle: 'Gala',
      eventDate: '2025-06-14',
      buyerName: 'Ada',
      quantity: 1,
    });
    expect(payload).toMatch(/^stw1\.gala-2025\.42\.[A-Za-z0-9_-]{22}$/);
    expect(tickets.verify(payload)).toEqual({ valid: true, ticketId: '42', eventId: 'gala-2025' });
    // Scanners often add a line end.
    expect(tickets.verify(`${payload}\n`)).toEqual({
      valid: true,
      ticketId: '42',
      eventId: 'gala-2025',
    });
  });

  const genuine = () => payloadOf(tickets, 'T-7', 'EV_1');

  it('rejects an altered ticket id, event id or signature', () => {
    const payload = genuine();
    const [v, e, t, sig] = payload.split('.') as [string, string, string, string];
    expect(tickets.verify(`${v}.${e}.T-8.${sig}`)).toEqual({
      valid: false,
      reason: 'bad-signature',
    });
    expect(tickets.verify(`${v}.EV_2.${t}.${sig}`)).toEqual({
      valid: false,
      reason: 'bad-signature',
    });
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    expect(tickets.verify(`${v}.${e}.${t}.${flipped}`)).toEqual({
      valid: false,
      reason: 'bad-signature',
    });
    // Swapping the ids is an alteration too.
    expect(tickets.verify(`${v}.${t}.${e}.${sig}`)).toEqual({
      valid: false,
      reason: 'bad-signature',
    });
  });

  it('rejects a payload forged with another key', () => {
    const forger = service('a-different-secret-of-the-forger');
    expect(tickets.verify(payloadOf(forger, 'T-7', 'EV_1'))).toEqual({
      valid: false,
      reason: 'bad-signature',
    });
  });

  it('tells malformed and unknown-version payloads apart', () => {
    const sig = genuine().split('.')[3];
    for (const scanned of [
      '',
      'hello',
      'https://example.com/ticket/42',
      `stw1.EV_1.T-7`,
      `stw1.EV_1.T-7.${sig}.extra`,
      `stw1.EV/1.T-7.${sig}`,
      `stw1..T-7.${sig}`,
      `stw1.EV_1.T-7.${sig}A`,
      `stw1.EV_1.T-7.${sig?.slice(0, 21)}=`,
    ]) {
      expect(tickets.verify(scanned), scanned).toEqual({ valid: false, reason: 'malformed' });
    }
    expect(tickets.verify(`stw2.EV_1.T-7.${sig}`)).toEqual({
      valid: false,
      reason: 'unsupported-version',
    });
    expect(tickets.verify(42 as unknown as string)).toEqual({ valid: false, reason: 'malformed' });
  });

  it('rejects a non-canonical spelling of the signature', () => {
    const payload = genuine();
    const sig = payload.split('.')[3]!;
    // The last base64url character of 16 bytes carries 4 unused bits; change them.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(sig.at(-1)!);
    const respelled = `${payload.slice(0, -1)}${alphabet[last ^ 1]}`;
    expect(Buffer.from(respelled.split('.')[3]!, 'base64url')).toEqual(
      Buffer.from(sig, 'base64url'),
    );
    expect(tickets.verify(respelled).valid).toBe(false);
  });

  it('rotates keys: the first signs, every one verifies', () => {
    const oldKey = 'the-old-signing-secret-2024';
    const newKey = 'the-new-signing-secret-2025';
    const before = service(oldKey);
    const during = service([newKey, oldKey]);
    const after = service(newKey);
    const oldTicket = payloadOf(before, 'T-1', 'E');
    const newTicket = payloadOf(during, 'T-2', 'E');
    expect(during.verify(oldTicket).valid).toBe(true);
    expect(during.verify(newTicket).valid).toBe(true);
    expect(after.verify(newTicket).valid).toBe(true);
    expect(after.verify(oldTicket)).toEqual({ valid: false, reason: 'bad-signature' });
    expect(before.verify(newTicket)).toEqual({ valid: false, reason: 'bad-signature' });
  });

  it('refuses weak or missing secrets with CONFIG, without echoing them', () => {
    for (const secret of ['', 'short', [], ['long-enough-secret-123', 'tiny']] as Array<
      string | string[]
    >) {
      let caught: unknown;
      try {
        service(secret);
      } catch (error) {
        caught = error;
      }
      expect(isStorageError(caught, 'CONFIG')).toBe(true);
      expect(String((caught as Error).message)).not.toContain('tiny');
    }
  });
});

function payloadOf(
  service: ReturnType<typeof createTicketService>,
  ticketId: string,
  eventId: string,
): string {
  return service.payloadFor({ ticketId, eventId });
}
