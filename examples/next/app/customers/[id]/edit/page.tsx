import { avatarUrl } from '@stowage/example-shared/media';
import { recordId } from '@stowage/example-shared/store';
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { CustomerForm } from '@/components/customer-form';
import { app } from '@/lib/context';
import { findCustomer } from '@/lib/customers';
import { pageMessage, param, type SearchParams } from '@/lib/search-params';

export const dynamic = 'force-dynamic';

interface Props {
  params: Promise<{ id: string }>;
  searchParams: SearchParams;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const customer = await findCustomer(recordId((await params).id));
  return { title: customer ? `Edit ${customer.name}` : 'Not found' };
}

export default async function EditCustomerPage({ params, searchParams }: Props) {
  const customer = await findCustomer(recordId((await params).id));
  if (!customer) notFound();
  const query = await searchParams;
  const { storage, urls } = app();
  const imageUrl = customer.imageKey
    ? await avatarUrl(storage, urls, customer.imageKey)
    : undefined;
  return (
    <>
      <h1>Edit {customer.name}</h1>
      <CustomerForm
        customer={{ id: customer.id, imageUrl }}
        values={{
          name: param(query, 'name') ?? customer.name,
          email: param(query, 'email') ?? customer.email,
        }}
        error={pageMessage(query)}
        directUpload={storage.capabilities.signedUpload}
      />
    </>
  );
}
