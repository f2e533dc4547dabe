import { keyProblem, type Storage } from '@stowage/core';
import { errorResponse } from '@stowage/core/http';
import {
  avatarKey,
  avatarPrefix,
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

/** Deletes a customer, then their image. */
export async function deleteCustomer(ctx: CustomerContext, id: number): Promise<void> {
  const removed = await ctx.store.update((data) => {
    const found = data.customers.find((c) => c.id === id);
    data.customers = data.customers.filter((c) => c.id !== id);
    return found;
  });
  if (removed?.imageKey) await ctx.storage.delete(removed.imageKey);
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
  const id = customer?.id ?? (await store.update((data) => takeId(data, 'customers')));
  const form = await receiveCustomerForm(request, storage, (ext) => avatarKey(id, ext));
  if (!form.ok) {
    if (!isRefusal(form.error)) onError(form.error);
    const status = errorResponse(form.error).status;
    return { saved: false, problem: messageFor(form.error), status, fields: form.fields };
  }
  const problem = validate(form.fields);
  if (problem) {
    if (form.imageKey) await storage.delete(form.imageKey);
    return { saved: false, problem, status: 400, fields: form.fields };
  }
  const name = form.fields.name!.trim();
  const email = (form.fields.email ?? '').trim();
  const { imageKey } = form;
  if (!customer) {
    await store.update((data) => {
      data.customers.push({ id, name, email, imageKey, createdAt: new Date().toISOString() });
    });
    return { saved: true };
  }
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
  const size = Number(asked.size);
  if (!Number.isFinite(size) || size > MAX_IMAGE_BYTES) {
    return refused(413, 'TOO_LARGE', IMAGE_TOO_LARGE);
  }
  const key = avatarKey(customer.id, extension);
  const upload = await ctx.storage.signedUpload(key, {
    expiresIn: 600,
    contentType,
    maxSize: MAX_IMAGE_BYTES,
  });
  return { status: 200, body: { key, upload } };
}

/**
 * Direct upload, step 2: the browser says the file is there (`POST /api/customers/:id/image`,
 * `{ key }`). Checks the file, then points the customer at it and deletes the old image. Answers
 * `{ key, imageUrl }` or a refusal; a refused file and the storage's errors are thrown.
 */
export async function attachUploadedImage(
  ctx: CustomerContext,
  customer: Customer | undefined,
  body: unknown,
): Promise<JsonAnswer> {
  if (!customer) return refused(404, 'NOT_FOUND', 'No such customer.');
  const key = String((body as { key?: unknown } | undefined)?.key ?? '');
  // Only a key handed out for this customer: a client cannot claim someone else's file.
  if (!key.startsWith(avatarPrefix(customer.id)) || keyProblem(key)) {
    return refused(400, 'INVALID_KEY', 'Not an upload key.');
  }
  const { store, storage, urls } = ctx;
  await checkUploadedImage(storage, key);
  const old = await setCustomer(store, customer.id, (c) => {
    c.imageKey = key;
  });
  if (old?.imageKey && old.imageKey !== key) await storage.delete(old.imageKey);
  return { status: 200, body: { key, imageUrl: await avatarUrl(storage, urls, key) } };
}
