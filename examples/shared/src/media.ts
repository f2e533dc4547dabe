import { randomBytes } from 'node:crypto';
import { isStorageError, type Storage, StorageError } from '@stowage/core';
import { receiveUpload } from '@stowage/core/http';
import { fileTypeFromBuffer } from 'file-type';

export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/** The image types the forms take (by their bytes), and the extension each is stored with. */
export const IMAGE_TYPES: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};
/** Said wherever an image is asked for or refused. */
export const IMAGE_TYPES_TEXT = 'PNG, JPEG, GIF or WebP';
export const IMAGE_TOO_LARGE = 'The image is larger than 5 MiB.';
/** How long signed URLs handed to the browser work. */
const SIGNED_URL_SECONDS = 3600;

/**
 * `public`: `storage.url(key)` (disk under /media, a CDN, Cloudinary, a public bucket).
 * `signed`: `storage.signedUrl(key)`, for private buckets.
 */
export type UrlMode = 'public' | 'signed';

/** A browser URL for a stored file (relative for the disk driver). */
export function mediaUrl(storage: Storage, mode: UrlMode, key: string): Promise<string> {
  if (mode === 'public') return Promise.resolve(storage.url(key));
  return storage.signedUrl(key, { expiresIn: SIGNED_URL_SECONDS });
}

/** How avatars are shown (CSS-scaled to their box): the same crop on every driver. */
export const AVATAR_TRANSFORM = { width: 200, height: 200, crop: 'fill' } as const;

/**
 * A browser URL for a customer's avatar: a 200x200 crop through `url(key, { transform })` (the
 * images handler, or Cloudinary's CDN), else the file itself.
 */
export function avatarUrl(storage: Storage, mode: UrlMode, key: string): Promise<string> {
  if (!storage.capabilities.transforms) return mediaUrl(storage, mode, key);
  return Promise.resolve(storage.url(key, { transform: AVATAR_TRANSFORM }));
}

/** Where a customer's images go: a new key per upload, so a browser never shows a stale one. */
export function avatarKey(customerId: number, extension: string): string {
  return `${avatarPrefix(customerId)}${randomBytes(6).toString('hex')}.${extension}`;
}

export function avatarPrefix(customerId: number): string {
  return `avatars/${customerId}/`;
}

/** A received customer form: the fields, and the key of the stored image if one was chosen. */
export type ReceivedForm =
  | { ok: true; fields: Record<string, string>; imageKey?: string }
  | { ok: false; error: unknown; fields: Record<string, string> };

const NO_FILE_CHOSEN = Symbol('no file chosen');

/**
 * Receives a customer form (`multipart/form-data`) whose `image` field is optional: the image is
 * streamed into the storage, its type read from its bytes, its size checked while it streams.
 * When it fails, nothing is stored and `fields` still holds what was typed (the fields before
 * the file input: put it last in the form).
 *
 * The type is checked in `key` rather than with receiveUpload's `accept: ['image/*']` because a
 * browser sends an empty, typeless file part when no file was chosen, which `accept` would
 * refuse; here that case means "no new image".
 */
export async function receiveCustomerForm(
  request: Request,
  storage: Storage,
  keyFor: (extension: string) => string,
): Promise<ReceivedForm> {
  let fieldsBeforeFile: Record<string, string> = {};
  try {
    const { object, fields } = await receiveUpload(request, storage, {
      field: 'image',
      maxSize: MAX_IMAGE_BYTES,
      key: (file, before) => {
        fieldsBeforeFile = before;
        if (file.filename === '' && file.extension === '') throw NO_FILE_CHOSEN;
        if (!Object.hasOwn(IMAGE_TYPES, file.mimeType)) throw notAnImage(file.mimeType);
        return keyFor(file.extension);
      },
    });
    return { ok: true, fields, imageKey: object.key };
  } catch (error) {
    if (error === NO_FILE_CHOSEN) return { ok: true, fields: fieldsBeforeFile };
    const reworded = isStorageError(error, 'TOO_LARGE')
      ? new StorageError('TOO_LARGE', IMAGE_TOO_LARGE)
      : error;
    return { ok: false, error: reworded, fields: fieldsBeforeFile };
  }
}

/**
 * Checks a file a browser uploaded straight to the storage (see `/api/uploads`): it must be there,
 * at most 5 MiB, and an image by its bytes. Otherwise it is deleted and the error says why.
 */
export async function checkUploadedImage(storage: Storage, key: string): Promise<void> {
  let problem: StorageError | undefined;
  const info = await storage.head(key).catch((error: unknown) => {
    if (isStorageError(error, 'NOT_FOUND')) {
      throw new StorageError('INVALID_INPUT', 'The upload did not arrive in the storage.');
    }
    throw error;
  });
  if (info.size > MAX_IMAGE_BYTES) problem = new StorageError('TOO_LARGE', IMAGE_TOO_LARGE);
  else {
    const head = info.size === 0 ? new Uint8Array() : await firstBytes(storage, key);
    const type = await fileTypeFromBuffer(head);
    if (!type || !Object.hasOwn(IMAGE_TYPES, type.mime)) problem = notAnImage(type?.mime);
  }
  if (problem) {
    await storage.delete(key);
    throw problem;
  }
}

async function firstBytes(storage: Storage, key: string): Promise<Uint8Array> {
  const object = await storage.get(key, { range: { offset: 0, length: 4100 } });
  return object.bytes();
}

function notAnImage(mimeType: string | undefined): StorageError {
  const found =
    mimeType && mimeType !== 'application/octet-stream' ? ` (its content is ${mimeType})` : '';
  const what = mimeType?.startsWith('image/') ? 'an image this form takes' : 'an image';
  return new StorageError(
    'INVALID_INPUT',
    `The file is not ${what}${found}. Choose a ${IMAGE_TYPES_TEXT} image.`,
  );
}

/** Whether `error` refuses what the user sent (INVALID_INPUT, TOO_LARGE): no need to log it. */
export function isRefusal(error: unknown): error is StorageError {
  return isStorageError(error, 'INVALID_INPUT') || isStorageError(error, 'TOO_LARGE');
}

/**
 * What each ticket field the ticket service refuses must hold (its `Invalid ticket <field>: ...`
 * errors; the limits are those of packages/tickets/src/validate.ts and date.ts).
 */
const TICKET_FIELD_MESSAGES: ReadonlyMap<string, string> = new Map([
  ['eventTitle', 'The event title must be a text of at most 200 characters.'],
  ['eventDate', 'The event date must be a real date and time, like 2026-06-14T19:30.'],
  ['buyerName', "The buyer's name must be a text of at most 120 characters."],
  ['venue', 'The venue must be a text of at most 200 characters.'],
  ['quantity', 'Quantity must be a whole number from 1 to 20.'],
]);

/**
 * A message safe to show in the page that answers the form (escaped there): our own
 * INVALID_INPUT / TOO_LARGE texts, for a ticket field a fixed text naming the field and what it
 * takes, anything else a generic text.
 */
export function messageFor(error: unknown): string {
  if (!isRefusal(error)) return 'Something went wrong while saving. Please try again.';
  const field = /^Invalid ticket (\w+):/.exec(error.message)?.[1];
  if (field !== undefined) {
    return (
      TICKET_FIELD_MESSAGES.get(field) ??
      'The ticket could not be made from this form: check its fields.'
    );
  }
  return error.message;
}

/**
 * {@link messageFor} for a message signed into a page's URL (see messages.ts): the app vouches
 * for every word of it, so it never quotes what the user sent.
 */
export function linkMessageFor(error: unknown): string {
  return linkMessage(messageFor(error));
}

/**
 * A message text for a link (see {@link linkMessageFor}): without the values libraries quote in
 * it, `"..."` (JSON) and `, got ...` tails (a multipart field's name is the sender's, for one).
 */
export function linkMessage(message: string): string {
  return message.replace(/\s*"(?:[^"\\]|\\.)*"/g, '').replace(/,?\s*got\b[^.;]*/g, '');
}
