import { keyProblem } from '@stowage/core';
import { app } from '@/lib/context';
import { findCustomer, setCustomer } from '@/lib/customers';
import { idParam, jsonError, jsonNotFound } from '@/lib/http';
import { avatarPrefix, checkUploadedImage, mediaUrl } from '@/lib/media';

// Direct upload, step 2: the browser says the file is there; the server checks it.
export async function POST(request: Request, context: { params: Promise<{ id: string }> }) {
  const customer = await findCustomer(await idParam(context));
  if (!customer) return jsonNotFound('No such customer.');
  const body = (await request.json().catch(() => ({}))) as { key?: unknown };
  const key = String(body.key ?? '');
  // Only a key handed out for this customer: a client cannot claim someone else's file.
  if (!key.startsWith(avatarPrefix(customer.id)) || keyProblem(key)) {
    return Response.json(
      { error: { code: 'INVALID_KEY', message: 'Not an upload key.' } },
      { status: 400 },
    );
  }
  const { storage, urls } = app();
  try {
    await checkUploadedImage(storage, key);
    const old = await setCustomer(customer.id, (c) => {
      c.imageKey = key;
    });
    if (old?.imageKey && old.imageKey !== key) await storage.delete(old.imageKey);
    return Response.json({ key, imageUrl: await mediaUrl(storage, urls, key) });
  } catch (error) {
    return jsonError(error);
  }
}
