import { isStorageError } from '@stowage/core';
import { linkMessageFor } from '@stowage/example-shared/media';
import { signedMessage } from '@stowage/example-shared/messages';
import { createTicket } from '@stowage/example-shared/tickets';
import { app } from '@/lib/context';
import { seeOther } from '@/lib/http';

// Creates a ticket from the form and renders its QR code and PDF.
export async function POST(request: Request) {
  const form = Object.fromEntries(
    [...(await request.formData()).entries()].map(([name, value]) => [name, String(value)]),
  );
  try {
    const ticket = await createTicket(app(), form);
    return seeOther(`/tickets/${ticket.id}`);
  } catch (error) {
    if (!isStorageError(error, 'INVALID_INPUT')) console.error(error);
    return seeOther('/tickets', {
      ...form,
      ...signedMessage(app().messageSecret, linkMessageFor(error)),
    });
  }
}
