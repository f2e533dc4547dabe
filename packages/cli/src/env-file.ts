import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Env } from '@stowage/core';
import { parse } from 'dotenv';
import { UsageError } from './io.js';

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
