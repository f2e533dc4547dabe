import { regeneratedQuery, regenerateTicket } from '@stowage/example-shared/tickets';
import { app } from '@/lib/context';
import { idParam, seeOther } from '@/lib/http';

export async function POST(_request: Request, context: { params: Promise<{ id: string }> }) {
  const id = await idParam(context);
  if (!(await regenerateTicket(app(), id)))
    return new Response('No such ticket.\n', { status: 404 });
  return seeOther(`/tickets/${id}`, regeneratedQuery(app().messageSecret, id));
}
