import { describe, expect, it } from 'vitest';
import type { MigrateTotals } from '../src/migrate.js';
import { noTotals } from '../src/migrate-types.js';
import { statusText } from '../src/progress.js';

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
