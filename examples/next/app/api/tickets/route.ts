import { isStorageError } from '@stowage/core';
import { linkMessageFor } from '@stowage/example-shared/media';
import { signedMessage } from '@stowage/example-shared/messages';
import {
  createTicket,
  TICKET_FORM_FIELDS,
  TICKET_FORM_LIMIT,
} from '@stowage/example-shared/tickets';
import { app } from '@/lib/context';
import { formFields, limitedBody, seeOther, tooLarge } from '@/lib/http';

// Creates a ticket from the form and renders its QR code and PDF.
export async function POST(request: Request) {
  const body = await limitedBody(request, TICKET_FORM_LIMIT);
  if (body === undefined) return tooLarge();
  const form = await formFields(request, body);
  try {
    const ticket = await createTicket(app(), form);
    return seeOther(`/tickets/${ticket.id}`);
  } catch (error) {
    if (!isStorageError(error, 'INVALID_INPUT')) console.error(error);
    // Back to the form, with what was typed in its own fields (nothing else is carried).
    const typed = Object.fromEntries(TICKET_FORM_FIELDS.map((name) => [name, form[name]]));
    return seeOther('/tickets', {
      ...typed,
      ...signedMessage(app().messageSecret, linkMessageFor(error)),
    });
  }
}
