import type { Metadata } from 'next';
import { CustomerForm } from '@/components/customer-form';
import { pageMessage, param, type SearchParams } from '@/lib/search-params';

export const metadata: Metadata = { title: 'New customer' };

export default async function NewCustomerPage({ searchParams }: { searchParams: SearchParams }) {
  const query = await searchParams;
  return (
    <>
      <h1>New customer</h1>
      <CustomerForm
        values={{ name: param(query, 'name'), email: param(query, 'email') }}
        error={pageMessage(query)}
        directUpload={false}
      />
    </>
  );
}
