import { afterEach, describe, expect, it } from 'vitest';
import { trimHeap } from '../src/heap-trim.js';

const global = globalThis as { gc?: () => void };
const exposed = global.gc;
afterEach(() => {
  global.gc = exposed;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('trimHeap (the stowage binary during a migration)', () => {
  it('collects once the heap has grown 8 MiB past the last collection, until stopped', async () => {
    let collections = 0;
    global.gc = () => {
      collections++;
      held.length = 0; // what a full collection would free
    };
    const held: unknown[] = [];
    const stop = trimHeap();
    await sleep(600);
    expect(collections).toBe(0);
    // ~24 MiB of small objects kept alive, as promoted garbage would be.
    for (let i = 0; i < 300_000; i++) held.push({ i, text: `object ${i} ${'x'.repeat(40)}` });
    await sleep(600);
    expect(collections).toBeGreaterThanOrEqual(1);
    stop();
    const after = collections;
    for (let i = 0; i < 300_000; i++) held.push({ i, text: `object ${i} ${'x'.repeat(40)}` });
    await sleep(600);
    expect(collections).toBe(after);
  });
});
