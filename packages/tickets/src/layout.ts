import { StorageError } from '@stowage/core';
import type { TicketIds, TicketLayout } from './types.js';

/**
 * The paths the Django service used and existing tickets already have:
 * `tickets/qr_codes/{eventId}/ticket_{ticketId}.png` and `tickets/pdf/{eventId}/ticket_{ticketId}.pdf`.
 */
export const defaultLayout: TicketLayout = Object.freeze({
  qrKey: ({ eventId, ticketId }: TicketIds) => `tickets/qr_codes/${eventId}/ticket_${ticketId}.png`,
  pdfKey: ({ eventId, ticketId }: TicketIds) => `tickets/pdf/${eventId}/ticket_${ticketId}.pdf`,
  prefixes: ['tickets/qr_codes/', 'tickets/pdf/'],
});

// Ids no real ticket has (ids are at most 64 characters), to find where a layout puts them.
const PROBE: TicketIds = {
  eventId: 'stowageprobeevent0000000000000000000000000000000000000000000000000000',
  ticketId: 'stowageprobeticket000000000000000000000000000000000000000000000000000',
};

/**
 * The key prefixes `migrate()` lists: the layout's own `prefixes`, else for each key function
 * the directory before the first segment that holds an id.
 */
export function layoutPrefixes(layout: TicketLayout): string[] {
  if (layout.prefixes) return [...new Set(layout.prefixes)];
  const prefixes = [layout.qrKey(PROBE), layout.pdfKey(PROBE)].map((key) => {
    const at = Math.min(
      ...[key.indexOf(PROBE.eventId), key.indexOf(PROBE.ticketId)].filter((i) => i >= 0),
    );
    const head = Number.isFinite(at) ? key.slice(0, at) : key;
    return head.slice(0, head.lastIndexOf('/') + 1);
  });
  if (prefixes.includes('')) {
    // Listing '' would copy the whole storage.
    throw new StorageError(
      'CONFIG',
      'The ticket layout puts ids in the first path segment: give it `prefixes` to migrate.',
    );
  }
  return [...new Set(prefixes)];
}
