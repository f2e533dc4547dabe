import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Env } from '@stowage/core';
import { parse } from 'dotenv';
import { UsageError } from './io.js';

// The dotenv package rather than node:util parseEnv (Node >= 20.12): both read quotes, comments,
// `export`, multiline values and CRLF alike (test/env-file.test.ts), but on Node 22 and 24
// parseEnv cuts `"ab\"cd"` at the backslash and keeps a byte order mark in the first name, and
// the apps this reads `.env` for (examples/express) load it with dotenv: `stowage` must read a
// file exactly as the app does.

/**
 * Reads a dotenv file into a plain object. `process.env` is not touched: the file describes one
 * storage on its own (so `--from env:.env.old --to env:.env.new` cannot mix the two).
 */
export async function readEnvFile(path: string, cwd: string): Promise<Env> {
  const full = resolve(cwd, path);
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code;
    throw new UsageError(`Cannot read the env file ${path}: ${why ?? String(error)}.`);
  }
  return parse(text);
}
