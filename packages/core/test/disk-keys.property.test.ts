import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage, disk, isStorageError, keyProblem } from '@stowage/core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

// Pieces attackers and unlucky users put in paths: traversal, encoded traversal, separators of
// other systems, NUL and other controls, absolute paths, and Unicode look-alikes of "." and "/".
const PIECES = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2E/',
  '..%2f',
  '\\',
  '\\..\\',
  '\u0000',
  '\n',
  '\u007f',
  '/',
  '//',
  '/etc/passwd',
  'C:\\Windows',
  '~',
  ' ',
  'a',
  'b',
  'é',
  'ｅ',
  '\u2024\u2024',
  '\uff0e\uff0e',
  '\u2215',
  '\u2044',
  '..\u0000',
  'escape',
  '.stowage',
  'x.stowage-tmp',
  '\ud800',
  '😀',
  'name.txt',
];

const keyArb = fc.oneof(
  fc
    .array(fc.constantFrom(...PIECES), { minLength: 0, maxLength: 6 })
    .map((parts) => parts.join('')),
  fc
    .array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 4 })
    .map((parts) => parts.join('/')),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ maxLength: 1100, minLength: 1000 }).map((s) => s.replace(/\//g, 'x')),
);

it('no key, however hostile, reaches a path outside the root; every rejected key is INVALID_KEY', async () => {
  const sandbox = realpathSync(mkdtempSync(join(tmpdir(), 'stowage-prop-')));
  const root = join(sandbox, 'root');
  const outside = join(sandbox, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(join(outside, 'canary'), 'untouched');
  symlinkSync(outside, join(root, 'escape'));
  const storage = createStorage(disk({ root }));
  let accepted = 0;
  let rejected = 0;

  await fc.assert(
    fc.asyncProperty(keyArb, async (key) => {
      const result = await storage.put(key, 'x').then(
        (info) => ({ ok: true as const, info }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      if (result.ok) {
        accepted++;
        expect(keyProblem(key)).toBeUndefined();
        expect(await storage.getText(key)).toBe('x');
        await storage.delete(key);
        return;
      }
      rejected++;
      const { error } = result;
      if (keyProblem(key) !== undefined) {
        expect(isStorageError(error, 'INVALID_KEY')).toBe(true);
      } else {
        // A valid key may still be refused by the disk: reserved names, the link out of the
        // root, a file/folder collision or a name too long for the file system.
        expect(isStorageError(error)).toBe(true);
        expect(['INVALID_KEY', 'PERMISSION_DENIED', 'ALREADY_EXISTS', 'UNKNOWN']).toContain(
          (error as { code: string }).code,
        );
      }
      for (const op of [
        () => storage.get(key),
        () => storage.head(key),
        () => storage.delete(key),
      ]) {
        const e = await op().then(
          () => undefined,
          (x: unknown) => x,
        );
        if (keyProblem(key) !== undefined) expect(isStorageError(e, 'INVALID_KEY')).toBe(true);
      }
    }),
    { numRuns: 10_000 },
  );

  expect(accepted + rejected).toBe(10_000);
  expect(accepted).toBeGreaterThan(100);
  expect(rejected).toBeGreaterThan(100);
  expect(readdirSync(sandbox).sort()).toEqual(['outside', 'root']);
  expect(readdirSync(outside)).toEqual(['canary']);
  expect(readFileSync(join(outside, 'canary'), 'utf8')).toBe('untouched');
}, 120_000);
