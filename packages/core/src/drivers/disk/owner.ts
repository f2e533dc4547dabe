import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { TEMP_SUFFIX } from './safe-path.js';

/**
 * Who wrote a temporary file or holds a lock: host, pid and the process's start time, so that a
 * file left by a process that died (kill -9, a crash, a power cut) can be told from a live
 * writer's, even once the pid has been reused.
 */
const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 4);

/** Start time of a process in clock ticks since boot (Linux), undefined where unknown. */
function startTime(pid: number | 'self'): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Field 22; the command name (field 2) may hold spaces and parentheses, so count from its end.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const SELF_START = Number(startTime('self') ?? 0).toString(36);
/** This process, as written into temporary file names and locks. */
export const OWNER = `${HOST}-${process.pid.toString(36)}-${SELF_START}`;

const OWNER_PATTERN = /\.([0-9a-f]{4})-([0-9a-z]+)-([0-9a-z]+)\.[0-9a-z]+\.stowage-tmp$/;

/**
 * True only when `owner` (an OWNER string) is a process of this host that no longer runs. Anything
 * uncertain (another host, no /proc to check) counts as alive: its files are never touched.
 */
export function ownerIsGone(host: string, pid36: string, start36: string): boolean {
  if (host !== HOST) return false;
  const pid = Number.parseInt(pid36, 36);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const start = startTime(pid);
  // The pid runs again, but as a process started at another time: the writer is gone.
  return start !== undefined && start36 !== '0' && Number(start).toString(36) !== start36;
}

/** Whether a temporary file's name says its writer is gone. */
export function isOrphanTemp(name: string): boolean {
  const match = OWNER_PATTERN.exec(name);
  return match !== null && ownerIsGone(match[1]!, match[2]!, match[3]!);
}

let tempCounter = 0;

/** A fresh temporary name beside `name`: hidden, owned by this process, never a valid key. */
export function tempName(name: string): string {
  return `.${name.slice(0, 80)}.${OWNER}.${(tempCounter++).toString(36)}${TEMP_SUFFIX}`;
}

const SWEEP_EVERY_MS = 10_000;

/**
 * Removes the temporary files of dead writers from `dir` (a real, contained folder), at most once
 * every ten seconds per folder and driver (`swept`), so a put pays for a folder listing rarely.
 * Undefined when no sweep is due.
 */
export function sweepOrphans(swept: Map<string, number>, dir: string): Promise<void> | undefined {
  const now = Date.now();
  const last = swept.get(dir);
  // Not due (nearly every put): nothing to wait for, not even a promise.
  if (last !== undefined && now - last < SWEEP_EVERY_MS) return undefined;
  if (swept.size > 10_000) swept.clear();
  swept.set(dir, now);
  return sweep(dir);
}

async function sweep(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(
    names
      .filter((name) => name.endsWith(TEMP_SUFFIX) && isOrphanTemp(name))
      .map((name) => unlink(`${dir}/${name}`).catch(() => {})),
  );
}
