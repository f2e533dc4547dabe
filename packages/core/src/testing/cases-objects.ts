import { describe, expect } from 'vitest';
import { essence, expectBytes, expectObjectInfo, expectStorageError } from './assertions.js';
import { defineCase, type Suite } from './context.js';
import { readStream, utf8 } from './fixtures.js';

/** head/get/exists/delete, content types, headers, metadata and StoredObject. */
export function registerObjectCases(suite: Suite): void {
  describe('objects', () => {
    defineCase(
      suite,
      'head, get, getBytes and getText of a missing key fail with NOT_FOUND',
      {},
      async ({ storage, p }) => {
        const missing = `${p}missing.txt`;
        const error = await expectStorageError(
          storage,
          () => storage.head(missing),
          'NOT_FOUND',
          'head',
        );
        expect(error.key).toBe(missing);
        await expectStorageError(storage, () => storage.get(missing), 'NOT_FOUND', 'get');
        await expectStorageError(
          storage,
          () => storage.get(missing, { readAll: true }),
          'NOT_FOUND',
          'get',
        );
        await expectStorageError(storage, () => storage.getBytes(missing), 'NOT_FOUND', 'get');
        await expectStorageError(storage, () => storage.getText(missing), 'NOT_FOUND', 'get');
        expect(await storage.exists(missing)).toBe(false);
      },
    );

    defineCase(
      suite,
      'keys below an object and directory-like keys are NOT_FOUND',
      {},
      async ({ storage, p }) => {
        await storage.put(`${p}file.txt`, 'file');
        await storage.put(`${p}dir/inside.txt`, 'inside');
        // Below an object (a file system answers ENOTDIR) and a mere prefix (EISDIR).
        for (const key of [`${p}file.txt/child`, `${p}dir`]) {
          await expectStorageError(storage, () => storage.head(key), 'NOT_FOUND', 'head');
          await expectStorageError(storage, () => storage.get(key), 'NOT_FOUND', 'get');
          expect(await storage.exists(key)).toBe(false);
        }
      },
    );

    defineCase(
      suite,
      'get returns the ObjectInfo with the unread body',
      {},
      async ({ storage, p }) => {
        const key = `${p}info.txt`;
        const put = await storage.put(key, 'twelve bytes');
        const head = await storage.head(key);
        const got = await storage.get(key);
        const all = await storage.get(key, { readAll: true });
        for (const info of [put, head, got, all]) expectObjectInfo(info, key, 12);
        expect(essence(got.contentType)).toBe('text/plain');
        expect(essence(all.contentType)).toBe('text/plain');
        expect(got.range).toBeUndefined();
        expect(all.range).toBeUndefined();
        if (put.etag !== undefined && head.etag !== undefined) expect(head.etag).toBe(put.etag);
        expect(await got.text()).toBe('twelve bytes');
        expectBytes(
          await readStream(all.body()),
          utf8('twelve bytes'),
          'the body read with readAll',
        );
      },
    );

    defineCase(suite, 'exists is true for a stored object', {}, async ({ storage, p }) => {
      await storage.put(`${p}here.txt`, 'here');
      expect(await storage.exists(`${p}here.txt`)).toBe(true);
    });

    defineCase(
      suite,
      'delete removes an object; deleting a missing key is not an error',
      {},
      async ({ storage, p }) => {
        const key = `${p}gone.txt`;
        await storage.put(key, 'bye');
        await storage.delete(key);
        expect(await storage.exists(key)).toBe(false);
        await expect(storage.delete(key)).resolves.toBeUndefined();
        await expect(storage.delete(`${p}never-existed.txt`)).resolves.toBeUndefined();
      },
    );

    defineCase(
      suite,
      'delete of a directory-like key leaves the objects below it',
      {},
      async ({ storage, p }) => {
        await storage.put(`${p}dir/a.txt`, 'a');
        await storage.delete(`${p}dir`);
        expect(await storage.getText(`${p}dir/a.txt`)).toBe('a');
      },
    );

    defineCase(
      suite,
      'defaults the content type from the extension',
      {},
      async ({ storage, p }) => {
        const cases: Array<[string, string]> = [
          ['notes.txt', 'text/plain'],
          ['image.png', 'image/png'],
          ['photo.JPG', 'image/jpeg'],
          ['data.json', 'application/json'],
          ['doc.pdf', 'application/pdf'],
          ['no-extension', 'application/octet-stream'],
          ['odd.zzqqx', 'application/octet-stream'],
        ];
        for (const [name, type] of cases) {
          const info = await storage.put(`${p}${name}`, 'x');
          expect(essence(info.contentType), name).toBe(type);
          expect(essence((await storage.head(`${p}${name}`)).contentType), name).toBe(type);
        }
      },
    );

    defineCase(
      suite,
      'keeps an explicit content type, over the extension',
      {},
      async ({ storage, p }) => {
        const cases: Array<[string, string]> = [
          ['image.png', 'text/csv'],
          ['custom', 'application/x-stowage-test'],
          ['latin1.txt', 'text/plain; charset=iso-8859-1'],
        ];
        for (const [name, type] of cases) {
          const info = await storage.put(`${p}${name}`, 'x', { contentType: type });
          expect(info.contentType, name).toBe(type);
          expect((await storage.head(`${p}${name}`)).contentType, name).toBe(type);
          expect((await storage.get(`${p}${name}`)).contentType, name).toBe(type);
        }
      },
    );

    // No capability says "stores HTTP headers"; a driver that stores custom metadata must be able
    // to store these two as well (with the metadata, if the backend has no field of its own).
    defineCase(
      suite,
      'round-trips cacheControl and contentDisposition',
      { needs: ['metadata'] },
      async ({ storage, p }) => {
        const key = `${p}report.pdf`;
        const cacheControl = 'public, max-age=31536000, immutable';
        const contentDisposition = 'attachment; filename="report.pdf"';
        const put = await storage.put(key, 'pdf', { cacheControl, contentDisposition });
        expect(put.cacheControl).toBe(cacheControl);
        expect(put.contentDisposition).toBe(contentDisposition);
        for (const info of [await storage.head(key), await storage.get(key)]) {
          expect(info.cacheControl).toBe(cacheControl);
          expect(info.contentDisposition).toBe(contentDisposition);
        }
      },
    );

    defineCase(
      suite,
      'rejects header values that are empty, contain control characters or are not ASCII',
      {},
      async ({ storage, p }) => {
        const key = `${p}headers.txt`;
        // Beyond ASCII: a response header cannot carry U+00FF and above (fetch's Headers throw:
        // a served file answered 500), and Latin-1 bytes are read differently by each client.
        // RFC 6266: a non-ASCII file name goes in filename*=UTF-8''<percent-encoded>.
        const nonAscii = [
          'attachment; filename="报告.pdf"',
          'text/plain; x="写"',
          'inline; filename="é"',
        ];
        for (const bad of ['', '   ', 'text/plain\r\nX-Injected: 1', 'a\u0000b', ...nonAscii]) {
          await expectStorageError(
            storage,
            () => storage.put(key, 'x', { contentType: bad }),
            'INVALID_INPUT',
            'put',
          );
          await expectStorageError(
            storage,
            () => storage.put(key, 'x', { cacheControl: bad }),
            'INVALID_INPUT',
            'put',
          );
          await expectStorageError(
            storage,
            () => storage.put(key, 'x', { contentDisposition: bad }),
            'INVALID_INPUT',
            'put',
          );
        }
        expect(await storage.exists(key)).toBe(false);
        if (storage.capabilities.signedUrl) {
          await storage.put(key, 'x');
          for (const contentDisposition of nonAscii) {
            const error = await expectStorageError(
              storage,
              () => storage.signedUrl(key, { expiresIn: 60, contentDisposition }),
              'INVALID_INPUT',
              'signedUrl',
            );
            expect(error.message).toMatch(/contentDisposition/);
          }
        }
      },
    );

    defineCase(
      suite,
      'round-trips custom metadata',
      { needs: ['metadata'] },
      async ({ storage, p }) => {
        const key = `${p}meta.txt`;
        const metadata = {
          owner: 'alice',
          'x-count': '3',
          snake_case: 'ok',
          punctuation: 'a b, c=d; "q" (x)',
        };
        const put = await storage.put(key, 'm', { metadata });
        expect(put.metadata).toEqual(metadata);
        expect((await storage.head(key)).metadata).toEqual(metadata);
        expect((await storage.get(key)).metadata).toEqual(metadata);
      },
    );

    defineCase(
      suite,
      'round-trips non-ASCII metadata values',
      { needs: ['metadata'] },
      async ({ storage, p }) => {
        const key = `${p}meta-unicode.txt`;
        // Object stores send metadata as HTTP headers: a driver must encode what headers cannot carry.
        const metadata = { filename: 'café naïve 文件 😀.jpg', note: 'ünïcödé =?utf-8?q?x?= %41' };
        await storage.put(key, 'm', { metadata });
        expect((await storage.head(key)).metadata).toEqual(metadata);
      },
    );

    defineCase(
      suite,
      'an overwrite replaces metadata and headers instead of merging',
      { needs: ['metadata'] },
      async ({ storage, p }) => {
        const key = `${p}replaced.txt`;
        await storage.put(key, 'v1', {
          metadata: { a: '1', b: '2' },
          cacheControl: 'no-store',
          contentDisposition: 'inline',
        });
        await storage.put(key, 'v2', { metadata: { c: '3' } });
        const head = await storage.head(key);
        expect(head.metadata).toEqual({ c: '3' });
        expect(head.cacheControl).toBeUndefined();
        expect(head.contentDisposition).toBeUndefined();
      },
    );

    defineCase(
      suite,
      'metadata is UNSUPPORTED when the driver cannot store it',
      { lacks: 'metadata' },
      async ({ storage, p }) => {
        const key = `${p}meta.txt`;
        await expectStorageError(
          storage,
          () => storage.put(key, 'x', { metadata: { a: '1' } }),
          'UNSUPPORTED',
          'put',
        );
        expect(await storage.exists(key)).toBe(false);
        // Empty metadata asks for nothing and is fine.
        await storage.put(key, 'x', { metadata: {} });
        expect((await storage.head(key)).metadata).toEqual({});
      },
    );

    defineCase(
      suite,
      'rejects invalid metadata names and values with INVALID_INPUT',
      {},
      async ({ storage, p }) => {
        const key = `${p}bad-meta.txt`;
        const names = ['Owner', 'has space', 'dot.ted', '', 'ü', 'colon:x', '-lead', 'new\nline'];
        for (const name of names) {
          const error = await expectStorageError(
            storage,
            () => storage.put(key, 'x', { metadata: { [name]: 'v' } }),
            'INVALID_INPUT',
            'put',
          );
          expect(error.message.length).toBeGreaterThan(0);
        }
        const values: unknown[] = [42, null, { nested: 'x' }, 'line\nbreak', 'nul\u0000'];
        for (const value of values) {
          await expectStorageError(
            storage,
            () => storage.put(key, 'x', { metadata: { name: value as string } }),
            'INVALID_INPUT',
            'put',
          );
        }
        expect(await storage.exists(key)).toBe(false);
      },
    );

    defineCase(suite, 'a StoredObject body can be read only once', {}, async ({ storage, p }) => {
      const key = `${p}once.txt`;
      await storage.put(key, 'once');
      const a = await storage.get(key);
      expect(await a.text()).toBe('once');
      await expectStorageError(storage, () => a.bytes(), 'INVALID_INPUT', 'get');
      await expectStorageError(storage, () => a.json(), 'INVALID_INPUT', 'get');

      const b = await storage.get(key);
      expectBytes(await readStream(b.body()), utf8('once'));
      await expectStorageError(storage, () => b.body(), 'INVALID_INPUT', 'get');
      await expectStorageError(storage, () => b.text(), 'INVALID_INPUT', 'get');
    });

    defineCase(suite, 'json() parses and text() decodes UTF-8', {}, async ({ storage, p }) => {
      const doc = { name: 'Zoë', tags: ['a', '文件'], nested: { n: 1.5, ok: true, none: null } };
      await storage.put(`${p}doc.json`, JSON.stringify(doc));
      expect(await (await storage.get(`${p}doc.json`)).json()).toEqual(doc);
      expect(essence((await storage.head(`${p}doc.json`)).contentType)).toBe('application/json');
      await storage.put(`${p}text.txt`, utf8('naïve ✓ 😀'));
      expect(await (await storage.get(`${p}text.txt`)).text()).toBe('naïve ✓ 😀');
    });

    defineCase(suite, 'getBytes and getText read a whole object', {}, async ({ storage, p }) => {
      await storage.put(`${p}whole.txt`, 'whole ✓');
      expectBytes(await storage.getBytes(`${p}whole.txt`), utf8('whole ✓'));
      expect(await storage.getText(`${p}whole.txt`)).toBe('whole ✓');
    });
  });
}
