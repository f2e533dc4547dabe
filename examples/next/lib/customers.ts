import * as shared from '@stowage/example-shared/customers';
import { linkMessage } from '@stowage/example-shared/media';
import { signedMessage } from '@stowage/example-shared/messages';
import type { Customer } from '@stowage/example-shared/store';
import { app } from './context';
import { seeOther } from './http';

/**
 * Handles a customer form post (create when `customer` is undefined), with the shared
 * `saveCustomerForm`. A refused image or a missing name sends the browser back to the form with
 * the message and what was typed.
 */
export async function saveCustomerForm(
  request: Request,
  customer: Customer | undefined,
): Promise<Response> {
  const result = await shared.saveCustomerForm(app(), request, customer, (error) =>
    console.error(error),
  );
  if (result.saved) return seeOther('/');
  const back = customer ? `/customers/${customer.id}/edit` : '/customers/new';
  const { fields } = result;
  return seeOther(back, {
    ...signedMessage(app().messageSecret, linkMessage(result.problem)),
    name: fields.name,
    email: fields.email,
  });
}

export function findCustomer(id: number): Promise<Customer | undefined> {
  return shared.findCustomer(app().store, id);
}
