/**
 * What a user does with the installed packages, shared by the packed-tarball test
 * (consumer.test.ts) and the local-registry test (publish.test.ts): a put/get through the disk
 * driver from ESM and from CommonJS, and a type-check from TypeScript under node16 and bundler
 * resolution. `project` is a folder where @stowage/* (and @types/node) are installed.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repo } from './scratch.js';

const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');

export function run(command: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): string {
  return execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: env ?? process.env,
  });
}

/** The same, without blocking: for steps that can run side by side (installs, tsc). */
export async function runAsync(
  command: string,
  args: string[],
  cwd: string,
  env?: NodeJS.ProcessEnv,
): Promise<string> {
  const { stdout } = await promisify(execFile)(command, args, {
    cwd,
    encoding: 'utf8',
    env: env ?? process.env,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

const ROUND_TRIP = (importLine: string) => `${importLine}
const root = process.argv[2];
const storage = createStorage(disk({ root }));
const info = await storage.put('greetings/hello.txt', 'hello from a consumer');
const text = await storage.getText('greetings/hello.txt');
let notFound = false;
try { await storage.head('missing.txt'); } catch (error) { notFound = isStorageError(error, 'NOT_FOUND'); }
console.log(JSON.stringify({ key: info.key, text, notFound }));
`;

export const ROUND_TRIP_RESULT = {
  key: 'greetings/hello.txt',
  text: 'hello from a consumer',
  notFound: true,
};

/** Runs the round trip as an ES module; returns what it printed, parsed. */
export function roundTripEsm(project: string): unknown {
  writeFileSync(
    join(project, 'esm.mjs'),
    ROUND_TRIP("import { createStorage, disk, isStorageError } from '@stowage/core';"),
  );
  const out = run('node', ['esm.mjs', mkdtempSync(join(tmpdir(), 'consumer-esm-'))], project);
  return JSON.parse(out);
}

/** Runs the round trip as CommonJS (require); returns what it printed, parsed. */
export function roundTripCjs(project: string): unknown {
  const body = ROUND_TRIP(
    "const { createStorage, disk, isStorageError } = require('@stowage/core');",
  );
  writeFileSync(join(project, 'cjs.cjs'), `(async () => {\n${body}\n})();`);
  const out = run('node', ['cjs.cjs', mkdtempSync(join(tmpdir(), 'consumer-cjs-'))], project);
  return JSON.parse(out);
}

/** Type-checks a program using every package; returns tsc's output ('' when it passes). */
export async function typeCheck(
  project: string,
  resolution: 'node16' | 'bundler',
): Promise<string> {
  const dir = join(project, `ts-${resolution}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'main.ts'),
    `import { createStorage, disk, isStorageError, type ObjectInfo, type Storage } from '@stowage/core';
import { createFileHandler, toNodeHandler } from '@stowage/core/http';
import { s3 } from '@stowage/s3';
import { cloudinary } from '@stowage/cloudinary';
import { createTicketService } from '@stowage/tickets';
const storage: Storage = createStorage(disk({ root: './media', publicBaseUrl: '/media' }));
export const info: Promise<ObjectInfo> = storage.put('a.txt', 'x', { onConflict: 'fail' });
export const handler = toNodeHandler(createFileHandler(storage, { basePath: '/media' }));
export const drivers = [s3, cloudinary];
export const tickets = createTicketService;
export const check = (e: unknown) => isStorageError(e, 'NOT_FOUND');
// @ts-expect-error: an unknown error code is a type error
isStorageError(null, 'NOT_A_CODE');
`,
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: resolution === 'node16' ? 'node16' : 'esnext',
        moduleResolution: resolution,
        target: 'es2022',
        types: ['node'],
        skipLibCheck: false,
        lib: ['es2023', 'dom'],
      },
      files: ['main.ts'],
    }),
  );
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  try {
    return await runAsync('node', [tsc, '-p', 'tsconfig.json'], dir);
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}
