import { describe, expect, it } from 'vitest';
import { readWhole, WholeBuffers } from '../src/whole-buffers.js';

const KiB = 1024;

function patterned(size: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

/** A byte stream of `bytes` that answers each read with at most `step` bytes; records cancels. */
function byteSource(bytes: Uint8Array, step: number) {
  let at = 0;
  const seen = { cancelled: false };
  const stream = new ReadableStream({
    type: 'bytes',
    pull(controller) {
      const request = controller.byobRequest!;
      const view = request.view as Uint8Array;
      const n = Math.min(step, view.byteLength, bytes.byteLength - at);
      if (n === 0) {
        controller.close();
        request.respond(0);
        return;
      }
      view.set(bytes.subarray(at, at + n));
      at += n;
      request.respond(n);
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { stream, seen };
}

/** A default (chunk) stream of `bytes` in chunks of `step`; records cancels. */
function chunkSource(bytes: Uint8Array, step: number) {
  let at = 0;
  const seen = { cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(at, at + step));
      at += step;
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { stream, seen };
}

describe('readWhole', () => {
  for (const [kind, source] of [
    ['byte stream (read in place)', byteSource],
    ['chunk stream (copied in)', chunkSource],
  ] as const) {
    it(`${kind}: reads exactly the object into the buffer`, async () => {
      const bytes = patterned(300 * KiB + 7);
      const { stream } = source(bytes, 64 * KiB);
      const { buffer, read } = await readWhole(stream, new Uint8Array(512 * KiB), bytes.byteLength);
      expect(read).toBe(bytes.byteLength);
      expect(buffer.byteLength).toBe(512 * KiB);
      expect(Buffer.from(buffer.subarray(0, read)).equals(Buffer.from(bytes))).toBe(true);
    });

    it(`${kind}: a source longer than its size says so and is cancelled, not read to the end`, async () => {
      const bytes = patterned(300 * KiB);
      const { stream, seen } = source(bytes, 16 * KiB);
      const { read } = await readWhole(stream, new Uint8Array(512 * KiB), 200 * KiB);
      expect(read).toBeGreaterThan(200 * KiB);
      expect(read).toBeLessThan(300 * KiB);
      expect(seen.cancelled).toBe(true);
    });

    it(`${kind}: a source shorter than its size reports what it had`, async () => {
      const bytes = patterned(100 * KiB);
      const { stream } = source(bytes, 64 * KiB);
      const { read } = await readWhole(stream, new Uint8Array(256 * KiB), 200 * KiB);
      expect(read).toBe(100 * KiB);
    });
  }

  it('a failing source rejects with its error', async () => {
    let pulls = 0;
    const stream = new ReadableStream({
      type: 'bytes',
      pull(controller) {
        const request = controller.byobRequest!;
        if (++pulls === 2) throw new Error('disk on fire');
        (request.view as Uint8Array).fill(1, 0, 10);
        request.respond(10);
      },
    });
    await expect(readWhole(stream, new Uint8Array(256 * KiB), 100)).rejects.toThrow('disk on fire');
  });
});

describe('WholeBuffers', () => {
  it('hands a given-back buffer to the next object of its size class, up to what it keeps', () => {
    const buffers = new WholeBuffers(2 * 1024 * KiB);
    const a = buffers.take(700 * KiB);
    expect(a.byteLength).toBe(1024 * KiB);
    expect(buffers.take(1).byteLength).toBe(256 * KiB);
    buffers.give(a);
    expect(buffers.take(1024 * KiB)).toBe(a);
    // Another class is a new buffer.
    expect(buffers.take(1024 * KiB + 1).byteLength).toBe(2048 * KiB);

    const [b, c, d] = [buffers.take(1024 * KiB), buffers.take(1024 * KiB), buffers.take(900 * KiB)];
    buffers.give(b);
    buffers.give(c);
    buffers.give(d); // over the 2 MiB kept: dropped
    const again = [buffers.take(1024 * KiB), buffers.take(1024 * KiB), buffers.take(1024 * KiB)];
    expect(again).toContain(b);
    expect(again).toContain(c);
    expect(again).not.toContain(d);
  });
});
