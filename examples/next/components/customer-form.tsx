import Link from 'next/link';
import { Avatar } from './avatar';
import { DirectUploadForm } from './direct-upload';

export interface CustomerFormProps {
  /** The customer being edited; a new one when absent. */
  customer?: { id: number; imageUrl?: string };
  values: { name?: string; email?: string };
  error?: string;
  /** The storage can take uploads straight from the browser. */
  directUpload: boolean;
}

export function CustomerForm({ customer, values, error, directUpload }: CustomerFormProps) {
  return (
    <>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <form
        className="card"
        method="post"
        action={customer ? `/api/customers/${customer.id}` : '/api/customers'}
        encType="multipart/form-data"
      >
        {customer && (
          <div className="current">
            <Avatar src={customer.imageUrl} size={96} />
          </div>
        )}
        <label>
          Name <input name="name" required maxLength={120} defaultValue={values.name} />
        </label>
        <label>
          Email <input name="email" type="email" maxLength={200} defaultValue={values.email} />
        </label>
        {/* The file input comes last: the server knows the other fields when the image arrives. */}
        <label>
          Profile image <input name="image" type="file" accept="image/*" />
        </label>
        <p className="hint">
          PNG, JPEG, GIF or WebP, up to 5 MiB.
          {customer ? ' Leave empty to keep the current image.' : ''}
        </p>
        <p className="buttons">
          <button type="submit">{customer ? 'Save' : 'Create customer'}</button>
          <Link href="/">Cancel</Link>
        </p>
      </form>
      {customer && directUpload && <DirectUploadForm customerId={customer.id} />}
    </>
  );
}
