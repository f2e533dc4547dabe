/** Small helpers shared by the benchmarks: timing, concurrency, child-process RSS runs. */
import { execFileSync } from 'node:child_process';

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Runs `count` tasks with `inFlight` at a time. */
export async function pool(
  count: number,
  inFlight: number,
  task: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/**
 * The best (lowest) of `rounds` timings of a and b. The side that goes first alternates from round
 * to round, so that warm-up, caches and the kernel writing back the other side's dirty pages hit
 * both alike. Each gets the round number, e.g. to write fresh keys.
 */
export async function bestOf(
  rounds: number,
  a: (round: number) => Promise<unknown>,
  b: (round: number) => Promise<unknown>,
): Promise<[number, number]> {
  let bestA = Number.POSITIVE_INFINITY;
  let bestB = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      bestA = Math.min(bestA, await timed(() => a(i)));
      bestB = Math.min(bestB, await timed(() => b(i)));
    } else {
      bestB = Math.min(bestB, await timed(() => b(i)));
      bestA = Math.min(bestA, await timed(() => a(i)));
    }
  }
  return [bestA, bestB];
}

/**
 * Runs a plain-JavaScript case script in a fresh `node` (no TypeScript loader, so its peak RSS is
 * the case's own) and returns the JSON it printed last.
 */
export function inChild<T>(script: string, args: string[], env: Record<string, string> = {}): T {
  const out = execFileSync(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

export const MiB = 1024 * 1024;

export function row(name: string, ours: number, raw: number, unit: string, target: string): string {
  const ratio = ours / raw;
  return `${name.padEnd(34)} ours ${ours.toFixed(1).padStart(9)} ${unit}   raw ${raw.toFixed(1).padStart(9)} ${unit}   ratio ${ratio.toFixed(2)}x   (target ${target})`;
}
