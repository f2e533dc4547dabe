import { attachUploadedImage } from '@stowage/example-shared/customers';
import { app } from '@/lib/context';
import { findCustomer } from '@/lib/customers';
import { idParam, jsonBody, jsonError, tooLarge } from '@/lib/http';

// Direct upload, step 2: the browser says the file is there; the server checks it.
export async function POST(request: Request, context: { params: Promise<{ id: string }> }) {
  const customer = await findCustomer(await idParam(context));
  const json = await jsonBody(request);
  if (!json) return tooLarge();
  const body = json.value ?? {};
  try {
    const { status, body: answer } = await attachUploadedImage(app(), customer, body);
    return Response.json(answer, { status });
  } catch (error) {
    return jsonError(error);
  }
}
