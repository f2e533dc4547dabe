// The `stowage` binary. It loads nothing but itself before deciding whether a migration runs with
// a smaller young generation (below); the commands are in run.ts.
import { accessSync, constants } from 'node:fs';

/**
 * V8 lets the young generation grow to two 16 MiB semi-spaces: a migration with 16 copies in
 * flight keeps enough objects alive across collections to reach it, and its peak RSS with it
 * (5,000 objects S3 -> disk: 137-150 MiB, of which 32 MiB new space; with 4 MiB semi-spaces
 * 116-124 MiB at the same CPU, see bench/migrate). The flag can only be given when Node starts,
 * and a `#!/usr/bin/env -S node --flag` line breaks on busybox (Alpine) and in npm's Windows
 * shims, so `stowage migrate` replaces itself once (execve: the same process, not a child) with
 * the flag added. A flag of the caller's, in the command line or NODE_OPTIONS, is kept instead.
 */
const SEMI_SPACE = '--max-semi-space-size';

// Node 22.15+ and 23.11+; @types/node 20 does not know it.
type Execve = (file: string, args: string[], env?: NodeJS.ProcessEnv) => never;
const { execve } = process as { execve?: Execve };

function withSmallYoungGeneration(): void {
  if (process.argv[2] !== 'migrate' || execve === undefined) return;
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''];
  if (given.some((arg) => arg.includes(SEMI_SPACE))) return;
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
