import { deleteTicket } from '@stowage/example-shared/tickets';
import { app } from '@/lib/context';
import { idParam, seeOther } from '@/lib/http';

export async function POST(_request: Request, context: { params: Promise<{ id: string }> }) {
  await deleteTicket(app(), await idParam(context));
  return seeOther('/tickets');
}
