import { StorageError } from '@stowage/core';
import { parseEventDate } from './date.js';
import type { Ticket, TicketIds, TicketInput, TicketRef } from './types.js';

/** Longest id accepted, in characters. */
export const MAX_ID_LENGTH = 64;

const ID = /^[A-Za-z0-9_-]+$/;

/** Upper bounds in characters (the demo forms' maxlength); the PDF prints any text within them. */
const MAX_TEXT: Record<'eventTitle' | 'buyerName' | 'venue', number> = {
  eventTitle: 200,
  buyerName: 120,
  venue: 200,
};

// Control characters print as nothing useful; they are dropped. Any other character is printed,
// in the first font that has it (see pdf-fonts.ts), so no name is refused for its script.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** A character that prints something: not a format character, a separator or a combining mark. */
const VISIBLE = /[^\p{Cf}\p{Z}\p{M}]/u;

/** A StorageError INVALID_INPUT naming the ticket field at fault. */
export function invalidField(field: string, message: string): StorageError {
  return new StorageError('INVALID_INPUT', `Invalid ticket ${field}: ${message}.`);
}

function normalizeId(field: 'ticketId' | 'eventId', value: unknown): string {
  if (value === undefined) throw invalidField(field, 'it is required');
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw invalidField(field, `a numeric id must be a non-negative integer, got ${value}`);
    }
    return String(value);
  }
  if (typeof value !== 'string') {
    throw invalidField(
      field,
      `expected a string or an integer, got ${value === null ? 'null' : typeof value}`,
    );
  }
  if (value.length === 0) throw invalidField(field, 'it must not be empty');
  if (value.length > MAX_ID_LENGTH) {
    throw invalidField(
      field,
      `it must be at most ${MAX_ID_LENGTH} characters, got ${value.length}`,
    );
  }
  if (!ID.test(value)) {
    throw invalidField(
      field,
      `only letters A-Z a-z, digits, "-" and "_" are allowed, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Validates the two ids; they end up in storage keys and in the QR payload. */
export function normalizeIds(ref: TicketRef): TicketIds {
  if (typeof ref !== 'object' || ref === null) {
    throw new StorageError('INVALID_INPUT', 'Expected a ticket or { ticketId, eventId }.');
  }
  return {
    ticketId: normalizeId('ticketId', ref.ticketId),
    eventId: normalizeId('eventId', ref.eventId),
  };
}

function normalizeText(field: keyof typeof MAX_TEXT, value: unknown): string {
  if (value === undefined) throw invalidField(field, 'it is required');
  if (typeof value !== 'string') {
    throw invalidField(field, `expected a string, got ${value === null ? 'null' : typeof value}`);
  }
  // Runs of white space (newlines included) print as one space; composed form (NFC), so that an
  // accent typed as a separate mark prints on its letter.
  const text = value.replace(/\s+/g, ' ').replace(CONTROL, '').normalize('NFC').trim();
  if (text.length === 0) throw invalidField(field, 'it must not be empty');
  // Zero-width spaces, direction marks, soft hyphens alone print nothing: a blank line on the ticket.
  if (!VISIBLE.test(text)) throw invalidField(field, 'it has no visible character');
  // Characters as people count them (code points): an emoji is one, not two UTF-16 units.
  const length = [...text].length;
  if (length > MAX_TEXT[field]) {
    throw invalidField(field, `it must be at most ${MAX_TEXT[field]} characters, got ${length}`);
  }
  return text;
}

/**
 * Validates a ticket and brings it to the form renderers receive. Throws INVALID_INPUT naming
 * the first field at fault.
 */
export function normalizeTicket(input: TicketInput, timeZone: string): Ticket {
  const ids = normalizeIds(input);
  const eventTitle = normalizeText('eventTitle', input.eventTitle);
  const buyerName = normalizeText('buyerName', input.buyerName);
  const venue =
    input.venue === undefined || input.venue === null || input.venue === ''
      ? undefined
      : normalizeText('venue', input.venue);
  const { quantity } = input;
  if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < 1) {
    throw invalidField(
      'quantity',
      // String(), not JSON.stringify: that throws on a BigInt and writes NaN as null.
      `expected a positive integer, got ${typeof quantity === 'string' ? JSON.stringify(quantity) : String(quantity)}`,
    );
  }
  const { date, text } = parseEventDate(input.eventDate, timeZone);
  return { ...ids, eventTitle, eventDate: date, eventDateText: text, buyerName, quantity, venue };
}
