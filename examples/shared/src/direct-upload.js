// Direct upload, in the browser: the server signs, the browser sends the file straight to the
// storage, then tells the server which key to attach (the server checks the file before using
// it). Plain JavaScript, so that the Express app can serve it as it is; types in the .d.ts.

async function postJson(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(json.error?.message ?? `HTTP ${response.status}`);
  return json;
}

export async function sendDirectUpload(customerId, file) {
  const { key, upload } = await postJson('/api/uploads', {
    customerId,
    contentType: file.type,
    size: file.size,
  });
  let response;
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
  return postJson(`/api/customers/${customerId}/image`, { key });
}
