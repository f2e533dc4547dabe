import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createStorage, disk } from '@stowage/core';
import { createFileHandler, toNodeHandler } from '@stowage/core/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, writeEnvFile } from './helpers.js';

let tmp: { path: string; remove: () => Promise<void> };
const servers: Server[] = [];

beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  for (const server of servers) server.close();
  await tmp.remove();
});

/** Starts an HTTP server on 127.0.0.1 and returns its base URL. */
async function serve(listener: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The check lines of a doctor report: `status label`. */
function checks(stdout: string): string[] {
  const section = stdout.split('\nChecks\n')[1] ?? '';
  return section
    .split('\n')
    .filter((line) => /^ {2}(ok|FAIL|warn|skip) /.test(line))
    .map((line) => `${line.slice(2, 7).trim()} ${line.slice(8, 22).trim()}`);
}

describe('stowage doctor (disk and configuration)', () => {
  it('checks the default disk storage live and passes', async () => {
    const run = await runCli(['doctor'], { cwd: tmp.path, env: {} });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/driver: +disk \(no cloud storage is configured/);
    expect(checks(run.stdout)).toEqual([
      'ok configuration',
      'ok list',
      'ok write',
      'ok read back',
      'skip public URL',
      'skip signed URL',
      'ok delete',
    ]);
    expect(run.stdout).toMatch(/All checks passed\./);
  });

  it('fetches the public and signed URLs of a disk served by createFileHandler', async () => {
    const root = join(tmp.path, 'served');
    const signingSecret = 'a-signing-secret-of-some-length';
    const handler = toNodeHandler(
      createFileHandler(createStorage(disk({ root })), { basePath: '/media', signingSecret }),
    );
    const base = await serve((req, res) => handler(req, res));
    const env = {
      STORAGE_DISK_ROOT: root,
      STORAGE_PUBLIC_BASE_URL: `${base}/media`,
      STORAGE_SIGNING_SECRET: signingSecret,
    };
    const run = await runCli(['doctor'], { cwd: tmp.path, env });
    expect(run.stdout).toMatch(
      /ok {4}public URL +fetched http:\/\/127\.0\.0\.1:\d+\/media\/\.stowage-doctor\/[0-9a-f]+\.txt \(HTTP 200, same content\)/,
    );
    expect(run.stdout).toMatch(/ok {4}signed URL +fetched /);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/STORAGE_SIGNING_SECRET +\*\*\*\* \(31 characters\)/);
    expect(run.stdout).not.toContain(signingSecret);
  });

  it('fails a public URL that answers 404, naming STORAGE_PUBLIC_BASE_URL', async () => {
    const base = await serve((_req, res) => {
      res.statusCode = 404;
      res.end('not here');
    });
    const env = { STORAGE_DISK_ROOT: join(tmp.path, 'unserved'), STORAGE_PUBLIC_BASE_URL: base };
    const run = await runCli(['doctor'], { cwd: tmp.path, env });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /FAIL {2}public URL +http:\/\/127\.0\.0\.1:\d+\/\.stowage-doctor\/\S+ answered HTTP 404/,
    );
    expect(run.stdout).toMatch(/fix: .*STORAGE_PUBLIC_BASE_URL/);
    expect(run.stdout).toMatch(/ok {4}delete/);
    expect(run.stdout).toMatch(/1 check failed\./);
  });

  it('names a malformed USE_S3', async () => {
    const run = await runCli(['doctor'], { cwd: tmp.path, env: { USE_S3: 'yes please' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /FAIL {2}driver .*\n.*fix: USE_S3 must be true or false; got "yes please"\./,
    );
  });

  it('names an unknown STORAGE_DRIVER and a short signing secret', async () => {
    const unknown = await runCli(['doctor'], { cwd: tmp.path, env: { STORAGE_DRIVER: 'ftp' } });
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toMatch(
      /fix: STORAGE_DRIVER must be one of memory, disk, s3, r2, cloudinary; got "ftp"/,
    );
    const short = await runCli(['doctor'], {
      cwd: tmp.path,
      env: { STORAGE_SIGNING_SECRET: 'short' },
    });
    expect(short.code).toBe(1);
    expect(short.stdout).toMatch(
      /FAIL {2}configuration .*\n.*fix: STORAGE_SIGNING_SECRET must be at least 16 characters/,
    );
    expect(short.stdout).toMatch(/STORAGE_SIGNING_SECRET +\*\*\*\* \(5 characters\)/);
  });

  it('reads a dotenv file, ignoring the process environment, and warns about an ephemeral disk', async () => {
    const file = await writeEnvFile(join(tmp.path, '.env.production'), {
      NODE_ENV: 'production',
      STORAGE_DISK_ROOT: './prod-media',
    });
    const run = await runCli(['doctor', '.env.production'], {
      cwd: tmp.path,
      env: { USE_S3: 'true' },
    });
    expect(file).toMatch(/\.env\.production$/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /environment: \.env\.production \(2 variables, the process environment is ignored\)/,
    );
    expect(run.stdout).toMatch(/warn {2}configuration .*lost at the next redeploy/);
    expect(run.stdout).toMatch(/All checks passed \(1 warning\)\./);
  });

  it('without a file, checks what `env` selects: the process environment filled in by ./.env', async () => {
    const dir = join(tmp.path, 'with-dotenv');
    await mkdir(dir, { recursive: true });
    await writeEnvFile(join(dir, '.env'), {
      STORAGE_DISK_ROOT: './from-dotenv',
      STORAGE_PUBLIC_BASE_URL: '/files',
    });
    // The process environment wins where both set a variable, as dotenv and `migrate --to env`.
    const run = await runCli(['doctor'], {
      cwd: dir,
      env: { STORAGE_PUBLIC_BASE_URL: '/media' },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/environment: this process and \.env/);
    expect(run.stdout).toMatch(/STORAGE_DISK_ROOT +\.\/from-dotenv/);
    expect(run.stdout).toMatch(/STORAGE_PUBLIC_BASE_URL +\/media\n/);
    expect(existsSync(join(dir, 'from-dotenv'))).toBe(true);
    expect(existsSync(join(dir, 'media'))).toBe(false);
  });

  it('exits 2 for a missing env file', async () => {
    const run = await runCli(['doctor', 'nope.env'], { cwd: tmp.path });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Cannot read the env file nope\.env: no such file/);
  });
});
