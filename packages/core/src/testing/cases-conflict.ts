import { describe, expect } from 'vitest';
import { isStorageError } from '../errors.js';
import type { Storage } from '../storage.js';
import type { Body, ConflictMode, ObjectInfo } from '../types.js';
import { essence, expectBytes, expectStorageError, keysUnder } from './assertions.js';
import { defineCase, type Suite } from './context.js';
import { patterned, slowChunks } from './fixtures.js';

const WRITERS = 8;
const WRITER_BYTES = 256 * 1024;

/** `name_x7k2qa.ext` -> a pattern for the renamed form of `key`. */
function renamedPattern(key: string): RegExp {
  const quote = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const dot = key.lastIndexOf('.');
  const hasExtension = dot > key.lastIndexOf('/') + 1;
  const base = hasExtension ? key.slice(0, dot) : key;
  const extension = hasExtension ? key.slice(dot) : '';
  return new RegExp(`^${quote(base)}_[a-z0-9]{4,12}${quote(extension)}$`);
}

/** WRITERS distinct bodies, different enough that a mix of two is detectable anywhere. */
function writerBodies(): Uint8Array[] {
  return Array.from({ length: WRITERS }, (_, i) => patterned(WRITER_BYTES, 1000 + i));
}

/** Index of the body `actual` equals, or -1. */
function whichBody(actual: Uint8Array, bodies: Uint8Array[]): number {
  const a = Buffer.from(actual);
  return bodies.findIndex((b) => a.equals(Buffer.from(b)));
}

/** Starts WRITERS puts to `key` at once. */
function race(
  storage: Storage,
  key: string,
  bodies: Uint8Array[],
  mode: ConflictMode,
  streamed: boolean,
): Promise<PromiseSettledResult<ObjectInfo>[]> {
  return Promise.allSettled(
    bodies.map((bytes) => {
      const body: Body = streamed ? slowChunks(bytes, 16 * 1024) : bytes;
      return storage.put(key, body, { onConflict: mode });
    }),
  );
}

/** onConflict modes and concurrent writers. */
export function registerConflictCases(suite: Suite): void {
  describe('conflicts', () => {
    defineCase(
      suite,
      'overwrite (the default) replaces the object entirely',
      {},
      async ({ storage, p }) => {
        const key = `${p}doc.txt`;
        await storage.put(key, 'a long first version of the document');
        await storage.put(key, 'second', { contentType: 'text/csv' });
        // A shorter body leaves no bytes of the longer one behind.
        expect(await storage.getText(key)).toBe('second');
        expect((await storage.head(key)).size).toBe(6);
        expect(essence((await storage.head(key)).contentType)).toBe('text/csv');
        await storage.put(key, 'third', { onConflict: 'overwrite' });
        expect(await storage.getText(key)).toBe('third');
      },
    );

    defineCase(
      suite,
      'onConflict fail is ALREADY_EXISTS and keeps the original',
      {},
      async ({ storage, p }) => {
        const key = `${p}once.txt`;
        await storage.put(key, 'original', { onConflict: 'fail' });
        const error = await expectStorageError(
          storage,
          () => storage.put(key, 'intruder', { onConflict: 'fail', contentType: 'text/csv' }),
          'ALREADY_EXISTS',
          'put',
        );
        expect(error.key).toBe(key);
        expect(await storage.getText(key)).toBe('original');
        expect(essence((await storage.head(key)).contentType)).toBe('text/plain');
      },
    );

    defineCase(
      suite,
      'onConflict rename stores under a new key and keeps the original',
      {},
      async ({ storage, p, suite }) => {
        const key = `${p}photos/cat.jpg`;
        const first = await storage.put(key, 'first', { onConflict: 'rename' });
        expect(first.key).toBe(key);
        const second = await storage.put(key, 'second', { onConflict: 'rename' });
        const third = await storage.put(key, 'third', { onConflict: 'rename' });
        for (const info of [second, third]) {
          expect(info.key).toMatch(renamedPattern(key));
          expect(essence(info.contentType)).toBe('image/jpeg');
        }
        expect(second.key).not.toBe(third.key);
        expect(await storage.getText(key)).toBe('first');
        expect(await storage.getText(second.key)).toBe('second');
        expect(await storage.getText(third.key)).toBe('third');
        if (suite.has('list')) {
          expect((await keysUnder(storage, p)).sort()).toEqual([key, second.key, third.key].sort());
        }
      },
    );

    defineCase(
      suite,
      'onConflict rename works for streams and keys without an extension',
      {},
      async ({ storage, p }) => {
        const key = `${p}README`;
        await storage.put(key, 'original');
        const renamed = await storage.put(key, slowChunks(patterned(50_000, 41), 8192), {
          onConflict: 'rename',
        });
        expect(renamed.key).toMatch(renamedPattern(key));
        expectBytes(await storage.getBytes(renamed.key), patterned(50_000, 41));
        expect(await storage.getText(key)).toBe('original');
      },
    );

    defineCase(
      suite,
      'rejects an unknown onConflict mode with INVALID_INPUT',
      {},
      async ({ storage, p }) => {
        const key = `${p}mode.txt`;
        const options = { onConflict: 'replace' as ConflictMode };
        await expectStorageError(
          storage,
          () => storage.put(key, 'x', options),
          'INVALID_INPUT',
          'put',
        );
        expect(await storage.exists(key)).toBe(false);
      },
    );

    defineCase(
      suite,
      "a refused 'fail' put leaves the object's visibility, type and metadata as they were",
      { needs: ['conditionalWrite', 'metadata'] },
      async ({ storage, p, suite }) => {
        const key = `${p}kept.pdf`;
        const visibility = suite.has('visibility') ? { visibility: 'private' as const } : {};
        await storage.put(key, 'the original', {
          ...visibility,
          contentType: 'text/csv',
          metadata: { owner: 'ada' },
        });
        const before = await storage.head(key);
        for (const options of [
          { onConflict: 'fail' as const },
          { onConflict: 'fail' as const, ...visibility, metadata: { owner: 'eve' } },
          { onConflict: 'fail' as const, contentType: 'text/html' },
        ]) {
          await expectStorageError(
            storage,
            () => storage.put(key, 'an intruder', options),
            'ALREADY_EXISTS',
            'put',
          );
        }
        const after = await storage.head(key);
        expect(after.metadata).toEqual({ owner: 'ada' });
        expect(after.contentType).toBe(before.contentType);
        expect(after.visibility).toBe(before.visibility);
        expect(await storage.getText(key)).toBe('the original');
      },
    );

    for (const streamed of [false, true]) {
      defineCase(
        suite,
        `${WRITERS} concurrent fail puts${streamed ? ' of streams' : ''}: exactly one wins`,
        { needs: ['conditionalWrite'] },
        async ({ storage, p }) => {
          const key = `${p}contended.bin`;
          const bodies = writerBodies();
          const results = await race(storage, key, bodies, 'fail', streamed);
          const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
          expect(winners).toHaveLength(1);
          for (const result of results) {
            if (result.status === 'rejected') {
              expect(isStorageError(result.reason, 'ALREADY_EXISTS'), String(result.reason)).toBe(
                true,
              );
            }
          }
          expectBytes(await storage.getBytes(key), bodies[winners[0]!]!, "the winner's body");
        },
      );
    }

    defineCase(
      suite,
      `${WRITERS} concurrent overwrites leave exactly one writer's body`,
      {},
      async ({ storage, p }) => {
        const key = `${p}contended.bin`;
        const bodies = writerBodies();
        const results = await race(storage, key, bodies, 'overwrite', true);
        for (const result of results)
          expect(result.status, String((result as { reason?: unknown }).reason)).toBe('fulfilled');
        const stored = await storage.getBytes(key);
        expect(stored.byteLength).toBe(WRITER_BYTES);
        expect(
          whichBody(stored, bodies),
          'the stored body is a mix of writers',
        ).toBeGreaterThanOrEqual(0);
        expect((await storage.head(key)).size).toBe(WRITER_BYTES);
      },
    );

    defineCase(
      suite,
      `${WRITERS} concurrent renames each get their own key`,
      { needs: ['conditionalWrite'] },
      async ({ storage, p }) => {
        const key = `${p}upload.bin`;
        const bodies = writerBodies();
        const results = await race(storage, key, bodies, 'rename', false);
        const keys = results.map((r) => {
          if (r.status === 'rejected') throw r.reason;
          return r.value.key;
        });
        expect(new Set(keys).size).toBe(WRITERS);
        for (const [i, k] of keys.entries()) expectBytes(await storage.getBytes(k), bodies[i]!, k);
      },
    );
  });
}
