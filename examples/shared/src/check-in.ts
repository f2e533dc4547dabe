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

/** The query of the page shown after a check-in form (post, redirect, get: a reload posts nothing). */
export function checkInQuery(outcome: CheckInOutcome): Record<string, string> {
  return outcome.result === 'invalid'
    ? { result: 'invalid' }
    : { result: outcome.result, ticket: String(outcome.ticket.id) };
}

/** What the page shows for its query: a known result, and the ticket it names if any. */
export async function checkInView(
  ctx: TicketContext,
  query: { result?: string; ticket?: string },
): Promise<
  { result: CheckInResult; message: string; ticket?: TicketRecord; event?: EventRecord } | undefined
> {
  const result = query.result as CheckInResult | undefined;
  if (!result || !Object.hasOwn(MESSAGES, result)) return undefined;
  const data = await ctx.store.read();
  const ticket =
    result === 'invalid' ? undefined : data.tickets.find((t) => t.id === Number(query.ticket));
  const event = ticket && data.events.find((e) => e.id === ticket.eventId);
  return { result, message: MESSAGES[result], ticket, event };
}
