import { describe, expect } from 'vitest';
import { isStorageError } from '../errors.js';
import type { Storage } from '../storage.js';
import type { Body } from '../types.js';
import {
  catchError,
  expectBytes,
  expectObjectInfo,
  expectStorageError,
  keysUnder,
} from './assertions.js';
import { defineCase, type Suite } from './context.js';
import {
  allByteValues,
  byteStreamOf,
  failingStream,
  generatedBody,
  hashStream,
  nodeReadableOf,
  patterned,
  readStream,
  slowChunks,
  utf8,
  webStreamOf,
} from './fixtures.js';

const LARGE_BYTES = 25 * 1024 * 1024;
// A multiple of 4 that is not a power of two, so chunk edges fall at odd places.
const LARGE_CHUNK = 256 * 1024 + 4;

/** Puts `body`, then checks put's answer, head, getBytes and the streamed body against `expected`. */
async function roundTrip(
  storage: Storage,
  key: string,
  body: Body,
  expected: Uint8Array,
): Promise<void> {
  const info = await storage.put(key, body);
  expectObjectInfo(info, key, expected.byteLength);
  expectObjectInfo(await storage.head(key), key, expected.byteLength);
  expectBytes(await storage.getBytes(key), expected, 'getBytes');
  const streamed = await readStream((await storage.get(key)).body());
  expectBytes(streamed, expected, 'body()');
}

/** Put of every body type, empty and large objects, and bodies that fail. */
export function registerBodyCases(suite: Suite): void {
  describe('bodies', () => {
    defineCase(suite, 'round-trips a string as UTF-8', {}, async ({ storage, p }) => {
      const text = 'héllo wörld — ✓ 文件 😀\r\n\ttabs and "quotes"';
      await roundTrip(storage, `${p}string.txt`, text, utf8(text));
      expect(await storage.getText(`${p}string.txt`)).toBe(text);
    });

    defineCase(
      suite,
      'round-trips a Uint8Array with every byte value',
      {},
      async ({ storage, p }) => {
        const bytes = allByteValues();
        const expected = bytes.slice();
        await roundTrip(storage, `${p}bytes.bin`, bytes, expected);
        // Changing the caller's buffer after put must not change the stored object.
        bytes.fill(0);
        expectBytes(
          await storage.getBytes(`${p}bytes.bin`),
          expected,
          'after the source buffer changed',
        );
      },
    );

    defineCase(
      suite,
      'round-trips a Uint8Array view with a byteOffset',
      {},
      async ({ storage, p }) => {
        const backing = patterned(4096, 11);
        const view = backing.subarray(100, 1100);
        await roundTrip(storage, `${p}view.bin`, view, backing.slice(100, 1100));
      },
    );

    defineCase(suite, 'round-trips a Buffer', {}, async ({ storage, p }) => {
      const bytes = patterned(5000, 12);
      await roundTrip(storage, `${p}buffer.bin`, Buffer.from(bytes), bytes);
    });

    defineCase(suite, 'round-trips an ArrayBuffer', {}, async ({ storage, p }) => {
      const bytes = allByteValues(3);
      await roundTrip(storage, `${p}array-buffer.bin`, bytes.slice().buffer, bytes);
    });

    defineCase(suite, 'round-trips a Blob', {}, async ({ storage, p }) => {
      const bytes = patterned(20_000, 13);
      await roundTrip(storage, `${p}blob.bin`, new Blob([bytes]), bytes);
    });

    defineCase(
      suite,
      'round-trips a web ReadableStream of many chunks',
      {},
      async ({ storage, p }) => {
        const bytes = patterned(100_000, 14);
        await roundTrip(storage, `${p}web-stream.bin`, webStreamOf(bytes, 7_001), bytes);
      },
    );

    defineCase(
      suite,
      'round-trips a web byte stream (type: bytes, as a disk body is)',
      {},
      async ({ storage, p }) => {
        const bytes = patterned(100_000, 17);
        await roundTrip(storage, `${p}byte-stream.bin`, byteStreamOf(bytes, 7_001), bytes);
      },
    );

    defineCase(suite, 'round-trips a Node Readable', {}, async ({ storage, p }) => {
      const bytes = patterned(100_000, 15);
      await roundTrip(storage, `${p}node-readable.bin`, nodeReadableOf(bytes, 16_384), bytes);
    });

    defineCase(suite, 'round-trips an async iterable of Uint8Array', {}, async ({ storage, p }) => {
      const bytes = patterned(70_000, 16);
      await roundTrip(storage, `${p}async-iterable.bin`, slowChunks(bytes, 10_000), bytes);
    });

    defineCase(
      suite,
      'stores empty (0-byte) objects from every kind of body',
      {},
      async ({ storage, p, suite }) => {
        const empty = new Uint8Array(0);
        const bodies: Array<[string, Body]> = [
          ['empty-string.txt', ''],
          ['empty-bytes.bin', new Uint8Array(0)],
          ['empty-stream.bin', webStreamOf(empty, 1)],
          ['empty-byte-stream.bin', byteStreamOf(empty, 1)],
          ['empty-iterable.bin', slowChunks(empty, 1)],
        ];
        for (const [name, body] of bodies) await roundTrip(storage, `${p}${name}`, body, empty);
        expect(await storage.getText(`${p}empty-string.txt`)).toBe('');
        if (suite.has('list')) {
          const listed = await storage.list({ prefix: p });
          expect(listed.objects.map((o) => o.size)).toEqual(bodies.map(() => 0));
        }
        if (suite.has('rangeRead')) {
          // A range starting at 0 of an empty object is the empty object, not an error.
          const part = await storage.get(`${p}empty-bytes.bin`, { range: { offset: 0 } });
          expect((await part.bytes()).byteLength).toBe(0);
        }
      },
    );

    defineCase(
      suite,
      'streams a 25 MiB object in and out byte for byte',
      { skip: suite.options.skipLarge === true, timeout: 180_000 },
      async ({ storage, p, suite }) => {
        const key = `${p}large.bin`;
        const body = generatedBody(LARGE_BYTES, LARGE_CHUNK, 0x5eed);
        const info = await storage.put(key, body.stream);
        expect(body.produced()).toBe(LARGE_BYTES);
        expect(info.size).toBe(LARGE_BYTES);
        expect((await storage.head(key)).size).toBe(LARGE_BYTES);
        const read = await hashStream((await storage.get(key)).body());
        expect(read.size).toBe(LARGE_BYTES);
        expect(read.sha256).toBe(body.sha256());
        if (suite.has('rangeRead')) {
          const part = await storage.get(key, {
            range: { offset: body.windowStart, length: body.window.byteLength },
          });
          expectBytes(await part.bytes(), body.window, 'range across a chunk edge');
        }
        await storage.delete(key);
      },
    );

    defineCase(
      suite,
      'a body stream that fails stores nothing and keeps the old version',
      {},
      async ({ storage, p, suite }) => {
        const key = `${p}kept.txt`;
        await storage.put(key, 'version 1');
        const error = await catchError(() =>
          storage.put(key, failingStream(patterned(64 * 1024, 17))),
        );
        expect(isStorageError(error), String(error)).toBe(true);
        expect(await storage.getText(key)).toBe('version 1');

        const fresh = `${p}never.bin`;
        expect(
          isStorageError(
            await catchError(() => storage.put(fresh, failingStream(utf8('partial')))),
          ),
        ).toBe(true);
        expect(await storage.exists(fresh)).toBe(false);
        // No temporary or partial files show up as objects.
        if (suite.has('list')) expect(await keysUnder(storage, p)).toEqual([key]);
      },
    );

    defineCase(
      suite,
      'rejects a body of an unsupported type with INVALID_INPUT',
      {},
      async ({ storage, p }) => {
        const key = `${p}bad-body.bin`;
        for (const body of [42, null, undefined, { length: 3 }, [1, 2, 3]]) {
          await expectStorageError(
            storage,
            () => storage.put(key, body as unknown as Body),
            'INVALID_INPUT',
            'put',
          );
        }
        // A stream producing something other than bytes or strings.
        const objects = (async function* () {
          yield { not: 'bytes' };
        })();
        await expectStorageError(
          storage,
          () => storage.put(key, objects as unknown as Body),
          'INVALID_INPUT',
          'put',
        );
        expect(await storage.exists(key)).toBe(false);
      },
    );

    defineCase(suite, 'an aborted signal stops put and get', {}, async ({ storage, p }) => {
      const key = `${p}aborted.txt`;
      const putError = await catchError(() =>
        storage.put(key, 'x', { signal: AbortSignal.abort() }),
      );
      expect(isStorageError(putError), String(putError)).toBe(true);
      expect(await storage.exists(key)).toBe(false);
      await storage.put(key, 'x');
      const getError = await catchError(() => storage.get(key, { signal: AbortSignal.abort() }));
      expect(isStorageError(getError), String(getError)).toBe(true);
    });
  });
}
