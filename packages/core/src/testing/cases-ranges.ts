import { describe, expect } from 'vitest';
import type { Storage } from '../storage.js';
import type { ByteRange } from '../types.js';
import { expectBytes, expectStorageError } from './assertions.js';
import { defineCase, type Suite } from './context.js';
import { patterned, readStream } from './fixtures.js';

const SIZE = 1000;

/** Reads `range` of `key` and checks the bytes, the whole size and the `range` field. */
async function expectRange(
  storage: Storage,
  key: string,
  whole: Uint8Array,
  range: ByteRange,
  start: number,
  end: number,
): Promise<void> {
  // readAll asks for it all at once (one request on S3); what comes back is the same.
  for (const readAll of [false, true]) {
    const part = await storage.get(key, { range, readAll });
    // size is the whole object's; range says what was read.
    expect(part.size).toBe(whole.byteLength);
    expect(part.range).toEqual({ offset: start, length: end - start });
    expectBytes(
      await readStream(part.body()),
      whole.subarray(start, end),
      `range ${JSON.stringify(range)}${readAll ? ' (readAll)' : ''}`,
    );
  }
}

/** Range reads. */
export function registerRangeCases(suite: Suite): void {
  describe('ranges', () => {
    const setup = async (
      storage: Storage,
      p: string,
    ): Promise<{ key: string; whole: Uint8Array }> => {
      const whole = patterned(SIZE, 21);
      const key = `${p}ranged.bin`;
      await storage.put(key, whole);
      return { key, whole };
    };

    defineCase(
      suite,
      'reads from an offset to the end',
      { needs: ['rangeRead'] },
      async ({ storage, p }) => {
        const { key, whole } = await setup(storage, p);
        await expectRange(storage, key, whole, { offset: 0 }, 0, SIZE);
        await expectRange(storage, key, whole, { offset: 10 }, 10, SIZE);
        await expectRange(storage, key, whole, { offset: SIZE - 1 }, SIZE - 1, SIZE);
      },
    );

    defineCase(
      suite,
      'reads an offset and a length',
      { needs: ['rangeRead'] },
      async ({ storage, p }) => {
        const { key, whole } = await setup(storage, p);
        await expectRange(storage, key, whole, { offset: 0, length: 1 }, 0, 1);
        await expectRange(storage, key, whole, { offset: 100, length: 250 }, 100, 350);
        await expectRange(storage, key, whole, { offset: 0, length: SIZE }, 0, SIZE);
        // bytes() gives the same part as body().
        const part = await storage.get(key, { range: { offset: 5, length: 5 } });
        expectBytes(await part.bytes(), whole.subarray(5, 10));
      },
    );

    defineCase(
      suite,
      'a length past the end stops at the end',
      { needs: ['rangeRead'] },
      async ({ storage, p }) => {
        const { key, whole } = await setup(storage, p);
        await expectRange(storage, key, whole, { offset: 900, length: 500 }, 900, SIZE);
        await expectRange(storage, key, whole, { offset: 0, length: 10 * SIZE }, 0, SIZE);
      },
    );

    defineCase(
      suite,
      'an offset at or past the end is INVALID_INPUT',
      { needs: ['rangeRead'] },
      async ({ storage, p }) => {
        const { key } = await setup(storage, p);
        for (const range of [
          { offset: SIZE },
          { offset: SIZE + 5 },
          { offset: SIZE * 10, length: 3 },
        ]) {
          await expectStorageError(
            storage,
            () => storage.get(key, { range }),
            'INVALID_INPUT',
            'get',
          );
        }
      },
    );

    defineCase(
      suite,
      'a zero length reads nothing',
      { needs: ['rangeRead'] },
      async ({ storage, p }) => {
        const { key, whole } = await setup(storage, p);
        await expectRange(storage, key, whole, { offset: 0, length: 0 }, 0, 0);
        await expectRange(storage, key, whole, { offset: 500, length: 0 }, 500, 500);
      },
    );

    defineCase(
      suite,
      'a negative or fractional range is INVALID_INPUT',
      {},
      async ({ storage, p }) => {
        const { key } = await setup(storage, p);
        const ranges: ByteRange[] = [
          { offset: -1 },
          { offset: 1.5 },
          { offset: Number.NaN },
          { offset: 0, length: -1 },
          { offset: 0, length: 2.5 },
        ];
        for (const range of ranges) {
          await expectStorageError(
            storage,
            () => storage.get(key, { range }),
            'INVALID_INPUT',
            'get',
          );
        }
      },
    );

    defineCase(
      suite,
      'range reads are UNSUPPORTED without rangeRead',
      { lacks: 'rangeRead' },
      async ({ storage, p }) => {
        const { key } = await setup(storage, p);
        await expectStorageError(
          storage,
          () => storage.get(key, { range: { offset: 1 } }),
          'UNSUPPORTED',
          'get',
        );
      },
    );
  });
}
