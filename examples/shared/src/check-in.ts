import { expiringSignature, isGenuineSignature } from './messages.js';
import type { EventRecord, TicketRecord } from './store.js';
import type { TicketContext } from './tickets.js';

/** What the entrance learns from a scanned code. */
export type CheckInOutcome =
  | { result: 'admitted'; ticket: TicketRecord; event: EventRecord }
  | { result: 'used'; ticket: TicketRecord; event: EventRecord }
  | { result: 'invalid' };

export type CheckInResult = CheckInOutcome['result'];

/**
 * Verifies a scanned QR payload and marks the ticket used: `admitted` the first time, `used` for
 * any later scan, `invalid` for a forged or altered code, or one of a deleted ticket.
 */
export async function checkIn(ctx: TicketContext, payload: string): Promise<CheckInOutcome> {
  const verified = ctx.tickets.verify(payload.trim());
  if (!verified.valid) return { result: 'invalid' };
  const ticketId = Number(verified.ticketId);
  const eventId = Number(verified.eventId);
  // Checked and marked in one store update, so two scans at once cannot both be admitted.
  return ctx.store.update((data): CheckInOutcome => {
    const ticket = data.tickets.find((t) => t.id === ticketId && t.eventId === eventId);
    const event = data.events.find((e) => e.id === eventId);
    if (!ticket || !event) return { result: 'invalid' };
    if (ticket.usedAt) return { result: 'used', ticket: { ...ticket }, event };
    ticket.usedAt = new Date().toISOString();
    return { result: 'admitted', ticket: { ...ticket }, event };
  });
}

/** The JSON API's answer and status for an outcome. */
export function checkInJson(outcome: CheckInOutcome): { status: number; body: object } {
  if (outcome.result === 'invalid') {
    return { status: 400, body: { admitted: false, result: 'invalid', message: MESSAGES.invalid } };
  }
  const { ticket, event } = outcome;
  return {
    status: outcome.result === 'admitted' ? 200 : 409,
    body: {
      admitted: outcome.result === 'admitted',
      result: outcome.result,
      message: MESSAGES[outcome.result],
      ticket_id: ticket.id,
      event_id: event.id,
      event_title: event.title,
      buyer_name: ticket.buyerName,
      quantity: ticket.quantity,
      used_at: ticket.usedAt,
    },
  };
}

/** The only texts the check-in page shows for a result (a URL cannot make it show others). */
export const MESSAGES: Record<CheckInResult, string> = {
  admitted: 'Admitted. Welcome!',
  used: 'Refused: this ticket was already used.',
  invalid: 'Refused: this is not a valid ticket (forged, altered, or deleted).',
};

/** How long the page a check-in redirects to shows its result (a reload, a glance). */
const RESULT_SECONDS = 5 * 60;

/** The signed parts of a result link: the result and the ticket id ('' for `invalid`). */
const resultParts = (result: string, ticket: string) => [result, ticket];

/**
 * The query of the page shown after a check-in form (post, redirect, get: a reload posts nothing):
 * the result, the ticket, and `sig`, this app's signature over both with an expiry. The page
 * shows a result only with its genuine signature, so a link cannot fake an admission.
 */
export function checkInQuery(
  secret: string,
  outcome: CheckInOutcome,
  now = Date.now(),
): Record<string, string> {
  const ticket = outcome.result === 'invalid' ? '' : String(outcome.ticket.id);
  const parts = resultParts(outcome.result, ticket);
  const sig = expiringSignature(secret, 'check-in-result', parts, RESULT_SECONDS, now);
  return ticket ? { result: outcome.result, ticket, sig } : { result: outcome.result, sig };
}

/**
 * What the page shows for its query: a result this app signed a few minutes ago, and the ticket
 * it names if any; undefined for anything else (the page then shows no result).
 */
export async function checkInView(
  ctx: TicketContext,
  secret: string,
  query: { result?: string; ticket?: string; sig?: string },
  now = Date.now(),
): Promise<
  { result: CheckInResult; message: string; ticket?: TicketRecord; event?: EventRecord } | undefined
> {
  const result = query.result as CheckInResult | undefined;
  if (!result || !Object.hasOwn(MESSAGES, result)) return undefined;
  const ticketId = result === 'invalid' ? '' : (query.ticket ?? '');
  const parts = resultParts(result, ticketId);
  if (!isGenuineSignature(secret, 'check-in-result', parts, query.sig, now)) return undefined;
  if (result === 'invalid') return { result, message: MESSAGES[result] };
  const data = await ctx.store.read();
  const ticket = data.tickets.find((t) => String(t.id) === ticketId);
  const event = ticket && data.events.find((e) => e.id === ticket.eventId);
  return { result, message: MESSAGES[result], ticket, event };
}
