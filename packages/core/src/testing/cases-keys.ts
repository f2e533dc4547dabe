import { describe, expect } from 'vitest';
import type { Storage } from '../storage.js';
import { expectStorageError, keysUnder } from './assertions.js';
import { defineCase, type Suite } from './context.js';
import { byUtf8 } from './fixtures.js';

/** A rejected key form, built under the case's prefix `p` where that makes sense. */
interface BadKey {
  name: string;
  key: (p: string) => unknown;
}

const BAD_KEYS: BadKey[] = [
  { name: 'empty', key: () => '' },
  { name: 'leading slash', key: (p) => `/${p}x.txt` },
  { name: '"." segment', key: (p) => `${p}./x.txt` },
  { name: '".." segment', key: (p) => `${p}sub/../x.txt` },
  { name: 'leading ".."', key: (p) => `../${p}x.txt` },
  { name: 'just ".."', key: () => '..' },
  { name: 'empty segment (a//b)', key: (p) => `${p}a//x.txt` },
  { name: 'trailing slash', key: (p) => `${p}dir/` },
  { name: 'backslash', key: (p) => `${p}a\\x.txt` },
  { name: 'backslash traversal', key: (p) => `${p}..\\..\\x.txt` },
  { name: 'NUL', key: (p) => `${p}x.txt\u0000.jpg` },
  { name: 'newline', key: (p) => `${p}x\n.txt` },
  { name: 'carriage return and tab', key: (p) => `${p}x\r\t.txt` },
  { name: 'DEL', key: (p) => `${p}x\u007f.txt` },
  { name: 'C1 control (NEL)', key: (p) => `${p}x\u0085.txt` },
  { name: 'lone surrogate', key: (p) => `${p}x\ud800.txt` },
  { name: 'over 1024 bytes', key: (p) => `${p}${'x'.repeat(1025)}` },
  // 600 characters but 1200 bytes: the limit is in UTF-8 bytes, not characters.
  { name: 'over 1024 UTF-8 bytes in fewer characters', key: (p) => `${p}${'é'.repeat(600)}` },
  { name: 'non-string (number, null, undefined, object)', key: () => 42 },
];

const NON_STRINGS: unknown[] = [42, null, undefined, { toString: () => 'x.txt' }];

/** The error `run` fails with, or undefined when it succeeds. */
async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
    return undefined;
  } catch (error) {
    return error;
  }
}

/** Every keyed operation must refuse `key` with INVALID_KEY. */
async function expectRejectedEverywhere(
  storage: Storage,
  key: unknown,
  good: string,
): Promise<void> {
  const k = key as string;
  const ops: Array<[Parameters<typeof expectStorageError>[3], () => unknown]> = [
    ['put', () => storage.put(k, 'x')],
    ['get', () => storage.get(k)],
    ['get', () => storage.getBytes(k)],
    ['head', () => storage.head(k)],
    ['exists', () => storage.exists(k)],
    ['delete', () => storage.delete(k)],
    ['deleteMany', () => storage.deleteMany([good, k])],
    ['copy', () => storage.copy(k, `${good}.copy`)],
    ['copy', () => storage.copy(good, k)],
    ['move', () => storage.move(k, `${good}.moved`)],
    ['move', () => storage.move(good, k)],
    ['url', () => storage.url(k)],
    ['signedUrl', () => storage.signedUrl(k, { expiresIn: 60 })],
    ['signedUpload', () => storage.signedUpload(k, { expiresIn: 60 })],
  ];
  for (const [operation, run] of ops) {
    await expectStorageError(storage, run, 'INVALID_KEY', operation);
  }
}

/** Unicode keys round trip; every rejected key form fails with INVALID_KEY before the driver. */
export function registerKeyCases(suite: Suite): void {
  describe('keys', () => {
    defineCase(
      suite,
      'unicode, emoji and space-containing keys round trip and list back exactly',
      {},
      async ({ storage, p, suite }) => {
        const names = [
          'café/naïve 文件.txt',
          'emoji 😀/🎉 party.txt',
          'with space/a b  c.txt',
          // NFD: "e" + combining acute. Must not be normalised to NFC.
          'cafe\u0301-nfd.txt',
          'Ａ fullwidth.txt',
        ];
        for (const [i, name] of names.entries()) await storage.put(`${p}${name}`, `body ${i}`);
        for (const [i, name] of names.entries()) {
          const key = `${p}${name}`;
          expect((await storage.head(key)).key).toBe(key);
          expect(await storage.getText(key)).toBe(`body ${i}`);
        }
        if (suite.has('list')) {
          const expected = names.map((n) => `${p}${n}`).sort(byUtf8);
          expect(await keysUnder(storage, p)).toEqual(expected);
        }
      },
    );

    defineCase(
      suite,
      'a key and a longer key that extends its name keep their own metadata (q, q.json/x)',
      { needs: ['metadata'] },
      async ({ storage, p }) => {
        await storage.put(`${p}q`, 'q', { metadata: { who: 'q' } });
        await storage.put(`${p}q.json/x`, 'x', { metadata: { who: 'x' } });
        expect((await storage.head(`${p}q`)).metadata).toEqual({ who: 'q' });
        expect((await storage.head(`${p}q.json/x`)).metadata).toEqual({ who: 'x' });
        expect(await storage.getText(`${p}q`)).toBe('q');
      },
    );

    defineCase(
      suite,
      'keys with URL-sensitive characters round trip',
      {},
      async ({ storage, p, suite }) => {
        const names = [
          'q?a=1&b=2.txt',
          'hash#frag.txt',
          'plus+and%20percent.txt',
          'quote\'s "double".txt',
          'semi;colon,comma@at.txt',
          '(paren) [bracket] {brace}.txt',
          '~tilde!$*.txt',
        ];
        for (const name of names) await storage.put(`${p}${name}`, name);
        for (const name of names) expect(await storage.getText(`${p}${name}`)).toBe(name);
        if (suite.has('list')) {
          expect(await keysUnder(storage, p)).toEqual(names.map((n) => `${p}${n}`).sort(byUtf8));
        }
      },
    );

    const longest = suite.options.maxKeyBytes ?? 1024;
    defineCase(suite, `accepts a key of exactly ${longest} bytes`, {}, async ({ storage, p }) => {
      // Segments of at most 100 bytes, so file systems with a 255-byte name limit can store it.
      let key = p;
      while (Buffer.byteLength(key) < longest - 101) key += `${'k'.repeat(99)}/`;
      key += 'z'.repeat(longest - Buffer.byteLength(key));
      expect(Buffer.byteLength(key)).toBe(longest);
      await storage.put(key, 'long');
      expect(await storage.getText(key)).toBe('long');
    });

    // Object stores keep both `a` and `a/b`; a file system cannot (a file is not a folder), so the
    // disk driver answers ALREADY_EXISTS. Both are allowed; losing or mixing up objects is not.
    defineCase(
      suite,
      'a key that is also a prefix of others is stored or ALREADY_EXISTS',
      {},
      async ({ storage, p }) => {
        const pairs: Array<[first: string, second: string]> = [
          [`${p}a`, `${p}a/b`],
          [`${p}c/d`, `${p}c`],
        ];
        for (const [first, second] of pairs) {
          await storage.put(first, first);
          const error = await outcome(() => storage.put(second, second));
          if (error === undefined) {
            expect(await storage.getText(second)).toBe(second);
          } else {
            await expectStorageError(storage, () => Promise.reject(error), 'ALREADY_EXISTS', 'put');
            expect(await storage.exists(second)).toBe(false);
          }
          expect(await storage.getText(first)).toBe(first);
        }
      },
    );

    for (const bad of BAD_KEYS) {
      defineCase(
        suite,
        `rejects a key with ${bad.name} (INVALID_KEY)`,
        {},
        async ({ storage, p, suite }) => {
          const good = `${p}good.txt`;
          await storage.put(good, 'good');
          const keys = bad.name.startsWith('non-string') ? NON_STRINGS : [bad.key(p)];
          for (const key of keys) await expectRejectedEverywhere(storage, key, good);
          // Nothing was written, deleted or moved by the refused calls.
          expect(await storage.getText(good)).toBe('good');
          expect(await storage.exists(`${p}x.txt`)).toBe(false);
          if (suite.has('list')) expect(await keysUnder(storage, p)).toEqual([good]);
        },
      );
    }

    defineCase(
      suite,
      'rejects invalid list and delete prefixes with INVALID_KEY',
      {},
      async ({ storage, p, suite }) => {
        for (const prefix of ['/abs', '../', `${p}../`, `${p}a//`, `${p}a\\`, `${p}\u0000`]) {
          await expectStorageError(
            storage,
            () => storage.deletePrefix(prefix),
            'INVALID_KEY',
            'deletePrefix',
          );
          if (suite.has('list'))
            await expectStorageError(
              storage,
              () => storage.list({ prefix }),
              'INVALID_KEY',
              'list',
            );
        }
      },
    );
  });
}
