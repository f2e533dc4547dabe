import { getHeapStatistics } from 'node:v8';

const MiB = 1024 * 1024;
/** How far the heap may grow past what the last collection left before another one. */
const GROWTH = 8 * MiB;
const CHECK_EVERY_MS = 250;

/**
 * While a long migration runs: a full collection whenever V8's heap has grown {@link GROWTH} past
 * what the last one left. Stops when the returned function is called. Does nothing without
 * `globalThis.gc` (the `stowage` binary exposes it for `migrate`, see bin.ts).
 *
 * Why: objects of the copies in flight that outlive two young-generation collections are moved to
 * the old generation and die there; V8 collects it only when it reaches a limit set at a multiple
 * of the live heap, so during 5,000 small copies it grew from 16 to 29 MiB while the live heap
 * stayed at 15.5-16.4 MiB (measured after forced collections). With this check: peak RSS of
 * 5,000 x 16 KiB S3 -> disk 118-143 -> 114-115 MiB, disk -> S3 120-135 -> 108-113 MiB, one or two
 * collections of ~10 ms per run. V8's own `--heap-growing-percent=50` gave the same peaks but ran
 * 112 full collections during 20 x 64 MiB, where the heap hardly grows (2.3 -> 5.5 s of CPU).
 */
export function trimHeap(): () => void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return () => {};
  let floor = getHeapStatistics().used_heap_size;
  const timer = setInterval(() => {
    if (getHeapStatistics().used_heap_size < floor + GROWTH) return;
    gc();
    floor = getHeapStatistics().used_heap_size;
  }, CHECK_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
