import { randomBytes } from 'node:crypto';
import {
  type DirectUpload,
  isStorageError,
  keyProblem,
  type Storage,
  StorageError,
} from '@stowage/core';
import { errorResponse } from '@stowage/core/http';
import {
  avatarKey,
  avatarUrl,
  checkUploadedImage,
  IMAGE_TOO_LARGE,
  IMAGE_TYPES,
  IMAGE_TYPES_TEXT,
  isRefusal,
  MAX_IMAGE_BYTES,
  messageFor,
  receiveCustomerForm,
  type UrlMode,
} from './media.js';
import { type Customer, type JsonStore, takeId } from './store.js';

export interface CustomerContext {
  store: JsonStore;
  storage: Storage;
  urls: UrlMode;
}

/** A JSON answer, for the app to send: its HTTP status and body. */
export interface JsonAnswer {
  status: number;
  body: unknown;
}

const refused = (status: number, code: string, message: string): JsonAnswer => ({
  status,
  body: { error: { code, message } },
});

export async function findCustomer(store: JsonStore, id: number): Promise<Customer | undefined> {
  return (await store.read()).customers.find((c) => c.id === id);
}

/** Changes a customer; returns it as it was before. */
export function setCustomer(
  store: JsonStore,
  id: number,
  change: (customer: Customer) => void,
): Promise<Customer | undefined> {
  return store.update((data) => {
    const customer = data.customers.find((c) => c.id === id);
    if (!customer) return undefined;
    const before = { ...customer };
    change(customer);
    return before;
  });
}

/** Deletes a customer, then their image and their direct uploads never attached. */
export async function deleteCustomer(ctx: CustomerContext, id: number): Promise<void> {
  const removed = await ctx.store.update((data) => {
    const found = data.customers.find((c) => c.id === id);
    data.customers = data.customers.filter((c) => c.id !== id);
    return found;
  });
  if (removed?.imageKey) await ctx.storage.delete(removed.imageKey);
  if (removed && ctx.storage.capabilities.list) {
    await ctx.storage.deletePrefix(stagingPrefix(String(id)));
  }
}

/**
 * Where an image lands before the server has checked it (a direct upload, or a new customer's
 * form before the customer has an id): never an avatar's key. A direct-upload URL stays valid
 * for its whole lifetime, so a checked file is moved to an avatar key no URL points at.
 */
function stagingPrefix(owner: string): string {
  return `uploads/${owner}/`;
}

function stagingKey(owner: string, extension: string): string {
  return `${stagingPrefix(owner)}${randomBytes(9).toString('hex')}.${extension}`;
}

/** The image extension of a staging key made for `owner`, or undefined if it is not one. */
function stagedExtension(key: string, owner: string): string | undefined {
  const prefix = stagingPrefix(owner);
  if (!key.startsWith(prefix) || keyProblem(key)) return undefined;
  const extension = /^[0-9a-f]+\.([a-z]+)$/.exec(key.slice(prefix.length))?.[1];
  return extension && Object.values(IMAGE_TYPES).includes(extension) ? extension : undefined;
}

/**
 * Moves a staged image to the avatar key `to`. A staged file that is not there (never uploaded,
 * or attached already) is the client's mistake, said as such.
 */
async function unstage(storage: Storage, from: string, to: string): Promise<void> {
  try {
    await storage.move(from, to);
  } catch (error) {
    if (isStorageError(error, 'NOT_FOUND')) {
      throw new StorageError('INVALID_INPUT', 'The upload did not arrive in the storage.');
    }
    throw error;
  }
}

function validate(fields: Record<string, string>): string | undefined {
  const name = (fields.name ?? '').trim();
  if (!name) return 'Name is required.';
  if (name.length > 120) return 'Name is too long (at most 120 characters).';
  if ((fields.email ?? '').length > 200) return 'Email is too long.';
  return undefined;
}

/** What became of a customer form: saved, or refused with a message, a status and what was typed. */
export type CustomerFormResult =
  | { saved: true }
  | { saved: false; problem: string; status: number; fields: Record<string, string> };

/**
 * Handles a customer form post (create when `customer` is undefined): streams the optional image
 * into the storage, saves the customer, deletes a replaced image. On a refused image or a missing
 * name nothing is stored, and the result says why, for the app to show the form again.
 * `onError` gets the errors the user is not shown the details of.
 */
export async function saveCustomerForm(
  ctx: CustomerContext,
  request: Request,
  customer: Customer | undefined,
  onError: (error: unknown) => void,
): Promise<CustomerFormResult> {
  const { store, storage } = ctx;
  const failed = (error: unknown, fields: Record<string, string>): CustomerFormResult => {
    if (!isRefusal(error)) onError(error);
    const status = errorResponse(error).status;
    return { saved: false, problem: messageFor(error), status, fields };
  };
  // A new customer's id is taken only once the form is accepted (ids are never reused): until
  // then, the image waits at a staging key.
  let extension = '';
  const form = await receiveCustomerForm(request, storage, (ext) => {
    extension = ext;
    return customer ? avatarKey(customer.id, ext) : stagingKey('new', ext);
  });
  if (!form.ok) return failed(form.error, form.fields);
  const problem = validate(form.fields);
  if (problem) {
    if (form.imageKey) await storage.delete(form.imageKey);
    return { saved: false, problem, status: 400, fields: form.fields };
  }
  const name = form.fields.name!.trim();
  const email = (form.fields.email ?? '').trim();
  if (!customer) {
    const id = await store.update((data) => takeId(data, 'customers'));
    let imageKey: string | undefined;
    if (form.imageKey) {
      imageKey = avatarKey(id, extension);
      try {
        await unstage(storage, form.imageKey, imageKey);
      } catch (error) {
        await storage.delete(form.imageKey).catch(onError);
        return failed(error, form.fields);
      }
    }
    await store.update((data) => {
      data.customers.push({ id, name, email, imageKey, createdAt: new Date().toISOString() });
    });
    return { saved: true };
  }
  const { imageKey } = form;
  const old = await setCustomer(store, customer.id, (c) => {
    c.name = name;
    c.email = email;
    if (imageKey) c.imageKey = imageKey;
  });
  // The replaced image is deleted once the customer points at the new one (or the new one, if
  // the customer was deleted meanwhile).
  if (imageKey && !old) await storage.delete(imageKey);
  if (imageKey && old?.imageKey) await storage.delete(old.imageKey);
  return { saved: true };
}

/** The JSON body of a direct upload's first step. */
export interface UploadRequest {
  customerId?: unknown;
  contentType?: unknown;
  size?: unknown;
}

/**
 * Direct upload, step 1: the browser asks where to send the file (`POST /api/uploads`, a JSON
 * body; `customer` is the one its `customerId` names). Answers `{ key, upload }` from
 * `storage.signedUpload()`, or a refusal; the storage's own errors are thrown, for the app to
 * answer.
 */
export async function signImageUpload(
  ctx: CustomerContext,
  customer: Customer | undefined,
  asked: UploadRequest,
): Promise<JsonAnswer> {
  if (!customer) return refused(404, 'NOT_FOUND', 'No such customer.');
  const contentType = String(asked.contentType ?? '');
  const extension = Object.hasOwn(IMAGE_TYPES, contentType) ? IMAGE_TYPES[contentType] : undefined;
  if (!extension) {
    return refused(400, 'INVALID_INPUT', `Choose a ${IMAGE_TYPES_TEXT} image.`);
  }
  const { size } = asked;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1) {
    return refused(
      400,
      'INVALID_INPUT',
      'Say the size of the image: "size" must be its number of bytes (a whole number above 0).',
    );
  }
  if (size > MAX_IMAGE_BYTES) return refused(413, 'TOO_LARGE', IMAGE_TOO_LARGE);
  // Not the avatar's key: the URL stays valid after the server has checked the file (see step 2).
  const key = stagingKey(String(customer.id), extension);
  const options = { expiresIn: 600, contentType };
  let upload: DirectUpload;
  try {
    upload = await ctx.storage.signedUpload(key, { ...options, maxSize: MAX_IMAGE_BYTES });
  } catch (error) {
    // R2 and Cloudinary sign uploads that cannot carry a size limit (a presigned PUT; Cloudinary
    // limits size per upload preset only): their drivers refuse maxSize, and say to check the
    // size after the upload, which step 2 does (checkUploadedImage) before anything uses the file.
    if (!isStorageError(error, 'UNSUPPORTED')) throw error;
    upload = await ctx.storage.signedUpload(key, options);
  }
  return { status: 200, body: { key, upload } };
}

/**
 * Direct upload, step 2: the browser says the file is there (`POST /api/customers/:id/image`,
 * `{ key }`). Moves the file to a new avatar key, checks it there, then points the customer at it
 * and deletes the old image. Answers `{ key, imageUrl }` (`key`: the avatar's) or a refusal; a
 * refused file and the storage's errors are thrown, and leave nothing stored.
 *
 * The upload URL stays valid for its lifetime whatever the server does, so the file is moved
 * before it is checked: what was checked is what the avatar shows, and a later upload to the
 * same URL lands at the staging key, which no customer points at.
 */
export async function attachUploadedImage(
  ctx: CustomerContext,
  customer: Customer | undefined,
  body: unknown,
): Promise<JsonAnswer> {
  if (!customer) return refused(404, 'NOT_FOUND', 'No such customer.');
  const key = String((body as { key?: unknown } | undefined)?.key ?? '');
  // Only a key handed out for this customer: a client cannot claim someone else's file.
  const extension = stagedExtension(key, String(customer.id));
  if (!extension) return refused(400, 'INVALID_KEY', 'Not an upload key.');
  const { store, storage, urls } = ctx;
  const imageKey = avatarKey(customer.id, extension);
  await unstage(storage, key, imageKey);
  try {
    await checkUploadedImage(storage, imageKey);
  } catch (error) {
    // A refused file is deleted by the check; one it could not read is deleted here.
    if (!isRefusal(error)) await storage.delete(imageKey).catch(() => {});
    throw error;
  }
  const old = await setCustomer(store, customer.id, (c) => {
    c.imageKey = imageKey;
  });
  if (!old) {
    // The customer was deleted meanwhile.
    await storage.delete(imageKey);
    return refused(404, 'NOT_FOUND', 'No such customer.');
  }
  if (old.imageKey) await storage.delete(old.imageKey);
  return {
    status: 200,
    body: { key: imageKey, imageUrl: await avatarUrl(storage, urls, imageKey) },
  };
}
