import { describe, expect } from 'vitest';
import type { Storage } from '../storage.js';
import type { PutOptions } from '../types.js';
import { expectBytes, expectObjectInfo, expectStorageError } from './assertions.js';
import { defineCase, type Suite } from './context.js';
import { patterned } from './fixtures.js';

const CONTENT = patterned(3000, 31);

/** Options with everything the storage can keep, so that copy/move can be checked for all of it. */
function richOptions(suite: Suite): PutOptions {
  const options: PutOptions = { contentType: 'application/x-stowage-test' };
  if (suite.has('metadata')) {
    options.metadata = { owner: 'alice', 'x-rev': '7' };
    options.cacheControl = 'public, max-age=60';
    options.contentDisposition = 'attachment; filename="data.bin"';
  }
  return options;
}

/** Checks that `key` holds CONTENT with everything `options` asked for. */
async function expectRich(
  storage: Storage,
  suite: Suite,
  key: string,
  options: PutOptions,
): Promise<void> {
  const head = await storage.head(key);
  expectObjectInfo(head, key, CONTENT.byteLength);
  expect(head.contentType).toBe(options.contentType);
  if (suite.has('metadata')) {
    expect(head.metadata).toEqual(options.metadata);
    expect(head.cacheControl).toBe(options.cacheControl);
    expect(head.contentDisposition).toBe(options.contentDisposition);
  }
  expectBytes(await storage.getBytes(key), CONTENT, key);
}

/** copy and move. */
export function registerCopyCases(suite: Suite): void {
  describe('copy', () => {
    defineCase(
      suite,
      'copy keeps content, content type and metadata, and the source',
      {},
      async ({ storage, p, suite }) => {
        const options = richOptions(suite);
        await storage.put(`${p}src.bin`, CONTENT, options);
        const info = await storage.copy(`${p}src.bin`, `${p}nested/dst.bin`);
        expectObjectInfo(info, `${p}nested/dst.bin`, CONTENT.byteLength);
        await expectRich(storage, suite, `${p}nested/dst.bin`, options);
        await expectRich(storage, suite, `${p}src.bin`, options);
      },
    );

    defineCase(
      suite,
      'copy overwrites by default; with onConflict fail it is ALREADY_EXISTS',
      {},
      async ({ storage, p }) => {
        await storage.put(`${p}src.txt`, 'source');
        await storage.put(`${p}dst.txt`, 'target');
        await expectStorageError(
          storage,
          () => storage.copy(`${p}src.txt`, `${p}dst.txt`, { onConflict: 'fail' }),
          'ALREADY_EXISTS',
          'copy',
        );
        expect(await storage.getText(`${p}dst.txt`)).toBe('target');
        await storage.copy(`${p}src.txt`, `${p}dst.txt`);
        expect(await storage.getText(`${p}dst.txt`)).toBe('source');
        await storage.copy(`${p}src.txt`, `${p}new.txt`, { onConflict: 'fail' });
        expect(await storage.getText(`${p}new.txt`)).toBe('source');
      },
    );

    defineCase(
      suite,
      'copy of a missing key is NOT_FOUND and creates nothing',
      {},
      async ({ storage, p }) => {
        await expectStorageError(
          storage,
          () => storage.copy(`${p}missing.txt`, `${p}dst.txt`),
          'NOT_FOUND',
          'copy',
        );
        expect(await storage.exists(`${p}dst.txt`)).toBe(false);
      },
    );

    defineCase(
      suite,
      "copy and move refuse onConflict 'rename' with INVALID_INPUT",
      {},
      async ({ storage, p }) => {
        await storage.put(`${p}src.txt`, 'x');
        const options = { onConflict: 'rename' } as unknown as { onConflict: 'fail' };
        await expectStorageError(
          storage,
          () => storage.copy(`${p}src.txt`, `${p}dst.txt`, options),
          'INVALID_INPUT',
          'copy',
        );
        await expectStorageError(
          storage,
          () => storage.move(`${p}src.txt`, `${p}dst.txt`, options),
          'INVALID_INPUT',
          'move',
        );
        expect(await storage.exists(`${p}src.txt`)).toBe(true);
      },
    );

    defineCase(
      suite,
      'copy and move onto the same key keep the object',
      {},
      async ({ storage, p }) => {
        await storage.put(`${p}self.txt`, 'self');
        expect((await storage.copy(`${p}self.txt`, `${p}self.txt`)).key).toBe(`${p}self.txt`);
        expect((await storage.move(`${p}self.txt`, `${p}self.txt`)).key).toBe(`${p}self.txt`);
        expect(await storage.getText(`${p}self.txt`)).toBe('self');
      },
    );

    defineCase(
      suite,
      'copy keeps visibility',
      { needs: ['visibility'] },
      async ({ storage, p }) => {
        await storage.put(`${p}private.txt`, 'x', { visibility: 'private' });
        await storage.put(`${p}public.txt`, 'x', { visibility: 'public' });
        await storage.copy(`${p}private.txt`, `${p}private-copy.txt`);
        await storage.copy(`${p}public.txt`, `${p}public-copy.txt`);
        expect((await storage.head(`${p}private-copy.txt`)).visibility).toBe('private');
        expect((await storage.head(`${p}public-copy.txt`)).visibility).toBe('public');
      },
    );
  });

  describe('move', () => {
    defineCase(
      suite,
      'move puts the object at the target and removes the source',
      {},
      async ({ storage, p, suite }) => {
        const options = richOptions(suite);
        await storage.put(`${p}from.bin`, CONTENT, options);
        const info = await storage.move(`${p}from.bin`, `${p}to/here.bin`);
        expectObjectInfo(info, `${p}to/here.bin`, CONTENT.byteLength);
        expect(await storage.exists(`${p}from.bin`)).toBe(false);
        await expectRich(storage, suite, `${p}to/here.bin`, options);
      },
    );

    defineCase(
      suite,
      'move of a missing key is NOT_FOUND and creates nothing',
      {},
      async ({ storage, p }) => {
        await expectStorageError(
          storage,
          () => storage.move(`${p}missing.txt`, `${p}dst.txt`),
          'NOT_FOUND',
          'move',
        );
        expect(await storage.exists(`${p}dst.txt`)).toBe(false);
      },
    );

    defineCase(
      suite,
      'move onto an existing key with onConflict fail keeps both',
      {},
      async ({ storage, p }) => {
        await storage.put(`${p}from.txt`, 'from');
        await storage.put(`${p}to.txt`, 'to');
        await expectStorageError(
          storage,
          () => storage.move(`${p}from.txt`, `${p}to.txt`, { onConflict: 'fail' }),
          'ALREADY_EXISTS',
          'move',
        );
        expect(await storage.getText(`${p}from.txt`)).toBe('from');
        expect(await storage.getText(`${p}to.txt`)).toBe('to');
        // The default overwrites.
        await storage.move(`${p}from.txt`, `${p}to.txt`);
        expect(await storage.getText(`${p}to.txt`)).toBe('from');
        expect(await storage.exists(`${p}from.txt`)).toBe(false);
      },
    );
  });
}
