import { app } from '@/lib/context';
import { idParam, seeOther } from '@/lib/http';
import { deleteTicket } from '@/lib/tickets';

export async function POST(_request: Request, context: { params: Promise<{ id: string }> }) {
  await deleteTicket(app(), await idParam(context));
  return seeOther('/tickets');
}
