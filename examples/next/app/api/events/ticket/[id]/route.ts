import { deleteTicket, ticketJson } from '@stowage/example-shared/tickets';
import { app } from '@/lib/context';
import { idParam, jsonNotFound, origin } from '@/lib/http';

// The tickets API: { ticket_id, event_id, qr_code_url, pdf_ticket_url, ... }.
export async function GET(request: Request, context: { params: Promise<{ id: string }> }) {
  const json = await ticketJson(app(), await idParam(context), origin(request));
  return json ? Response.json(json) : jsonNotFound('No such ticket.');
}

// Deletes the ticket and its files.
export async function DELETE(_request: Request, context: { params: Promise<{ id: string }> }) {
  const id = await idParam(context);
  if (!(await deleteTicket(app(), id))) return jsonNotFound('No such ticket.');
  return Response.json({ deleted: true, ticket_id: id });
}
