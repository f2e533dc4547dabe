import { app } from '@/lib/context';
import { findCustomer } from '@/lib/customers';
import { jsonError, jsonNotFound } from '@/lib/http';
import { avatarKey, IMAGE_TOO_LARGE, MAX_IMAGE_BYTES } from '@/lib/media';

/** Extensions for the image types a browser may announce for a direct upload. */
const IMAGE_EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
};

// Direct upload, step 1: the browser asks where to send the file.
export async function POST(request: Request) {
  const body = (await request.json().catch(() => ({}))) as {
    customerId?: unknown;
    contentType?: unknown;
    size?: unknown;
  };
  const customer = await findCustomer(Number(body.customerId));
  if (!customer) return jsonNotFound('No such customer.');
  const contentType = String(body.contentType ?? '');
  const extension = IMAGE_EXTENSIONS[contentType];
  if (!extension) {
    return Response.json(
      { error: { code: 'INVALID_INPUT', message: 'Choose a PNG, JPEG, GIF, WebP or AVIF image.' } },
      { status: 400 },
    );
  }
  const size = Number(body.size);
  if (!Number.isFinite(size) || size > MAX_IMAGE_BYTES) {
    return Response.json(
      { error: { code: 'TOO_LARGE', message: IMAGE_TOO_LARGE } },
      { status: 413 },
    );
  }
  const key = avatarKey(customer.id, extension);
  try {
    const upload = await app().storage.signedUpload(key, {
      expiresIn: 600,
      contentType,
      maxSize: MAX_IMAGE_BYTES,
    });
    return Response.json({ key, upload });
  } catch (error) {
    return jsonError(error);
  }
}
