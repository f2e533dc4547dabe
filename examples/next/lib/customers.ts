import { isStorageError } from '@stowage/core';
import { app } from './context';
import { seeOther } from './http';
import { avatarKey, messageFor, receiveCustomerForm } from './media';
import { type Customer, takeId } from './store';

function validate(fields: Record<string, string>): string | undefined {
  const name = (fields.name ?? '').trim();
  if (!name) return 'Name is required.';
  if (name.length > 120) return 'Name is too long (at most 120 characters).';
  if ((fields.email ?? '').length > 200) return 'Email is too long.';
  return undefined;
}

/**
 * Handles a customer form post (create when `customer` is undefined): streams the optional image
 * into the storage, saves the customer, deletes a replaced image. A refused image or a missing
 * name sends the browser back to the form with the message and what was typed.
 */
export async function saveCustomerForm(
  request: Request,
  customer: Customer | undefined,
): Promise<Response> {
  const { storage, store } = app();
  const id = customer?.id ?? (await store.update((data) => takeId(data, 'customers')));
  const form = await receiveCustomerForm(request, storage, (ext) => avatarKey(id, ext));
  let problem: string | undefined;
  if (!form.ok) {
    if (!isStorageError(form.error, 'INVALID_INPUT') && !isStorageError(form.error, 'TOO_LARGE')) {
      console.error(form.error);
    }
    problem = messageFor(form.error);
  } else {
    problem = validate(form.fields);
    if (problem && form.imageKey) await storage.delete(form.imageKey);
  }
  if (problem || !form.ok) {
    const back = customer ? `/customers/${customer.id}/edit` : '/customers/new';
    return seeOther(back, { error: problem, name: form.fields.name, email: form.fields.email });
  }
  const name = form.fields.name!.trim();
  const email = (form.fields.email ?? '').trim();
  const { imageKey } = form;
  if (!customer) {
    await store.update((data) => {
      data.customers.push({ id, name, email, imageKey, createdAt: new Date().toISOString() });
    });
    return seeOther('/');
  }
  const old = await setCustomer(customer.id, (c) => {
    c.name = name;
    c.email = email;
    if (imageKey) c.imageKey = imageKey;
  });
  // The replaced image is deleted once the customer points at the new one (or the new one, if
  // the customer was deleted meanwhile).
  if (imageKey && !old) await storage.delete(imageKey);
  if (imageKey && old?.imageKey) await storage.delete(old.imageKey);
  return seeOther('/');
}

export async function findCustomer(id: number): Promise<Customer | undefined> {
  return (await app().store.read()).customers.find((c) => c.id === id);
}

/** Changes a customer; returns it as it was before. */
export function setCustomer(
  id: number,
  change: (customer: Customer) => void,
): Promise<Customer | undefined> {
  return app().store.update((data) => {
    const customer = data.customers.find((c) => c.id === id);
    if (!customer) return undefined;
    const before = { ...customer };
    change(customer);
    return before;
  });
}
