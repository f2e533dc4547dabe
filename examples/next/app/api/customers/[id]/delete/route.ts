import { deleteCustomer } from '@stowage/example-shared/customers';
import { app } from '@/lib/context';
import { idParam, seeOther } from '@/lib/http';

// Deletes a customer, then their image.
export async function POST(_request: Request, context: { params: Promise<{ id: string }> }) {
  await deleteCustomer(app(), await idParam(context));
  return seeOther('/');
}
