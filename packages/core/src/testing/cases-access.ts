import { describe, expect } from 'vitest';
import { isStorageError } from '../errors.js';
import type { Storage } from '../storage.js';
import type { DirectUpload, Visibility } from '../types.js';
import { essence, expectStorageError } from './assertions.js';
import { defineCase, type Suite } from './context.js';
import { isFetchable, tamperSignature } from './fixtures.js';

const UPLOADED = 'uploaded straight to the storage ✓';

/** Performs a direct upload the way a browser would: PUT with headers, or a multipart POST. */
function performUpload(
  suite: Suite,
  upload: DirectUpload,
  content: string,
  fileName: string,
): Promise<Response> {
  if (upload.method === 'PUT') {
    return suite.fetch(upload.url, {
      method: 'PUT',
      headers: upload.headers,
      body: content,
      redirect: 'manual',
    });
  }
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append('file', new Blob([content], { type: 'text/plain' }), fileName);
  // `headers` are for a PUT; fetch sets the multipart Content-Type with its boundary itself.
  return suite.fetch(upload.url, { method: 'POST', body: form, redirect: 'manual' });
}

/** The upload with one character of its signature changed (URL for PUT, a field for POST). */
function tampered(upload: DirectUpload): DirectUpload | undefined {
  if (upload.method === 'POST') {
    const name = Object.keys(upload.fields).find((field) => /sig/i.test(field));
    if (name === undefined) return undefined;
    const value = upload.fields[name]!;
    // Reuse the URL tamperer on a fake query so that the same character rules apply.
    const changed = tamperSignature(`http://x/?sig=${encodeURIComponent(value)}`).slice(
      'http://x/?sig='.length,
    );
    return { ...upload, fields: { ...upload.fields, [name]: decodeURIComponent(changed) } };
  }
  try {
    return { ...upload, url: tamperSignature(upload.url) };
  } catch {
    return undefined;
  }
}

/** signedUpload and visibility. */
export function registerAccessCases(suite: Suite): void {
  describe('direct uploads', () => {
    defineCase(
      suite,
      'signedUpload describes an upload that stores the object',
      { needs: ['signedUpload'] },
      async ({ storage, p, t, suite }) => {
        const key = `${p}uploads/direct é.txt`;
        const before = Date.now();
        const upload = await storage.signedUpload(key, {
          expiresIn: 600,
          contentType: 'text/plain',
        });
        expect(['PUT', 'POST']).toContain(upload.method);
        expect(typeof upload.url).toBe('string');
        expect(upload.headers).toBeTypeOf('object');
        expect(upload.fields).toBeTypeOf('object');
        expect(upload.expiresAt).toBeInstanceOf(Date);
        const expires = upload.expiresAt.getTime();
        expect(expires).toBeGreaterThan(before + 590_000);
        expect(expires).toBeLessThan(Date.now() + 610_000);
        if (!isFetchable(upload.url)) t.skip(`relative URL, nothing to upload to: ${upload.url}`);
        const response = await performUpload(suite, upload, UPLOADED, 'direct é.txt');
        await response.arrayBuffer();
        expect(response.status, `upload answered ${response.status}`).toBeLessThan(400);
        expect(await storage.getText(key)).toBe(UPLOADED);
        expect(essence((await storage.head(key)).contentType)).toBe('text/plain');
      },
    );

    defineCase(
      suite,
      'signedUpload with maxSize refuses a larger body, or is UNSUPPORTED (never ignored)',
      { needs: ['signedUpload'] },
      async ({ storage, p, t, suite }) => {
        const key = `${p}uploads/limited.txt`;
        let upload: Awaited<ReturnType<Storage['signedUpload']>>;
        try {
          upload = await storage.signedUpload(key, {
            expiresIn: 600,
            contentType: 'text/plain',
            maxSize: 1024,
          });
        } catch (error) {
          expect(isStorageError(error, 'UNSUPPORTED'), String(error)).toBe(true);
          return;
        }
        if (!isFetchable(upload.url)) t.skip(`relative URL, nothing to upload to: ${upload.url}`);
        const response = await performUpload(suite, upload, 'x'.repeat(4096), 'limited.txt');
        await response.arrayBuffer();
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(await storage.exists(key)).toBe(false);
      },
    );

    defineCase(
      suite,
      'a tampered direct upload is refused and stores nothing',
      { needs: ['signedUpload'] },
      async ({ storage, p, t, suite }) => {
        const key = `${p}uploads/tampered.txt`;
        const upload = await storage.signedUpload(key, {
          expiresIn: 600,
          contentType: 'text/plain',
        });
        if (!isFetchable(upload.url)) t.skip(`relative URL, nothing to upload to: ${upload.url}`);
        const bad = tampered(upload);
        if (bad === undefined) {
          t.skip('no signature found in the upload to tamper with');
          return;
        }
        const response = await performUpload(suite, bad, 'forged', 'tampered.txt');
        await response.arrayBuffer();
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(await storage.exists(key)).toBe(false);
      },
    );

    defineCase(
      suite,
      'signedUpload is UNSUPPORTED without signedUpload',
      { lacks: 'signedUpload' },
      async ({ storage, p }) => {
        await expectStorageError(
          storage,
          () => storage.signedUpload(`${p}a.txt`, { expiresIn: 60 }),
          'UNSUPPORTED',
          'signedUpload',
        );
      },
    );
  });

  describe('visibility', () => {
    defineCase(
      suite,
      'put with visibility is reported by head and get',
      { needs: ['visibility'] },
      async ({ storage, p }) => {
        const cases: Array<[string, Visibility]> = [
          ['private.txt', 'private'],
          ['public.txt', 'public'],
        ];
        for (const [name, visibility] of cases) {
          const info = await storage.put(`${p}${name}`, 'x', { visibility });
          expect(info.visibility, name).toBe(visibility);
          expect((await storage.head(`${p}${name}`)).visibility, name).toBe(visibility);
          expect((await storage.get(`${p}${name}`)).visibility, name).toBe(visibility);
        }
        // An overwrite sets the new visibility.
        await storage.put(`${p}public.txt`, 'y', { visibility: 'private' });
        expect((await storage.head(`${p}public.txt`)).visibility).toBe('private');
      },
    );

    defineCase(
      suite,
      'visibility is UNSUPPORTED without visibility',
      { lacks: 'visibility' },
      async ({ storage, p }) => {
        await expectStorageError(
          storage,
          () => storage.put(`${p}a.txt`, 'x', { visibility: 'private' }),
          'UNSUPPORTED',
          'put',
        );
        expect(await storage.exists(`${p}a.txt`)).toBe(false);
      },
    );

    defineCase(
      suite,
      'rejects an unknown visibility with INVALID_INPUT',
      {},
      async ({ storage, p }) => {
        const options = { visibility: 'secret' as Visibility };
        await expectStorageError(
          storage,
          () => storage.put(`${p}a.txt`, 'x', options),
          'INVALID_INPUT',
          'put',
        );
        expect(await storage.exists(`${p}a.txt`)).toBe(false);
      },
    );
  });
}
