/**
 * Sends `file` straight to the storage for the customer: `POST /api/uploads` for a signed URL or
 * form, the upload itself, then `POST /api/customers/:id/image` with the key. Rejects with the
 * message to show when a step fails.
 */
export function sendDirectUpload(
  customerId: number | string,
  file: File,
): Promise<{ key: string; imageUrl: string }>;
