import { describe, expect } from 'vitest';
import { mapLimit } from '../concurrency.js';
import type { Storage } from '../storage.js';
import type { ListOptions, ListResult } from '../types.js';
import { expectStorageError, keysUnder } from './assertions.js';
import { defineCase, type Suite } from './context.js';
import { byUtf8 } from './fixtures.js';

const PUT_CONCURRENCY = 8;

/** Writes each key with its own name as content. */
async function seed(storage: Storage, keys: readonly string[]): Promise<void> {
  await mapLimit(keys, PUT_CONCURRENCY, (key) => storage.put(key, key));
}

/**
 * 25 entries under `p` when listed with "/": every third is a "directory" of two objects (k00/,
 * k03/, ...), the others are objects (k01.txt, ...). 34 objects in all.
 */
function treeKeys(p: string): { objects: string[]; dirs: string[]; files: string[] } {
  const dirs: string[] = [];
  const files: string[] = [];
  const objects: string[] = [];
  for (let i = 0; i < 25; i++) {
    const name = `k${String(i).padStart(2, '0')}`;
    if (i % 3 === 0) {
      dirs.push(`${p}${name}/`);
      objects.push(`${p}${name}/x.txt`, `${p}${name}/y.txt`);
    } else {
      files.push(`${p}${name}.txt`);
      objects.push(`${p}${name}.txt`);
    }
  }
  return { objects: objects.sort(byUtf8), dirs, files };
}

/** Follows cursors to the end, checking each page's size. */
async function allPages(storage: Storage, options: ListOptions): Promise<ListResult[]> {
  const pages: ListResult[] = [];
  let cursor: string | undefined;
  do {
    const page = await storage.list({ ...options, cursor });
    const entries = page.objects.length + page.prefixes.length;
    expect(entries).toBeLessThanOrEqual(options.limit ?? 1000);
    if (page.cursor !== undefined) {
      expect(typeof page.cursor).toBe('string');
      expect(entries, 'a page with a cursor is not empty').toBeGreaterThan(0);
    }
    pages.push(page);
    cursor = page.cursor;
    if (pages.length > 100) throw new Error('conformance: list() never stopped returning a cursor');
  } while (cursor);
  return pages;
}

/** Listing: pages, delimiters, prefixes, order, cursors, limits, listAll. */
export function registerListCases(suite: Suite): void {
  describe('list', () => {
    defineCase(
      suite,
      'lists 34 objects across pages of 10 in order',
      { needs: ['list'] },
      async ({ storage, p }) => {
        const { objects } = treeKeys(p);
        await seed(storage, objects);
        const pages = await allPages(storage, { prefix: p, limit: 10 });
        expect(pages.length).toBeGreaterThanOrEqual(4);
        const listed = pages.flatMap((page) => page.objects);
        expect(listed.map((o) => o.key)).toEqual(objects);
        for (const page of pages) expect(page.prefixes).toEqual([]);
        for (const info of listed) expect(info.size, info.key).toBe(Buffer.byteLength(info.key));
      },
    );

    defineCase(
      suite,
      'lists 25 entries with a delimiter across pages of 10',
      { needs: ['list'] },
      async ({ storage, p }) => {
        const { objects, dirs, files } = treeKeys(p);
        await seed(storage, objects);
        const pages = await allPages(storage, { prefix: p, delimiter: '/', limit: 10 });
        expect(pages.length).toBeGreaterThanOrEqual(3);
        expect(pages.flatMap((page) => page.prefixes)).toEqual(dirs);
        expect(pages.flatMap((page) => page.objects.map((o) => o.key))).toEqual(files);
        // Entries come in key order across pages too (no prefix or object is repeated or skipped).
        const entries = pages.flatMap((page) =>
          [...page.objects.map((o) => o.key), ...page.prefixes].sort(byUtf8),
        );
        expect(entries).toEqual([...dirs, ...files].sort(byUtf8));
      },
    );

    defineCase(
      suite,
      'lists only keys under a prefix, directory or not',
      { needs: ['list'] },
      async ({ storage, p }) => {
        const { objects } = treeKeys(p);
        await seed(storage, objects);
        const dir = await storage.list({ prefix: `${p}k03/` });
        expect(dir.objects.map((o) => o.key)).toEqual([`${p}k03/x.txt`, `${p}k03/y.txt`]);
        expect(dir.cursor).toBeUndefined();
        const nested = await storage.list({ prefix: `${p}k03/`, delimiter: '/' });
        expect(nested.objects.map((o) => o.key)).toEqual([`${p}k03/x.txt`, `${p}k03/y.txt`]);
        expect(nested.prefixes).toEqual([]);
        // A prefix that is not a directory matches the start of names.
        const partial = await storage.list({ prefix: `${p}k1` });
        expect(partial.objects.map((o) => o.key)).toEqual(
          objects.filter((k) => k.startsWith(`${p}k1`)),
        );
        const grouped = await storage.list({ prefix: `${p}k1`, delimiter: '/' });
        expect(grouped.prefixes).toEqual([`${p}k12/`, `${p}k15/`, `${p}k18/`]);
        const none = await storage.list({ prefix: `${p}nothing/` });
        expect(none).toEqual({ objects: [], prefixes: [] });
      },
    );

    defineCase(suite, 'lists in UTF-8 byte order', { needs: ['list'] }, async ({ storage, p }) => {
      const names = [
        'a0',
        'a/b',
        'a-b',
        'a.b',
        'a b',
        'B',
        'A',
        'b',
        'Z',
        'z',
        '~',
        'é',
        '文',
        'Ａ',
        '😀',
        '_u',
      ];
      const keys = names.map((n) => `${p}${n}`);
      await seed(storage, keys);
      // Byte order, not UTF-16 order: U+FF21 (Ａ) sorts before U+1F600 (😀) in UTF-8.
      const expected = [...keys].sort(byUtf8);
      expect(expected.map((k) => k.slice(p.length))).toEqual([
        'A',
        'B',
        'Z',
        '_u',
        'a b',
        'a-b',
        'a.b',
        'a/b',
        'a0',
        'b',
        'z',
        '~',
        'é',
        '文',
        'Ａ',
        '😀',
      ]);
      expect((await storage.list({ prefix: p })).objects.map((o) => o.key)).toEqual(expected);
      const pages = await allPages(storage, { prefix: p, limit: 3 });
      expect(pages.flatMap((page) => page.objects.map((o) => o.key))).toEqual(expected);
      const grouped = await storage.list({ prefix: p, delimiter: '/' });
      expect(grouped.prefixes).toEqual([`${p}a/`]);
      expect(grouped.objects.map((o) => o.key)).toEqual(expected.filter((k) => k !== `${p}a/b`));
    });

    defineCase(
      suite,
      'a cursor can be reused and survives deletes before it',
      { needs: ['list'] },
      async ({ storage, p }) => {
        const keys = Array.from({ length: 25 }, (_, i) => `${p}f${String(i).padStart(2, '0')}`);
        await seed(storage, keys);
        const first = await storage.list({ prefix: p, limit: 10 });
        expect(first.objects.map((o) => o.key)).toEqual(keys.slice(0, 10));
        const cursor = first.cursor;
        expect(cursor).toBeDefined();
        const again = await storage.list({ prefix: p, limit: 10, cursor });
        const twice = await storage.list({ prefix: p, limit: 10, cursor });
        expect(again.objects.map((o) => o.key)).toEqual(keys.slice(10, 20));
        expect(twice.objects.map((o) => o.key)).toEqual(keys.slice(10, 20));
        // Deleting the last key of the previous page does not break its cursor.
        await storage.delete(keys[9]!);
        const afterDelete = await storage.list({ prefix: p, limit: 10, cursor });
        expect(afterDelete.objects.map((o) => o.key)).toEqual(keys.slice(10, 20));
      },
    );

    defineCase(
      suite,
      'listAll yields every object under a prefix',
      { needs: ['list'] },
      async ({ storage, p }) => {
        const { objects } = treeKeys(p);
        await seed(storage, objects);
        expect(await keysUnder(storage, p)).toEqual(objects);
        expect(await keysUnder(storage, `${p}k06/`)).toEqual([`${p}k06/x.txt`, `${p}k06/y.txt`]);
        expect(await keysUnder(storage, `${p}nothing/`)).toEqual([]);
      },
    );

    defineCase(
      suite,
      'rejects a limit out of 1..1000, an empty delimiter, a bad cursor',
      { needs: ['list'] },
      async ({ storage, p }) => {
        for (const limit of [0, -1, 1001, 2.5, Number.NaN]) {
          await expectStorageError(
            storage,
            () => storage.list({ prefix: p, limit }),
            'INVALID_INPUT',
            'list',
          );
        }
        await expectStorageError(
          storage,
          () => storage.list({ prefix: p, delimiter: '' }),
          'INVALID_INPUT',
          'list',
        );
        await expectStorageError(
          storage,
          () => storage.list({ prefix: p, cursor: 42 as unknown as string }),
          'INVALID_INPUT',
          'list',
        );
        // The bounds themselves are fine.
        await storage.list({ prefix: p, limit: 1 });
        await storage.list({ prefix: p, limit: 1000 });
      },
    );

    defineCase(
      suite,
      'list and listAll are UNSUPPORTED without list',
      { lacks: 'list' },
      async ({ storage, p }) => {
        await expectStorageError(storage, () => storage.list({ prefix: p }), 'UNSUPPORTED', 'list');
        await expectStorageError(storage, () => keysUnder(storage, p), 'UNSUPPORTED', 'list');
        // deletePrefix needs a listing unless the driver deletes by prefix itself.
        try {
          await storage.deletePrefix(p);
        } catch (error) {
          await expectStorageError(
            storage,
            () => Promise.reject(error),
            'UNSUPPORTED',
            'deletePrefix',
          );
        }
      },
    );
  });
}
