import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGES, tempDir } from './helpers.js';

const BIN = join(PACKAGES, 'cli', 'dist', 'bin.js');
const built = existsSync(BIN) && existsSync(join(PACKAGES, 'core', 'dist', 'index.js'));
if (!built) {
  console.warn(
    '[cli] packages/cli/dist/bin.js or packages/core/dist is missing: the end-to-end tests of the built binary are skipped. Run `pnpm --filter @stowage/core build && pnpm --filter @stowage/cli build` first.',
  );
}

const run = promisify(execFile);

/** Runs the built binary to its end; resolves with its exit code and output. */
async function stowage(args: string[], cwd: string) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd, env: {} });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe.skipIf(!built)('the built stowage binary', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  const FILES = 400;

  beforeAll(async () => {
    tmp = await tempDir();
    const chunk = Buffer.alloc(128 * 1024);
    for (let i = 0; i < FILES; i++) {
      const dir = join(tmp.path, 'media', `d${i % 10}`);
      await mkdir(dir, { recursive: true });
      chunk.writeUInt32BE(i, 0);
      await writeFile(join(dir, `file-${i}.bin`), chunk);
    }
  });
  afterAll(() => tmp.remove());

  it('prints help and its version, and exits 2 on a usage error', async () => {
    const help = await stowage(['--help'], tmp.path);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: stowage <command>/);
    const version = await stowage(['--version'], tmp.path);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
    const usage = await stowage(['migrate', '--from', 'disk:media'], tmp.path);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/Missing --to/);
  });

  it('ends quietly when its reader goes away (stowage ls | head -1)', async () => {
    // The shell's `| head -1`: a pipe closed after the first line.
    const child = spawn(process.execPath, [BIN, 'ls', 'disk:media'], { cwd: tmp.path, env: {} });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => {
      stderr += data.toString();
    });
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|Error|at /);
    expect(code).toBe(0);
  });

  it('refuses a target folder inside the source, and a source inside the target', async () => {
    for (const [from, to] of [
      ['disk:media', 'disk:media/copy'],
      ['disk:media/d1', 'disk:media'],
    ]) {
      const refused = await stowage(['migrate', '--from', from!, '--to', to!], tmp.path);
      expect(refused.code, `${from} -> ${to}`).toBe(2);
      expect(refused.stderr).toMatch(/inside/);
    }
    expect(existsSync(join(tmp.path, 'media', 'copy'))).toBe(false);
  });

  it('stops on SIGINT halfway with exit 130; the rerun copies only the rest', async () => {
    const args = ['migrate', '--from', 'disk:media', '--to', 'disk:out', '--concurrency', '1'];
    const child = spawn(process.execPath, [BIN, ...args], { cwd: tmp.path, env: {} });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (data: Buffer) => {
      stdout += data.toString();
    });
    child.stderr.on('data', (data: Buffer) => {
      stderr += data.toString();
      if (!signalled && (stderr.match(/^copied {2}/gm)?.length ?? 0) >= 20) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(stdout).toMatch(/Interrupted.*Run the same command again to copy the rest\./);
    const present = (await readdir(join(tmp.path, 'out'), { recursive: true })).filter((p) =>
      p.endsWith('.bin'),
    ).length;
    expect(present).toBeGreaterThanOrEqual(20);
    expect(present).toBeLessThan(FILES);

    const rerun = await stowage(args, tmp.path);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toMatch(new RegExp(`copied: +${FILES - present} objects`));
    expect(rerun.stdout).toMatch(new RegExp(`skipped: +${present} objects`));
  }, 60_000);

  // bin.ts: a migration replaces itself once (same process) with 4 MiB semi-spaces for V8's young
  // generation, which is what keeps its peak RSS under 128 MiB; a caller's own setting wins.
  describe.skipIf(process.platform !== 'linux')('the young generation of a migration', () => {
    /** The command line of a running migration, read once it has copied something. */
    async function commandLineOf(env: NodeJS.ProcessEnv, out: string, nodeArgs: string[] = []) {
      const args = ['migrate', '--from', 'disk:media', '--to', `disk:${out}`, '--concurrency', '1'];
      const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], { cwd: tmp.path, env });
      let stderr = '';
      const copying = new Promise<void>((resolve) => {
        child.stderr.on('data', (data: Buffer) => {
          stderr += data.toString();
          if (/^copied {2}/m.test(stderr)) resolve();
        });
      });
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
      await Promise.race([copying, closed]);
      const line = await readFile(`/proc/${child.pid}/cmdline`, 'utf8').catch(() => '');
      child.kill('SIGINT');
      await closed;
      return { args: line.split('\0').filter(Boolean), stderr };
    }

    it('is capped by re-executing the same process, without a warning', async () => {
      const { args, stderr } = await commandLineOf({}, 'young-default');
      expect(args.slice(1, 5)).toEqual(['--max-semi-space-size=4', '--expose-gc', BIN, 'migrate']);
      expect(stderr).not.toMatch(/Warning/);
    }, 30_000);

    it('is left to the caller who sets it in NODE_OPTIONS', async () => {
      const { args } = await commandLineOf(
        { NODE_OPTIONS: '--max-semi-space-size=16' },
        'young-caller',
      );
      expect(args.slice(1, 3)).toEqual([BIN, 'migrate']);
    }, 30_000);

    it('is left alone under a debugger, which then sees one start', async () => {
      const { args, stderr } = await commandLineOf({}, 'young-inspect', ['--inspect=127.0.0.1:0']);
      expect(args.slice(1, 4)).toEqual(['--inspect=127.0.0.1:0', BIN, 'migrate']);
      expect(stderr.match(/Debugger listening/g)).toHaveLength(1);
    }, 30_000);
  });
});
