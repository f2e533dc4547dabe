import { signImageUpload, type UploadRequest } from '@stowage/example-shared/customers';
import { recordId } from '@stowage/example-shared/store';
import { app } from '@/lib/context';
import { findCustomer } from '@/lib/customers';
import { jsonBody, jsonError, tooLarge } from '@/lib/http';

// Direct upload, step 1: the browser asks where to send the file.
export async function POST(request: Request) {
  const json = await jsonBody(request);
  if (!json) return tooLarge();
  const body = (json.value ?? {}) as UploadRequest;
  const customer = await findCustomer(recordId(body.customerId));
  try {
    const { status, body: answer } = await signImageUpload(app(), customer, body);
    return Response.json(answer, { status });
  } catch (error) {
    return jsonError(error);
  }
}
