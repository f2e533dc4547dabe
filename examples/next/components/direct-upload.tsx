'use client';

import { sendDirectUpload } from '@stowage/example-shared/direct-upload';
import { useRouter } from 'next/navigation';
import { useRef, useState } from 'react';

/**
 * The server signs, the browser sends the file straight to the storage, then tells the server
 * which key to attach (the server checks the file before using it): the shared sendDirectUpload.
 */
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
      await sendDirectUpload(customerId, file);
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
      <div className="pick">
        <input id="direct-file" ref={input} type="file" accept="image/*" />
        <button id="direct-send" type="button" onClick={upload}>
          Upload directly
        </button>
      </div>
      <p id="direct-status" role="status">
        {status}
      </p>
    </section>
  );
}
