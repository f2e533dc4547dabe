'use client';

import { useRouter } from 'next/navigation';
import { useRef, useState } from 'react';

interface DirectUpload {
  method: 'PUT' | 'POST';
  url: string;
  headers: Record<string, string>;
  fields: Record<string, string>;
}

async function postJson<T>(url: string, body: unknown): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(json.error?.message ?? `HTTP ${response.status}`);
  return json as T;
}

/**
 * The server signs, the browser sends the file straight to the storage, then tells the server
 * which key to attach (the server checks the file before using it).
 */
async function send(customerId: number, file: File): Promise<void> {
  const { key, upload } = await postJson<{ key: string; upload: DirectUpload }>('/api/uploads', {
    customerId,
    contentType: file.type,
    size: file.size,
  });
  let response: Response;
  if (upload.method === 'PUT') {
    response = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: file });
  } else {
    // A presigned POST form: the signed fields first, the file last.
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append('file', file);
    response = await fetch(upload.url, { method: 'POST', body: form });
  }
  if (!response.ok) throw new Error(`The storage refused the upload (HTTP ${response.status}).`);
  await postJson(`/api/customers/${customerId}/image`, { key });
}

export function DirectUploadForm({ customerId }: { customerId: number }) {
  const router = useRouter();
  const input = useRef<HTMLInputElement>(null);
  const [status, setStatus] = useState('');
  const upload = async () => {
    const file = input.current?.files?.[0];
    if (!file) {
      setStatus('Choose an image first.');
      return;
    }
    setStatus('Uploading…');
    try {
      await send(customerId, file);
      router.refresh(); // shows the new image
      setStatus('Uploaded.');
    } catch (error) {
      setStatus((error as Error).message);
    }
  };
  return (
    <section className="card" id="direct-upload">
      <h2>Or upload straight to the storage</h2>
      <p className="hint">
        The browser sends the file to the storage itself (a signed URL or form); the app only checks
        it afterwards.
      </p>
      <input id="direct-file" ref={input} type="file" accept="image/*" />
      <button id="direct-send" type="button" onClick={upload}>
        Upload directly
      </button>
      <p id="direct-status" role="status">
        {status}
      </p>
    </section>
  );
}
