import { describe, expect } from 'vitest';
import { isStorageError } from '../errors.js';
import type { Storage } from '../storage.js';
import type { PutOptions } from '../types.js';
import { essence, expectBytes, expectStorageError } from './assertions.js';
import { defineCase, type Suite } from './context.js';
import { extendExpiry, isFetchable, sleep, tamperSignature, utf8 } from './fixtures.js';

const TEXT = 'served over HTTP ✓ 😀';

/** Puts an object that should be served publicly (visibility public where the driver has it). */
function publicly(storage: Storage): PutOptions {
  return storage.capabilities.visibility ? { visibility: 'public' } : {};
}

/** Puts an object that should need a signature (visibility private where the driver has it). */
function privately(storage: Storage): PutOptions {
  return storage.capabilities.visibility ? { visibility: 'private' } : {};
}

/** Fetches a URL and returns the status, headers and body bytes. */
async function fetchBytes(
  suite: Suite,
  url: string,
): Promise<{ status: number; headers: Headers; bytes: Uint8Array }> {
  const response = await suite.fetch(url, { redirect: 'follow' });
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, bytes };
}

async function expectRefused(suite: Suite, url: string, why: string): Promise<void> {
  const { status } = await fetchBytes(suite, url);
  expect(status, why).toBeGreaterThanOrEqual(400);
}

/** url() and signedUrl(). */
export function registerUrlCases(suite: Suite): void {
  describe('public urls', () => {
    defineCase(
      suite,
      'url() gives a URL that serves the object',
      { needs: ['publicUrl'] },
      async ({ storage, p, t, suite }) => {
        const keys = [`${p}public/hello.txt`, `${p}public/spa ce é #1?&+%.txt`];
        for (const key of keys) await storage.put(key, TEXT, publicly(storage));
        const urls = keys.map((key) => storage.url(key));
        for (const url of urls) expect(url).toMatch(/^(https?:\/\/|\/)\S+$/);
        expect(new Set(urls).size).toBe(keys.length);
        if (!urls.every(isFetchable)) t.skip(`relative URL, nothing to fetch: ${urls[0]}`);
        for (const url of urls) {
          const { status, bytes } = await fetchBytes(suite, url);
          expect(status, url).toBe(200);
          expectBytes(bytes, utf8(TEXT), url);
        }
      },
    );

    defineCase(
      suite,
      'a private object is not served at its public URL',
      { needs: ['publicUrl', 'visibility'] },
      async ({ storage, p, t, suite }) => {
        const key = `${p}secret.txt`;
        await storage.put(key, 'secret', { visibility: 'private' });
        const url = storage.url(key);
        if (!isFetchable(url)) t.skip(`relative URL, nothing to fetch: ${url}`);
        await expectRefused(suite, url, 'a private object served without a signature');
      },
    );

    defineCase(
      suite,
      'url() is UNSUPPORTED without publicUrl',
      { lacks: 'publicUrl' },
      async ({ storage, p }) => {
        await storage.put(`${p}a.txt`, 'a');
        await expectStorageError(storage, () => storage.url(`${p}a.txt`), 'UNSUPPORTED', 'url');
      },
    );

    defineCase(
      suite,
      'url() with a transform is UNSUPPORTED without transforms',
      { lacks: 'transforms' },
      async ({ storage, p }) => {
        await expectStorageError(
          storage,
          () => storage.url(`${p}a.jpg`, { transform: { width: 100, crop: 'fill' } }),
          'UNSUPPORTED',
          'url',
        );
      },
    );

    defineCase(
      suite,
      'url() with a transform differs from the plain URL',
      { needs: ['publicUrl', 'transforms'] },
      async ({ storage, p }) => {
        const key = `${p}image.jpg`;
        const plain = storage.url(key);
        const resized = storage.url(key, { transform: { width: 100, height: 100, crop: 'fill' } });
        expect(typeof resized).toBe('string');
        expect(resized).not.toBe(plain);
      },
    );
  });

  describe('signed urls', () => {
    defineCase(
      suite,
      'a signed URL serves the object',
      { needs: ['signedUrl'] },
      async ({ storage, p, t, suite }) => {
        const keys = [`${p}private/report.txt`, `${p}private/spa ce é 文件 #1?&+%.txt`];
        for (const key of keys) await storage.put(key, TEXT, privately(storage));
        const urls = await Promise.all(
          keys.map((key) => storage.signedUrl(key, { expiresIn: 300 })),
        );
        for (const url of urls) expect(typeof url).toBe('string');
        if (!urls.every(isFetchable)) t.skip(`relative URL, nothing to fetch: ${urls[0]}`);
        for (const url of urls) {
          const { status, headers, bytes } = await fetchBytes(suite, url);
          expect(status, url).toBe(200);
          expect(essence(headers.get('content-type'))).toBe('text/plain');
          expectBytes(bytes, utf8(TEXT), url);
        }
      },
    );

    defineCase(
      suite,
      'two signed URLs asked within a few seconds are the same (browsers and CDNs cache them)',
      { needs: ['signedUrl'], timeout: 30_000 },
      async ({ storage, p }) => {
        const key = `${p}cached.txt`;
        await storage.put(key, TEXT, privately(storage));
        const ask = () => storage.signedUrl(key, { expiresIn: 3600 });
        const first = await ask();
        await sleep(1100); // a clock in the URL would tick
        const second = await ask();
        // Two asks may straddle the start of a new window (every 15 minutes): then a third
        // ask, in the new window, gives the second URL again.
        if (second !== first) {
          await sleep(1100);
          expect(await ask()).toBe(second);
        }
      },
    );

    defineCase(
      suite,
      'a tampered signed URL is refused',
      { needs: ['signedUrl'] },
      async ({ storage, p, t, suite }) => {
        const key = `${p}tamper.txt`;
        await storage.put(key, TEXT, privately(storage));
        const url = await storage.signedUrl(key, { expiresIn: 300 });
        if (!isFetchable(url)) t.skip(`relative URL, nothing to fetch: ${url}`);
        const tampered = tamperSignature(url);
        expect(tampered).not.toBe(url);
        await expectRefused(suite, tampered, 'a signed URL with a changed signature');
        const extended = extendExpiry(url);
        if (extended !== undefined)
          await expectRefused(suite, extended, 'a signed URL with a changed expiry');
        // The genuine URL still works.
        expect((await fetchBytes(suite, url)).status).toBe(200);
      },
    );

    defineCase(
      suite,
      'an expired signed URL is refused',
      { needs: ['signedUrl'], timeout: 30_000 },
      async ({ storage, p, t, suite }) => {
        const key = `${p}expiring.txt`;
        await storage.put(key, TEXT, privately(storage));
        const url = await storage.signedUrl(key, { expiresIn: 1 });
        if (!isFetchable(url)) t.skip(`relative URL, nothing to fetch: ${url}`);
        await sleep(2100);
        await expectRefused(suite, url, 'a signed URL used after it expired');
      },
    );

    defineCase(
      suite,
      'a signed URL honours a contentDisposition override, or is UNSUPPORTED',
      { needs: ['signedUrl'] },
      async ({ storage, p, t, suite }) => {
        const key = `${p}inline.txt`;
        await storage.put(key, TEXT, privately(storage));
        let url: string;
        try {
          url = await storage.signedUrl(key, {
            expiresIn: 300,
            contentDisposition: 'attachment; filename="report.txt"',
          });
        } catch (error) {
          // A backend that cannot name the download must say so, not drop the filename.
          expect(isStorageError(error, 'UNSUPPORTED'), String(error)).toBe(true);
          return;
        }
        if (!isFetchable(url)) t.skip(`relative URL, nothing to fetch: ${url}`);
        const { status, headers, bytes } = await fetchBytes(suite, url);
        expect(status).toBe(200);
        const disposition = headers.get('content-disposition') ?? '';
        expect(disposition).toMatch(/^attachment/i);
        expect(disposition).toContain('report');
        expectBytes(bytes, utf8(TEXT));
      },
    );

    defineCase(
      suite,
      'signedUrl is UNSUPPORTED without signedUrl',
      { lacks: 'signedUrl' },
      async ({ storage, p }) => {
        await storage.put(`${p}a.txt`, 'a');
        await expectStorageError(
          storage,
          () => storage.signedUrl(`${p}a.txt`, { expiresIn: 60 }),
          'UNSUPPORTED',
          'signedUrl',
        );
      },
    );

    defineCase(
      suite,
      'signedUrl and signedUpload refuse expiresIn outside 1..604800',
      {},
      async ({ storage, p }) => {
        const key = `${p}a.txt`;
        for (const expiresIn of [0, -1, 604801, 1.5, Number.NaN, undefined, '60']) {
          const options = { expiresIn } as unknown as { expiresIn: number };
          await expectStorageError(
            storage,
            () => storage.signedUrl(key, options),
            'INVALID_INPUT',
            'signedUrl',
          );
          await expectStorageError(
            storage,
            () => storage.signedUpload(key, options),
            'INVALID_INPUT',
            'signedUpload',
          );
        }
      },
    );
  });
}
