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

/** What `paired` measured: medians over the rounds, and the spread of the per-round ratios. */
export interface Paired {
  /** Median time of a side's batch, in ms. */
  oursMs: number;
  rawMs: number;
  /** Median of the per-round ratios raw time / our time (above 1: ours is faster). */
  ratio: number;
  lowRatio: number;
  highRatio: number;
}

/**
 * Times a and b in `rounds` back-to-back pairs, alternating which goes first, and compares each
 * pair on its own. On a shared or virtual machine the speed of the disk and CPU drifts by several
 * times within seconds; two batches run back to back see nearly the same machine, so the median
 * of the pairs' ratios is far steadier than the ratio of two separately taken best times.
 */
export async function paired(
  rounds: number,
  ours: (round: number) => Promise<unknown>,
  raw: (round: number) => Promise<unknown>,
): Promise<Paired> {
  const oursMs: number[] = [];
  const rawMs: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let a: number;
    let b: number;
    if (i % 2 === 0) {
      a = await timed(() => ours(i));
      b = await timed(() => raw(i));
    } else {
      b = await timed(() => raw(i));
      a = await timed(() => ours(i));
    }
    oursMs.push(a);
    rawMs.push(b);
    ratios.push(b / a);
  }
  const sorted = [...ratios].sort((x, y) => x - y);
  return {
    oursMs: median(oursMs),
    rawMs: median(rawMs),
    ratio: median(ratios),
    lowRatio: sorted[0]!,
    highRatio: sorted[sorted.length - 1]!,
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
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

export function row(
  name: string,
  ours: number,
  raw: number,
  unit: string,
  target: string,
  ratio = `${(ours / raw).toFixed(2)}x`,
): string {
  return `${name.padEnd(34)} ours ${ours.toFixed(1).padStart(9)} ${unit}   raw ${raw.toFixed(1).padStart(9)} ${unit}   ratio ${ratio}   (target ${target})`;
}

/** A row for a paired measurement: median rates, median ratio and the range of the ratios. */
export function pairedRow(
  name: string,
  p: Paired,
  perMs: (ms: number) => number,
  unit: string,
  target: string,
): string {
  // The ratio shown is the median of the pairs' ratios, not the ratio of the median rates.
  const ratio = `${p.ratio.toFixed(2)}x (rounds ${p.lowRatio.toFixed(2)}-${p.highRatio.toFixed(2)})`;
  return row(name, perMs(p.oursMs), perMs(p.rawMs), unit, target, ratio);
}
