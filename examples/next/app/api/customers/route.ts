import { saveCustomerForm } from '@/lib/customers';

// Creates a customer from the form (multipart, with an optional image).
export function POST(request: Request): Promise<Response> {
  return saveCustomerForm(request, undefined);
}
