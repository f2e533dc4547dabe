import { signImageUpload, type UploadRequest } from '@stowage/example-shared/customers';
import { app } from '@/lib/context';
import { findCustomer } from '@/lib/customers';
import { jsonError } from '@/lib/http';

// Direct upload, step 1: the browser asks where to send the file.
export async function POST(request: Request) {
  const body = (await request.json().catch(() => ({}))) as UploadRequest;
  const customer = await findCustomer(Number(body.customerId));
  try {
    const { status, body: answer } = await signImageUpload(app(), customer, body);
    return Response.json(answer, { status });
  } catch (error) {
    return jsonError(error);
  }
}
