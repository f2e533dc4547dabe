// The `stowage` binary. It loads nothing but itself before deciding whether a migration runs with
// a smaller young generation (below); the commands are in run.ts.
import { accessSync, constants } from 'node:fs';

/**
 * V8 lets the young generation grow to two 16 MiB semi-spaces: a migration with 16 copies in
 * flight keeps enough objects alive across collections to reach it, and its peak RSS with it. The
 * flag can only be given when Node starts, and a `#!/usr/bin/env -S node --flag` line breaks on
 * busybox (Alpine) and in npm's Windows shims, so `stowage migrate` replaces itself once (execve:
 * the same process, not a child) with 4 MiB semi-spaces. Peak RSS measured on one machine, Node 24,
 * semi-spaces of 8 / 4 MiB, interleaved runs (bench/migrate's rows): 5,000 x 16 KiB disk -> S3
 * 111-122 / 122-124; S3 -> disk 136-144 / 119-124; 200 x 1 MiB 116 / 111; 20 x 64 MiB 135 / 128.
 * Same speed (S3 -> disk 4.3 / 4.1 s of user CPU). A flag of the caller's, in the command line or
 * NODE_OPTIONS, is kept; under a debugger (`--inspect*`) nothing is re-executed, so it attaches
 * once. `--expose-gc` is given too, for heap-trim.ts (the old generation).
 */
const SEMI_SPACE = '--max-semi-space-size';

// Node 22.15+ and 23.11+; @types/node 20 does not know it.
type Execve = (file: string, args: string[], env?: NodeJS.ProcessEnv) => never;
const { execve } = process as { execve?: Execve };

function withSmallYoungGeneration(): void {
  if (process.argv[2] !== 'migrate' || execve === undefined) return;
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''];
  if (given.some((arg) => arg.includes(SEMI_SPACE) || arg.includes('--inspect'))) return;
  // Node 22 and 24 abort the process when execve(2) fails: try only what will run.
  try {
    accessSync(process.execPath, constants.X_OK);
  } catch {
    return;
  }
  // execve is experimental; its warning would be the first line of every migration.
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {};
  try {
    execve.call(process, process.execPath, [
      process.execPath,
      `${SEMI_SPACE}=4`,
      // For heap-trim.ts: a full collection when the heap has grown past the last one's.
      '--expose-gc',
      ...process.execArgv,
      ...process.argv.slice(1),
    ]);
  } finally {
    process.emitWarning = emitWarning;
  }
}

if (process.platform !== 'win32') withSmallYoungGeneration();
// A specifier the bundler leaves alone: run.js is built on its own, next to this file.
await import(new URL('./run.js', import.meta.url).href);
