import { isStorageError, type Storage } from '@stowage/core';

/** How the Django service served QR codes. */
const QR_TRANSFORM = { width: 300, height: 300, crop: 'fill' } as const;

/** How URLs of ticket files are made. */
export interface UrlPolicy {
  access: 'public' | 'private';
  expiresIn: number;
}

/**
 * A browser-fetchable URL for a ticket file: public where allowed and possible (the QR resized
 * to 300x300 where the storage transforms images), else signed, else `undefined`.
 */
export async function fileUrl(
  storage: Storage,
  key: string,
  kind: 'qr' | 'pdf',
  policy: UrlPolicy,
): Promise<string | undefined> {
  const caps = storage.capabilities;
  if (policy.access === 'public' && (caps.publicUrl || caps.transforms)) {
    try {
      return storage.url(key, kind === 'qr' && caps.transforms ? { transform: QR_TRANSFORM } : {});
    } catch (error) {
      if (!isStorageError(error, 'UNSUPPORTED')) throw error;
    }
  }
  if (caps.signedUrl) {
    try {
      return await storage.signedUrl(key, { expiresIn: policy.expiresIn });
    } catch (error) {
      if (!isStorageError(error, 'UNSUPPORTED')) throw error;
    }
  }
  return undefined;
}
