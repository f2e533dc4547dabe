import { isStorageError, type Storage, StorageError, withoutPublicUrls } from '@stowage/core';
import { createTicketService, type TicketInput, type TicketService } from '@stowage/tickets';
import type { UrlMode } from './media.js';
import { expiringSignature, isGenuineSignature } from './messages.js';
import { type EventRecord, type JsonStore, type TicketRecord, takeId } from './store.js';

export interface TicketContext {
  store: JsonStore;
  storage: Storage;
  tickets: TicketService;
  urls: UrlMode;
}

/**
 * The demos' ticket service: files private on every storage (per-object visibility where it has
 * it) and handed out through signed URLs only, since the QR code is the admission credential.
 */
export function ticketService(storage: Storage, signingSecret: string): TicketService {
  return createTicketService({
    storage: withoutAppUrls(storage),
    signingSecret,
    access: 'private',
    urlExpiresIn: 900,
  });
}

/**
 * R2 behind the app's media proxy (USE_R2_MEDIA_PROXY, the default): the bucket itself is private
 * and the demo's proxy never serves tickets/, so ticket files are reached through signed URLs
 * only. The ticket service gets the storage without the proxy's URLs and links tickets through
 * signed URLs. A public domain in front of the bucket (R2_PUBLIC_URL) makes every file public:
 * then this does nothing and the ticket service refuses to start, saying what to change.
 */
function withoutAppUrls(storage: Storage): Storage {
  if (!storage.capabilities.publicUrl || storage.capabilities.visibility) return storage;
  if (!storage.url('tickets/probe.pdf').startsWith('/')) return storage;
  return withoutPublicUrls(storage);
}

/** What `GET /api/events/ticket/:id` answers (the field names the old Django API had). */
export interface TicketJson {
  ticket_id: number;
  event_id: number;
  event_title: string;
  event_date: string;
  venue: string;
  buyer_name: string;
  quantity: number;
  qr_code_url: string;
  pdf_ticket_url: string;
  qr_code_key: string;
  pdf_key: string;
  created_at: string;
}

function toInput(ticket: TicketRecord, event: EventRecord): TicketInput {
  return {
    ticketId: ticket.id,
    eventId: event.id,
    eventTitle: event.title,
    eventDate: event.date,
    venue: event.venue || undefined,
    buyerName: ticket.buyerName,
    quantity: ticket.quantity,
  };
}

export async function findTicket(
  ctx: TicketContext,
  id: number,
): Promise<{ ticket: TicketRecord; event: EventRecord } | undefined> {
  const data = await ctx.store.read();
  const ticket = data.tickets.find((t) => t.id === id);
  const event = ticket && data.events.find((e) => e.id === ticket.eventId);
  return ticket && event ? { ticket, event } : undefined;
}

/**
 * The query of the page a regeneration redirects to: `regenerated`, this app's signature for this
 * ticket, valid 5 minutes, so that a link cannot claim a regeneration that did not happen.
 */
export function regeneratedQuery(secret: string, id: number, now = Date.now()) {
  return { regenerated: expiringSignature(secret, 'ticket-regenerated', [String(id)], 300, now) };
}

/** Whether the page of ticket `id` says it was regenerated: its `regenerated` is genuine. */
export function wasRegenerated(secret: string, id: number, value: string | undefined): boolean {
  return isGenuineSignature(secret, 'ticket-regenerated', [String(id)], value);
}

/** C0 and C1 control characters (NUL, BEL, ...). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** The ticket form's fields, carried back to it after a refusal (nothing else is). */
export const TICKET_FORM_FIELDS = [
  'event_title',
  'event_date',
  'venue',
  'buyer_name',
  'quantity',
] as const;

/** The ticket form's largest body: its fields at their longest, encoded, fit many times over. */
export const TICKET_FORM_LIMIT = 16 * 1024;

/** Creates a ticket from the form (reusing the event if it exists) and renders its files. */
export async function createTicket(
  ctx: TicketContext,
  form: Record<string, string | undefined>,
): Promise<TicketRecord> {
  // Kept as the ticket prints them (packages/tickets: control characters dropped, NFC), so the
  // pages and the PDF show the same name.
  const text = (value: string | undefined) =>
    (value ?? '').replace(CONTROL, '').normalize('NFC').trim();
  const title = text(form.event_title);
  const date = text(form.event_date);
  const venue = text(form.venue);
  const buyerName = text(form.buyer_name);
  const quantity = Number(form.quantity);
  if (!title || !date || !buyerName) {
    throw new StorageError('INVALID_INPUT', 'Event title, date and buyer name are required.');
  }
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > 20) {
    throw new StorageError('INVALID_INPUT', 'Quantity must be a whole number from 1 to 20.');
  }
  const { ticket, event, newEvent } = await ctx.store.update((data) => {
    let event = data.events.find((e) => e.title === title && e.date === date && e.venue === venue);
    const newEvent = !event;
    if (!event) {
      event = { id: takeId(data, 'events'), title, date, venue };
      data.events.push(event);
    }
    const ticket: TicketRecord = {
      id: takeId(data, 'tickets'),
      eventId: event.id,
      buyerName,
      quantity,
      createdAt: new Date().toISOString(),
    };
    data.tickets.push(ticket);
    return { ticket, event, newEvent };
  });
  try {
    await ctx.tickets.issue(toInput(ticket, event));
  } catch (error) {
    // No ticket without its files: take the record back, the event made for it, and their ids
    // when no later record took one (a refused ticket leaves no trace).
    await ctx.store.update((data) => {
      data.tickets = data.tickets.filter((t) => t.id !== ticket.id);
      if (data.nextId.tickets === ticket.id + 1) data.nextId.tickets = ticket.id;
      if (newEvent && !data.tickets.some((t) => t.eventId === event.id)) {
        data.events = data.events.filter((e) => e.id !== event.id);
        if (data.nextId.events === event.id + 1) data.nextId.events = event.id;
      }
    });
    throw error;
  }
  return ticket;
}

/** URLs of a ticket's files; `undefined` when they are missing from the storage. */
export async function ticketUrls(
  ctx: TicketContext,
  ticket: TicketRecord,
): Promise<{ qrCode: string; pdf: string; qrKey: string; pdfKey: string } | undefined> {
  try {
    // get() checks that both files exist.
    const issued = await ctx.tickets.get(ticket.id, ticket.eventId);
    // Signed URLs (the service is private): none when the storage cannot sign.
    if (!issued.qrCode.url || !issued.pdf.url) return undefined;
    return {
      qrCode: issued.qrCode.url,
      pdf: issued.pdf.url,
      qrKey: issued.qrCode.key,
      pdfKey: issued.pdf.key,
    };
  } catch (error) {
    if (isStorageError(error, 'NOT_FOUND')) return undefined;
    throw error;
  }
}

/** The API view of a ticket, with absolute URLs; `undefined` when there is no such ticket. */
export async function ticketJson(
  ctx: TicketContext,
  id: number,
  origin: string,
): Promise<TicketJson | undefined> {
  const found = await findTicket(ctx, id);
  if (!found) return undefined;
  const { ticket, event } = found;
  const urls = await ticketUrls(ctx, ticket);
  const keys = ctx.tickets.keys({ ticketId: ticket.id, eventId: event.id });
  return {
    ticket_id: ticket.id,
    event_id: event.id,
    event_title: event.title,
    event_date: event.date,
    venue: event.venue,
    buyer_name: ticket.buyerName,
    quantity: ticket.quantity,
    qr_code_url: urls ? new URL(urls.qrCode, origin).href : '',
    pdf_ticket_url: urls ? new URL(urls.pdf, origin).href : '',
    qr_code_key: keys.qrCode,
    pdf_key: keys.pdf,
    created_at: ticket.createdAt,
  };
}

/** Renders and stores the ticket's files again. False when there is no such ticket. */
export async function regenerateTicket(ctx: TicketContext, id: number): Promise<boolean> {
  const found = await findTicket(ctx, id);
  if (!found) return false;
  await ctx.tickets.regenerate(toInput(found.ticket, found.event));
  return true;
}

/** Deletes the ticket's files, then the ticket. False when there is no such ticket. */
export async function deleteTicket(ctx: TicketContext, id: number): Promise<boolean> {
  const found = await findTicket(ctx, id);
  if (!found) return false;
  await ctx.tickets.remove({ ticketId: id, eventId: found.event.id });
  await ctx.store.update((data) => {
    data.tickets = data.tickets.filter((t) => t.id !== id);
  });
  return true;
}
