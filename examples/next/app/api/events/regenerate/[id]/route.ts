import { regenerateTicket, ticketJson } from '@stowage/example-shared/tickets';
import { app } from '@/lib/context';
import { idParam, jsonNotFound, origin } from '@/lib/http';

// Renders and stores the ticket's QR code and PDF again.
export async function POST(request: Request, context: { params: Promise<{ id: string }> }) {
  const id = await idParam(context);
  if (!(await regenerateTicket(app(), id))) return jsonNotFound('No such ticket.');
  return Response.json(await ticketJson(app(), id, origin(request)));
}
