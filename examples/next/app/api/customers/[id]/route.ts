import { findCustomer, saveCustomerForm } from '@/lib/customers';
import { idParam } from '@/lib/http';

// Updates a customer from the form; a new image replaces (and deletes) the old one.
export async function POST(request: Request, context: { params: Promise<{ id: string }> }) {
  const customer = await findCustomer(await idParam(context));
  if (!customer) return new Response('No such customer.\n', { status: 404 });
  return saveCustomerForm(request, customer);
}
