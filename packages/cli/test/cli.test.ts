import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createStorage, disk } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../src/index.js';
import { differingKeys, makeTree, runCli, tempDir, writeEnvFile } from './helpers.js';

let tmp: { path: string; remove: () => Promise<void> };
let keys: string[];

beforeAll(async () => {
  tmp = await tempDir();
  keys = await makeTree(join(tmp.path, 'media'), { count: 60, seed: 3 });
});
afterAll(() => tmp.remove());

describe('stowage (dispatch, help, usage errors)', () => {
  it('prints help and the version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: stowage <command>/);
    expect(help.stdout).toMatch(/migrate --from/);
    for (const command of ['migrate', 'ls', 'doctor']) {
      const run = await runCli([command, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`Usage: stowage ${command}`));
      expect((await runCli(['help', command])).stdout).toBe(run.stdout);
    }
    const version = await runCli(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
    // Help on a command that does not exist is a usage error, not the general help and 0.
    const unknown = await runCli(['help', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no help for "nope": not a command/);
    expect(unknown.stdout).toBe('');
  });

  it('exits 2 on usage errors, with the reason', async () => {
    const cases: [string[], RegExp][] = [
      [[], /Usage: stowage/],
      [['copy'], /unknown command "copy"/],
      [['migrate', '--to', 'disk:x'], /Missing --from/],
      [['migrate', '--from', 'disk:x'], /Missing --to/],
      [['migrate', '--from', './media', '--to', 'disk:x'], /did you mean disk:\.\/media/],
      [
        ['migrate', '--from', 'disk:media', '--to', 'disk:x', '--concurrency', 'lots'],
        /--concurrency must be a whole number/,
      ],
      [
        ['migrate', '--from', 'disk:media', '--to', 'disk:x', '--speed'],
        /Unknown option '--speed'/,
      ],
      [['migrate', '--from', 'disk:nowhere', '--to', 'disk:x'], /there is no folder/],
      [['migrate', '--from', 'disk:media', '--to', 'disk:media'], /same folder/],
      // A file where the target folder should be: said as such (was UNKNOWN EEXIST ... mkdir).
      [
        ['migrate', '--from', 'disk:media', '--to', 'disk:a-file.txt'],
        /a-file\.txt is not a folder/,
      ],
      [
        ['migrate', '--from', 'env:missing.env', '--to', 'disk:x'],
        /Cannot read the env file missing\.env: no such file/,
      ],
      [
        ['migrate', '--from', 'disk:media', '--to', 'disk:x', '--prefix', '/abs'],
        /The prefix "\/abs" is not valid/,
      ],
      [['ls'], /Missing the storage/],
      [['ls', 'disk:media', '../up'], /The prefix "\.\.\/up" is not valid/],
      [['ls', 'disk:media', 'a', 'b'], /Unexpected argument: b/],
      [['doctor', 'a.env', 'b.env'], /Unexpected argument/],
    ];
    await writeFile(join(tmp.path, 'a-file.txt'), 'not a folder');
    for (const [args, pattern] of cases) {
      const run = await runCli(args, { cwd: tmp.path });
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toMatch(pattern);
    }
  });
});

describe('stowage migrate', () => {
  it('copies disk -> disk with plain progress lines and a summary, then skips everything', async () => {
    const first = await runCli(['migrate', '--from', 'disk:media', '--to', 'disk:copy'], {
      cwd: tmp.path,
    });
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/^Copying from disk media to disk copy/);
    expect(first.stderr.match(/^copied {2}/gm)).toHaveLength(keys.length);
    expect(first.stdout).toMatch(new RegExp(`copied: +${keys.length} objects`));
    expect(first.stdout).toMatch(/skipped: +0 objects/);
    expect(first.stdout).toMatch(/failed: +0 objects/);
    expect(first.stdout).toMatch(/time: +/);
    const target = createStorage(disk({ root: join(tmp.path, 'copy') }));
    expect(await differingKeys(join(tmp.path, 'media'), keys, target)).toEqual([]);

    const again = await runCli(['migrate', '--from', 'disk:media', '--to', 'disk:copy'], {
      cwd: tmp.path,
    });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/copied: +0 objects/);
    expect(again.stdout).toMatch(new RegExp(`skipped: +${keys.length} objects`));
  });

  it('--dry-run lists what it would copy and creates nothing', async () => {
    const run = await runCli(
      ['migrate', '--from', 'disk:media', '--to', 'disk:dry', '--dry-run', '--prefix', 'photos/'],
      { cwd: tmp.path },
    );
    expect(run.code).toBe(0);
    const photos = keys.filter((k) => k.startsWith('photos/'));
    expect(photos.length).toBeGreaterThan(0);
    expect(run.stdout.match(/^would copy {2}photos\//gm)).toHaveLength(photos.length);
    expect(run.stdout).toMatch(/Dry run: nothing was written\./);
    expect(existsSync(join(tmp.path, 'dry'))).toBe(false);
  });

  it('reads a storage from a dotenv file without touching process.env', async () => {
    const envFile = await writeEnvFile(join(tmp.path, '.env.target'), {
      STORAGE_DISK_ROOT: './from-env-file',
    });
    const before = { ...process.env };
    const run = await runCli(['migrate', '--from', 'disk:media', '--to', `env:${envFile}`], {
      cwd: tmp.path,
      env: { USE_S3: 'true' }, // ignored: the file alone describes the storage
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/to disk from .*\.env\.target \(no cloud storage is configured/);
    expect(process.env).toEqual(before);
    const target = createStorage(disk({ root: join(tmp.path, 'from-env-file') }));
    expect(await differingKeys(join(tmp.path, 'media'), keys, target)).toEqual([]);
  });

  it('--to env reads ./.env for the variables the environment does not set, as the app does', async () => {
    const folder = join(tmp.path, 'with-dotenv');
    await mkdir(folder, { recursive: true });
    await writeEnvFile(join(folder, '.env'), {
      STORAGE_DISK_ROOT: './from-dotenv',
      STORAGE_SIGNING_SECRET: 'overridden-by-the-process-env',
    });
    const run = await runCli(
      ['migrate', '--from', `disk:${join(tmp.path, 'media')}`, '--to', 'env'],
      { cwd: folder, env: { STORAGE_SIGNING_SECRET: 'x'.repeat(32) } },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/to disk from the environment and \.env/);
    const target = createStorage(disk({ root: join(folder, 'from-dotenv') }));
    expect(await differingKeys(join(tmp.path, 'media'), keys, target)).toEqual([]);
  });

  it('leaves out file names no key can hold, counts them, and exits 0', async () => {
    const source = join(tmp.path, 'bad-names');
    await mkdir(source, { recursive: true });
    await writeFile(join(source, 'good.txt'), 'good');
    await writeFile(join(source, 'back\\slash.txt'), 'a key may not hold a backslash');
    const run = await runCli(['migrate', '--from', 'disk:bad-names', '--to', 'disk:bad-out'], {
      cwd: tmp.path,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/copied: +1 object,/);
    expect(run.stdout).toMatch(/failed: +0 objects$/m);
    expect(run.stdout).toMatch(/skipped 1 key Stowage cannot address: "back\\\\slash\.txt"/);
    expect(run.stderr).not.toMatch(/INVALID_KEY/);
  });

  it('draws a progress bar on a terminal', async () => {
    const run = await runCli(['migrate', '--from', 'disk:media', '--to', 'disk:tty', '--force'], {
      cwd: tmp.path,
      tty: true,
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/\r\[[#-]{24}\] +\d+% {2}\d+\/\d+ objects/);
    expect(run.stderr).not.toMatch(/^copied {2}/m);
  });

  it('exits 1 with a pointer to doctor when the target is misconfigured', async () => {
    const envFile = await writeEnvFile(join(tmp.path, '.env.bad'), { USE_S3: 'maybe' });
    const run = await runCli(['migrate', '--from', 'disk:media', '--to', `env:${envFile}`], {
      cwd: tmp.path,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/USE_S3 must be true or false; got "maybe"/);
    expect(run.stderr).toMatch(/stowage doctor .*\.env\.bad/);
  });

  it('stops on the abort signal with exit code 130 and a resumable summary', async () => {
    const controller = new AbortController();
    controller.abort();
    const run = await runCli(['migrate', '--from', 'disk:media', '--to', 'disk:aborted'], {
      cwd: tmp.path,
      signal: controller.signal,
    });
    expect(run.code).toBe(130);
    expect(run.stdout).toMatch(/Interrupted.*Run the same command again to copy the rest\./);
  });
});

describe('stowage ls', () => {
  it('prints a table of sizes, content types and keys', async () => {
    const run = await runCli(['ls', 'disk:media', 'docs/'], { cwd: tmp.path });
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ +SIZE {2}CONTENT-TYPE +KEY$/);
    const docs = keys.filter((k) => k.startsWith('docs/'));
    expect(lines.slice(1).map((l) => l.split(/ {2,}/).at(-1))).toEqual(docs);
    expect(run.stderr).toMatch(new RegExp(`^${docs.length} objects?, `));
  });

  it('--json prints one JSON array', async () => {
    const run = await runCli(['ls', 'disk:media', '--json'], { cwd: tmp.path });
    expect(run.code).toBe(0);
    const items = JSON.parse(run.stdout) as { key: string; size: number; contentType: string }[];
    expect(items.map((i) => i.key)).toEqual(keys);
    expect(items[0]).toMatchObject({ size: expect.any(Number), contentType: expect.any(String) });
    const empty = await runCli(['ls', 'disk:media', 'no-such-prefix/', '--json'], {
      cwd: tmp.path,
    });
    expect(JSON.parse(empty.stdout)).toEqual([]);
  });
});
