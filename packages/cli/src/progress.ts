import { fit, formatBytes, formatCount, formatDuration } from './format.js';
import type { Output } from './io.js';
import type { MigrateEvent, MigrateTotals } from './migrate.js';

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Where progress goes (stderr). */
  stream: Output;
  /** Draw one redrawn bar (a terminal) or write plain lines (a log, a pipe). */
  tty: boolean;
  /** A dry run: the command lists the objects itself, progress only counts. */
  dryRun: boolean;
  /** Plain mode: seconds between two summary lines (default 5). */
  plainIntervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** Turns migration events into a progress bar or plain lines. */
export interface Progress {
  onProgress(event: MigrateEvent): void;
  /** Removes the bar (terminal mode) before the summary is printed. */
  finish(): void;
}

const REDRAW_INTERVAL_MS = 100;
const LINE_BATCH_MS = 100;
const LINE_BATCH_BYTES = 16 * 1024;
const BAR_WIDTH = 24;

/**
 * A progress bar with objects, bytes, rate and ETA on a terminal; on anything else a line per
 * copied or failed object and a summary line every few seconds (written in batches, at most
 * 100 ms late; `finish` writes what is left).
 */
export function createProgress(options: ProgressOptions): Progress {
  const { stream, tty, dryRun } = options;
  const now = options.now ?? (() => performance.now());
  const plainInterval = options.plainIntervalMs ?? 5000;
  let last: MigrateTotals | undefined;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let lastPlain = now();
  let barShown = false;

  const clearBar = (): void => {
    if (barShown) stream.write('\r\x1b[K');
    barShown = false;
  };
  const drawBar = (): void => {
    if (!last) return;
    lastDraw = now();
    stream.write(`\r${fit(barLine(last), Math.max(20, stream.columns - 1)).trimEnd()}\x1b[K`);
    barShown = true;
  };
  // Plain lines wait here for up to LINE_BATCH_MS and go out in one write: a write per copied
  // object was a system call each (a pipe's write wakes its reader), about 5% of the main thread's
  // CPU in a migration of small objects (bench/migrate, S3 -> disk).
  let pending = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (pending === '') return;
    stream.write(pending);
    pending = '';
  };
  const plainLine = (line: string): void => {
    pending += `${line}\n`;
    if (pending.length >= LINE_BATCH_BYTES) flush();
    else timer ??= setTimeout(flush, LINE_BATCH_MS);
  };
  /** Writes a line above the bar. */
  const say = (line: string): void => {
    if (tty) {
      clearBar();
      stream.line(line);
      drawBar();
    } else {
      plainLine(line);
    }
  };

  return {
    onProgress(event) {
      last = event.totals;
      if (event.type === 'failed') {
        say(`failed  ${event.key}: ${event.error.code} ${event.error.message}`);
      } else if (event.type === 'copied' && !dryRun && !tty) {
        say(`copied  ${event.key} (${formatBytes(event.size)})`);
      }
      if (tty) {
        if (now() - lastDraw >= REDRAW_INTERVAL_MS) drawBar();
      } else if (now() - lastPlain >= plainInterval) {
        lastPlain = now();
        plainLine(`progress: ${statusText(event.totals)}`);
      }
    },
    finish() {
      flush();
      if (tty) clearBar();
    },
  };
}

/** `[#####-----]  45%  1,234/5,000 objects  12 MB/30 MB  2.1 MB/s  ETA 1m 20s  12 skipped` */
export function barLine(t: MigrateTotals): string {
  const fraction = doneFraction(t);
  const filled = fraction === undefined ? 0 : Math.round(fraction * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  const percent = fraction === undefined ? '  …' : `${Math.floor(fraction * 100)}%`.padStart(4);
  return `${bar} ${percent}  ${statusText(t)}`;
}

/** `1,234/5,000 objects, 12 MB/30 MB, 2.1 MB/s, ETA 1m 20s, 12 skipped, 1 failed` */
export function statusText(t: MigrateTotals): string {
  const done = t.copied + t.skipped + t.failed;
  const total = t.listingDone ? formatCount(t.listed) : `${formatCount(t.listed)}+`;
  const parts = [`${formatCount(done)}/${total} objects`];
  const totalBytes = t.listingDone ? formatBytes(t.listedBytes) : `${formatBytes(t.listedBytes)}+`;
  parts.push(`${formatBytes(doneBytes(t))}/${totalBytes}`);
  const seconds = t.elapsedMs / 1000;
  if (seconds >= 1 && t.transferredBytes > 0) {
    parts.push(`${formatBytes(t.transferredBytes / seconds)}/s`);
  }
  const eta = etaMs(t);
  if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`);
  if (t.skipped > 0) parts.push(`${formatCount(t.skipped)} skipped`);
  if (t.failed > 0) parts.push(`${formatCount(t.failed)} failed`);
  return parts.join(', ');
}

/** Bytes dealt with: skipped, failed, copied, and the part of objects in flight already sent. */
function doneBytes(t: MigrateTotals): number {
  return t.skippedBytes + t.failedBytes + t.transferredBytes;
}

function doneFraction(t: MigrateTotals): number | undefined {
  if (!t.listingDone) return undefined;
  if (t.listedBytes > 0) return Math.min(1, doneBytes(t) / t.listedBytes);
  return t.listed === 0 ? 1 : (t.copied + t.skipped + t.failed) / t.listed;
}

/**
 * What one object costs beyond its bytes (a request or two), counted as this many bytes: small
 * objects are bound by requests, large ones by bandwidth.
 */
const OBJECT_COST_BYTES = 256 * 1024;

/**
 * Time left: the work left at the rate work was done so far, where work is bytes plus a fixed
 * cost per object. One rate for both, so a few large objects finishing late (their bytes already
 * counted as they streamed) do not make the estimate jump. Unknown until the listing is complete
 * and a second has passed.
 */
export function etaMs(t: MigrateTotals): number | undefined {
  if (!t.listingDone || t.elapsedMs < 1000) return undefined;
  const doneObjects = t.copied + t.skipped + t.failed;
  if (t.listed - doneObjects <= 0) return 0;
  const done = doneBytes(t) + doneObjects * OBJECT_COST_BYTES;
  if (done <= 0) return undefined;
  const total = t.listedBytes + t.listed * OBJECT_COST_BYTES;
  return (Math.max(0, total - done) / done) * t.elapsedMs;
}
