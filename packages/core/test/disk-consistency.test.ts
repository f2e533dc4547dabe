import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createStorage, disk, type ObjectInfo, type PutOptions, type Storage } from '@stowage/core';
import { createFileHandler } from '@stowage/core/http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OWNER } from '../src/drivers/disk/owner.js';
import { startServer, type TestServer } from './http-test-server.js';

const SECRET = 'consistency-signing-secret-0123';
const PRIVATE: PutOptions = {
  visibility: 'private',
  contentType: 'application/pdf',
  metadata: { owner: 'ada', case: 'confidential' },
};

let sandbox: string;
let root: string;
let storage: Storage;
let server: TestServer | undefined;

beforeEach(() => {
  sandbox = mkdtempSync(join(tmpdir(), 'stowage-crash-'));
  root = join(sandbox, 'root');
  storage = createStorage(disk({ root, publicBaseUrl: '/media', signingSecret: SECRET }));
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(sandbox, { recursive: true, force: true });
});

/** Serves `storage` unsigned through createFileHandler on a real HTTP server. */
async function serve(s: Storage): Promise<string> {
  server = await startServer(createFileHandler(s, { basePath: '/media', signingSecret: SECRET }));
  return `${server.origin}/media`;
}

/**
 * What the lock folder holds besides this process's own owner file(s) (the file its locks are
 * hard links to, removed when it exits): locks still held, or files of dead processes.
 */
const leftInLockFolder = (root: string) =>
  readdirSync(join(root, '.stowage', 'locks')).filter((name) => !name.includes(`.${OWNER}.`));

const privateView = (info: ObjectInfo) => ({
  visibility: info.visibility,
  contentType: info.contentType,
  metadata: info.metadata,
});

describe('disk driver: a refused write changes nothing', () => {
  it("onConflict 'fail' on a private object keeps it private, with its type and metadata", async () => {
    await storage.put('case/report', 'the private report', PRIVATE);
    await expect(
      storage.put('case/report', 'an intruder', { onConflict: 'fail', visibility: 'private' }),
    ).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(
      storage.put('case/report', 'an intruder', { onConflict: 'fail', contentType: 'text/html' }),
    ).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(storage.put('case/report', 'plain', { onConflict: 'fail' })).rejects.toMatchObject(
      { code: 'ALREADY_EXISTS' },
    );
    for (const s of [storage, createStorage(disk({ root }))]) {
      expect(privateView(await s.head('case/report'))).toEqual({
        visibility: 'private',
        contentType: 'application/pdf',
        metadata: { owner: 'ada', case: 'confidential' },
      });
      expect(await s.getText('case/report')).toBe('the private report');
    }
    const media = await serve(storage);
    const response = await fetch(`${media}/case/report`);
    await response.arrayBuffer();
    expect(response.status).not.toBe(200);
    expect(response.headers.get('cache-control') ?? '').not.toMatch(/public/);
  });
});

describe('disk driver: overwrites never expose a private object', () => {
  it('hundreds of private overwrites with unsigned GETs in between: no 200, nothing public', {
    timeout: 180_000,
  }, async () => {
    await storage.put('race/secret.pdf', 'version -1', PRIVATE);
    const media = await serve(storage);
    let writing = true;
    const writer = (async () => {
      try {
        for (let i = 0; i < 300; i++) {
          await storage.put('race/secret.pdf', `version ${i} ${'x'.repeat(i % 50)}`, {
            ...PRIVATE,
            metadata: { n: String(i) },
          });
        }
      } finally {
        writing = false;
      }
    })();
    const statuses = new Map<number, number>();
    const publicAnswers: string[] = [];
    const reader = async () => {
      while (writing) {
        const response = await fetch(`${media}/race/secret.pdf`);
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const cache = response.headers.get('cache-control') ?? '';
        if (/public/.test(cache)) publicAnswers.push(cache);
      }
    };
    await Promise.all([writer, reader(), reader(), reader(), reader()]);
    expect(statuses.get(200) ?? 0).toBe(0);
    expect(publicAnswers).toEqual([]);
    expect([...statuses.keys()].length).toBeGreaterThan(0);
    expect((await storage.head('race/secret.pdf')).metadata).toEqual({ n: '299' });
  });

  it('two drivers on one root (as two processes) overwriting one private key: nothing public', {
    timeout: 180_000,
  }, async () => {
    // Separate driver instances share no in-process queue: only the lock files order them.
    const other = createStorage(disk({ root }));
    await storage.put('shared/secret.pdf', 'first', PRIVATE);
    const media = await serve(storage);
    let writing = 2;
    const write = async (s: Storage, name: string) => {
      try {
        for (let i = 0; i < 60; i++)
          await s.put('shared/secret.pdf', `${name} ${i} ${'y'.repeat(i % 7)}`, PRIVATE);
      } finally {
        writing--;
      }
    };
    const answers: string[] = [];
    const read = async () => {
      while (writing > 0) {
        const response = await fetch(`${media}/shared/secret.pdf`);
        await response.arrayBuffer();
        answers.push(`${response.status} ${response.headers.get('cache-control') ?? ''}`);
      }
    };
    await Promise.all([write(storage, 'a'), write(other, 'b'), read(), read()]);
    expect(answers.filter((a) => a.startsWith('200') || /public/.test(a))).toEqual([]);
    expect((await other.head('shared/secret.pdf')).visibility).toBe('private');
    expect(leftInLockFolder(root)).toEqual([]);
  });

  it('a plain overwrite of a private object makes the new version public, the old one never', async () => {
    await storage.put('a.txt', 'private text', PRIVATE);
    await storage.put('a.txt', 'public text');
    const info = await createStorage(disk({ root })).head('a.txt');
    expect(privateView(info)).toEqual({
      visibility: undefined,
      contentType: 'text/plain; charset=utf-8',
      metadata: {},
    });
    await storage.put('a.txt', 'private again', PRIVATE);
    expect((await storage.head('a.txt')).visibility).toBe('private');
  });
});

/** Three objects whose parts the disk keeps in three different ways. */
async function fill(s: Storage) {
  await s.put('docs/private.pdf', 'private bytes', PRIVATE);
  await s.put('docs/typed', 'typed bytes', { contentType: 'image/png', metadata: { w: '10' } });
  await s.put('docs/plain.txt', 'plain bytes');
}

async function expectKept(copyRoot: string) {
  const copy = createStorage(disk({ root: copyRoot, publicBaseUrl: '/media' }));
  expect(privateView(await copy.head('docs/private.pdf'))).toEqual({
    visibility: 'private',
    contentType: 'application/pdf',
    metadata: { owner: 'ada', case: 'confidential' },
  });
  expect(privateView(await copy.head('docs/typed'))).toEqual({
    visibility: undefined,
    contentType: 'image/png',
    metadata: { w: '10' },
  });
  expect(privateView(await copy.head('docs/plain.txt'))).toEqual({
    visibility: undefined,
    contentType: 'text/plain; charset=utf-8',
    metadata: {},
  });
  expect(await copy.getText('docs/private.pdf')).toBe('private bytes');
  // And through the file handler, unsigned: the private object is refused.
  const media = await serve(copy);
  const response = await fetch(`${media}/docs/private.pdf`);
  await response.arrayBuffer();
  expect(response.status).not.toBe(200);
}

const hasRsync = (() => {
  try {
    execFileSync('rsync', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('disk driver: a root copied with standard tools keeps every part of every object', () => {
  it('cp -a', async () => {
    await fill(storage);
    execFileSync('cp', ['-a', root, join(sandbox, 'copy')]);
    await expectKept(join(sandbox, 'copy'));
  });

  it.runIf(hasRsync)('rsync -a', async () => {
    await fill(storage);
    execFileSync('rsync', ['-a', `${root}/`, `${join(sandbox, 'copy')}/`]);
    await expectKept(join(sandbox, 'copy'));
  });

  it('tar (default format: whole-second mtimes)', async () => {
    await fill(storage);
    const archive = join(sandbox, 'media.tar');
    execFileSync('tar', ['-cf', archive, '-C', root, '.']);
    mkdirSync(join(sandbox, 'copy'));
    execFileSync('tar', ['-xf', archive, '-C', join(sandbox, 'copy')]);
    await expectKept(join(sandbox, 'copy'));
  });

  it('touch of a file keeps its visibility, type and metadata', async () => {
    await fill(storage);
    const later = new Date(Date.now() + 5000);
    for (const key of ['docs/private.pdf', 'docs/typed', 'docs/plain.txt'])
      utimesSync(join(root, key), later, later);
    await expectKept(root);
  });

  it('a file changed by hand under a private sidecar stays private (ambiguous fails closed)', async () => {
    await storage.put('docs/private.pdf', 'private bytes', PRIVATE);
    writeFileSync(join(root, 'docs/private.pdf'), 'edited by hand');
    const info = await createStorage(disk({ root })).head('docs/private.pdf');
    expect(info.visibility).toBe('private');
    expect(info.metadata).toEqual({});
  });
});

const tsx = fileURLToPath(new URL('../../../node_modules/tsx/dist/cli.mjs', import.meta.url));
const crashPut = fileURLToPath(new URL('./fixtures/crash-put.ts', import.meta.url));

/** Puts in a child process that is killed right after its `step`-th rename or link. */
async function putThenCrash(key: string, step: number, options: PutOptions, body: string) {
  const result = await promisify(execFile)(
    process.execPath,
    [tsx, crashPut, root, key, String(step), JSON.stringify(options), body],
    { encoding: 'utf8' },
  ).then(
    (r) => ({ killed: false, out: r.stdout }),
    (e: { signal?: string; code?: number; stdout?: string }) => {
      // tsx runs the script in a child and exits with 128 + 9 when that child is killed.
      if (e.signal !== 'SIGKILL' && e.code !== 137) throw e;
      return { killed: true, out: e.stdout ?? '' };
    },
  );
  return result;
}

describe('disk driver: a crash at any step of a write leaves a consistent object', () => {
  const cases: { name: string; before?: PutOptions; after: PutOptions }[] = [
    { name: 'private over private', before: PRIVATE, after: { ...PRIVATE, metadata: { v: '2' } } },
    { name: 'private over plain', before: {}, after: PRIVATE },
    { name: 'plain over private', before: PRIVATE, after: {} },
    { name: 'private, new key', after: PRIVATE },
  ];
  for (const { name, before, after } of cases) {
    it(name, { timeout: 60_000 }, async () => {
      for (let step = 1; ; step++) {
        rmSync(root, { recursive: true, force: true });
        const s = createStorage(disk({ root }));
        if (before) await s.put('k/doc.pdf', 'old version', before);
        const { killed } = await putThenCrash('k/doc.pdf', step, after, 'new version');
        const fresh = createStorage(disk({ root }));
        const text = await fresh.getText('k/doc.pdf').catch(() => undefined);
        if (text === undefined) {
          expect(before).toBeUndefined();
          expect(killed).toBe(true);
        } else {
          const info = await fresh.head('k/doc.pdf');
          const expected = text === 'new version' ? after : before!;
          expect(text === 'new version' || text === 'old version').toBe(true);
          // The object is entirely the old or entirely the new version; never public if either
          // version was private and the file cannot be told apart.
          expect(info.visibility).toBe(expected.visibility);
          expect(info.contentType).toBe(expected.contentType ?? 'application/pdf');
          expect(info.metadata).toEqual(expected.metadata ?? {});
        }
        // Whatever a crash left behind, the next write through Stowage finds a clean key.
        await fresh.put('k/doc.pdf', 'after', PRIVATE);
        expect(privateView(await fresh.head('k/doc.pdf'))).toEqual({
          visibility: 'private',
          contentType: 'application/pdf',
          metadata: PRIVATE.metadata,
        });
        // The killed writer's lock was taken over, and its owner file swept.
        expect(leftInLockFolder(root)).toEqual([]);
        if (!killed) break;
        expect(step).toBeLessThan(10);
      }
      expect(readdirSync(root)).toContain('k');
    });
  }
});
