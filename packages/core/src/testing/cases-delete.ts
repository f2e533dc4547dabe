import { describe, expect } from 'vitest';
import { mapLimit } from '../concurrency.js';
import type { Storage } from '../storage.js';
import { expectStorageError } from './assertions.js';
import { defineCase, type Suite } from './context.js';

async function existing(storage: Storage, keys: readonly string[]): Promise<string[]> {
  const found = await mapLimit(keys, 8, async (key) =>
    (await storage.exists(key)) ? key : undefined,
  );
  return found.filter((key): key is string => key !== undefined);
}

/** deleteMany and deletePrefix. */
export function registerDeleteCases(suite: Suite): void {
  describe('delete many', () => {
    defineCase(
      suite,
      'deleteMany removes the given keys, missing ones included',
      {},
      async ({ storage, p }) => {
        const keys = ['a.txt', 'b.txt', 'c.txt', 'd/e.txt', 'f g.txt'].map((n) => `${p}${n}`);
        await mapLimit(keys, 8, (key) => storage.put(key, key));
        await storage.deleteMany([
          keys[0]!,
          keys[2]!,
          keys[3]!,
          `${p}missing.txt`,
          `${p}missing/too.txt`,
          keys[0]!,
        ]);
        expect(await existing(storage, keys)).toEqual([keys[1], keys[4]]);
        await expect(storage.deleteMany([])).resolves.toBeUndefined();
        // Any iterable works.
        await storage.deleteMany(new Set([keys[1]!]));
        expect(await existing(storage, keys)).toEqual([keys[4]]);
      },
    );

    defineCase(
      suite,
      'deleteMany checks every key before deleting any',
      {},
      async ({ storage, p }) => {
        const key = `${p}kept.txt`;
        await storage.put(key, 'kept');
        await expectStorageError(
          storage,
          () => storage.deleteMany([key, `${p}a//b`]),
          'INVALID_KEY',
          'deleteMany',
        );
        expect(await storage.exists(key)).toBe(true);
      },
    );

    defineCase(
      suite,
      'deletePrefix removes only keys under that prefix (a/ vs ab)',
      { needs: ['list'] },
      async ({ storage, p }) => {
        const names = [
          'a/1.txt',
          'a/2.txt',
          'a/b/c.txt',
          'a.txt',
          'ab.txt',
          'abc/x.txt',
          'b/a/1.txt',
        ];
        const keys = names.map((n) => `${p}${n}`);
        await mapLimit(keys, 8, (key) => storage.put(key, key));
        await storage.deletePrefix(`${p}a/`);
        expect(await existing(storage, keys)).toEqual(
          ['a.txt', 'ab.txt', 'abc/x.txt', 'b/a/1.txt'].map((n) => `${p}${n}`),
        );
        // Without a trailing "/" a prefix is the start of a name.
        await storage.deletePrefix(`${p}ab`);
        expect(await existing(storage, keys)).toEqual(
          ['a.txt', 'b/a/1.txt'].map((n) => `${p}${n}`),
        );
        // A prefix with nothing under it is fine.
        await expect(storage.deletePrefix(`${p}nothing/`)).resolves.toBeUndefined();
      },
    );

    defineCase(
      suite,
      'deletePrefix empties a folder of 30 objects and leaves its neighbours',
      { needs: ['list'] },
      async ({ storage, p }) => {
        const keys = Array.from(
          { length: 30 },
          (_, i) => `${p}many/${String(i).padStart(3, '0')}.txt`,
        );
        await mapLimit(keys, 8, (key) => storage.put(key, 'x'));
        await storage.put(`${p}other.txt`, 'other');
        await storage.deletePrefix(`${p}many/`);
        expect(await existing(storage, keys)).toEqual([]);
        expect((await storage.list({ prefix: `${p}many/` })).objects).toEqual([]);
        expect(await storage.exists(`${p}other.txt`)).toBe(true);
      },
    );

    defineCase(suite, 'deletePrefix refuses an empty prefix', {}, async ({ storage }) => {
      await expectStorageError(
        storage,
        () => storage.deletePrefix(''),
        'INVALID_INPUT',
        'deletePrefix',
      );
    });
  });
}
