import { describe, expect, it } from 'vitest';
import { formatBytes } from '../src/format.js';
import { Output } from '../src/io.js';
import type { MigrateEvent, MigrateTotals } from '../src/migrate.js';
import { noTotals } from '../src/migrate-types.js';
import { createProgress, statusText } from '../src/progress.js';
import { Redactor } from '../src/secrets.js';

const MB = 1_000_000;

function totals(over: Partial<MigrateTotals>): MigrateTotals {
  return { ...noTotals(), listingDone: true, ...over };
}

describe('migrate progress: ETA', () => {
  it('follows the bytes when large objects, mostly sent, finish together near the end', () => {
    // 20 x 64 MB: 11 s in, 4 finished, 94% of the bytes sent.
    const line = statusText(
      totals({
        listed: 20,
        listedBytes: 20 * 64 * MB,
        copied: 4,
        copiedBytes: 4 * 64 * MB,
        transferredBytes: 1200 * MB,
        elapsedMs: 11_000,
      }),
    );
    expect(line).toMatch(/ETA (\d+ ms|1\.\d+s)$/);
  });

  it('follows the objects when they are many and small', () => {
    // 5,000 x 16 kB: 10 s in, 1,000 done: about 40 s left.
    const eta = /ETA (\d+)s/.exec(
      statusText(
        totals({
          listed: 5000,
          listedBytes: 5000 * 16_000,
          copied: 1000,
          copiedBytes: 1000 * 16_000,
          transferredBytes: 1000 * 16_000,
          elapsedMs: 10_000,
        }),
      ),
    );
    expect(Number(eta?.[1])).toBeGreaterThanOrEqual(35);
    expect(Number(eta?.[1])).toBeLessThanOrEqual(45);
  });
});

describe('migrate progress: plain lines (a log, a pipe)', () => {
  function collector() {
    const writes: string[] = [];
    const stream = new Output({ write: (text: string) => writes.push(text) }, new Redactor());
    return { writes, progress: createProgress({ stream, tty: false, dryRun: false }) };
  }
  const copied = (i: number): MigrateEvent => ({
    type: 'copied',
    key: `photos/${i}.jpg`,
    size: 16_000,
    dryRun: false,
    totals: totals({ listed: 2000, copied: i + 1 }),
  });

  it('writes a line per copied object, in order, in a few writes instead of one each', () => {
    const { writes, progress } = collector();
    for (let i = 0; i < 2000; i++) progress.onProgress(copied(i));
    progress.finish();
    const lines = writes.join('').trimEnd().split('\n');
    expect(lines).toHaveLength(2000);
    expect(lines[0]).toBe('copied  photos/0.jpg (16.0 kB)');
    expect(lines[1999]).toBe('copied  photos/1999.jpg (16.0 kB)');
    expect(writes.length).toBeLessThan(10);
  });

  it('a line waits at most about 100 ms, even when nothing follows it', async () => {
    const { writes, progress } = collector();
    progress.onProgress(copied(0));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(writes.join('')).toBe('copied  photos/0.jpg (16.0 kB)\n');
    progress.finish();
    expect(writes).toHaveLength(1);
  });
});

describe('formatBytes', () => {
  it('shows whole bytes below 1 kB, also for a rate (bytes / seconds)', () => {
    expect(formatBytes(148.45425119207147)).toBe('148 B');
    expect(formatBytes(999.6)).toBe('1000 B');
    expect(formatBytes(1234567)).toBe('1.2 MB');
  });
});
