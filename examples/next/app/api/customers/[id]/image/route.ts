import { attachUploadedImage } from '@stowage/example-shared/customers';
import { app } from '@/lib/context';
import { findCustomer } from '@/lib/customers';
import { idParam, jsonError } from '@/lib/http';

// Direct upload, step 2: the browser says the file is there; the server checks it.
export async function POST(request: Request, context: { params: Promise<{ id: string }> }) {
  const customer = await findCustomer(await idParam(context));
  const body = await request.json().catch(() => ({}));
  try {
    const { status, body: answer } = await attachUploadedImage(app(), customer, body);
    return Response.json(answer, { status });
  } catch (error) {
    return jsonError(error);
  }
}
