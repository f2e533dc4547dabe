import { avatarUrl } from '@stowage/example-shared/media';
import type { Metadata } from 'next';
import Link from 'next/link';
import { Avatar } from '@/components/avatar';
import { ConfirmForm } from '@/components/confirm-form';
import { app } from '@/lib/context';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Customers' };

export default async function CustomersPage() {
  const { store, storage, urls } = app();
  const { customers } = await store.read();
  const rows = await Promise.all(
    customers.map(async (customer) => ({
      customer,
      imageUrl: customer.imageKey ? await avatarUrl(storage, urls, customer.imageKey) : undefined,
    })),
  );
  return (
    <>
      <h1>Customers</h1>
      <p>
        <Link className="button" href="/customers/new">
          New customer
        </Link>
      </p>
      {rows.length === 0 ? (
        <p className="empty">No customers yet.</p>
      ) : (
        <table className="customers">
          <thead>
            <tr>
              <th />
              <th>Name</th>
              <th>Email</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map(({ customer, imageUrl }) => (
              <tr key={customer.id} data-customer-id={customer.id}>
                <td>
                  <Avatar src={imageUrl} />
                </td>
                <td className="name">{customer.name}</td>
                <td>{customer.email}</td>
                <td className="actions">
                  <Link href={`/customers/${customer.id}/edit`}>Edit</Link>
                  <ConfirmForm
                    action={`/api/customers/${customer.id}/delete`}
                    message="Delete this customer and their image?"
                  >
                    <button className="link danger" type="submit">
                      Delete
                    </button>
                  </ConfirmForm>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
