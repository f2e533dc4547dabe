import { execFileSync, spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage, disk, isStorageError, type Storage } from '@stowage/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyLocks, lockName } from '../src/drivers/disk/key-lock.js';
import { mapDiskError } from '../src/drivers/disk/map-error.js';
import { OWNER } from '../src/drivers/disk/owner.js';
import { SafeRoot } from '../src/drivers/disk/safe-path.js';

let sandbox: string;
let root: string;
let outside: string;
let storage: Storage;

beforeEach(() => {
  sandbox = mkdtempSync(join(tmpdir(), 'stowage-safety-'));
  root = join(sandbox, 'root');
  outside = join(sandbox, 'outside');
  mkdirSync(outside);
  storage = createStorage(disk({ root }));
});

afterEach(() => {
  rmSync(sandbox, { recursive: true, force: true });
});

const linux = process.platform === 'linux';

/** What `fn` threw (or undefined). */
const failure = (fn: () => Promise<unknown>) =>
  fn().then(
    () => undefined,
    (e: unknown) => e,
  );

describe('disk driver: the metadata folder is contained like keys', () => {
  /** Plants `<root>/<at>` as a link to a folder outside that looks like a metadata folder. */
  function plant(at: '.stowage' | '.stowage/meta') {
    const meta = at === '.stowage' ? join(outside, 'meta') : outside;
    mkdirSync(join(meta, 'victimdir'), { recursive: true });
    // Sidecar names with and without a `.json` suffix: whatever the driver would remove.
    for (const name of ['victim', 'victim.json', 'victimdir/inner', 'victimdir/inner.json'])
      writeFileSync(join(meta, name), 'outside file');
    // The attacker swaps the folder for a link (its own sidecars go with it).
    rmSync(join(root, at), { recursive: true, force: true });
    if (at === '.stowage/meta') mkdirSync(join(root, '.stowage'), { recursive: true });
    symlinkSync(outside, join(root, at));
    return meta;
  }

  for (const at of ['.stowage', '.stowage/meta'] as const) {
    it(`a link planted at ${at} never lets delete, deleteMany or deletePrefix touch outside`, async () => {
      await storage.put('victim', 'in the root', { metadata: { a: '1' } });
      await storage.put('victimdir/inner', 'in the root', { metadata: { a: '1' } });
      const meta = plant(at);
      await failure(() => storage.delete('victim'));
      await failure(() => storage.deleteMany(['victim', 'victimdir/inner']));
      await failure(() => storage.deletePrefix('victimdir/'));
      await failure(() => storage.deletePrefix('victim'));
      await failure(() => storage.put('victim', 'new', { metadata: { a: '1' } }));
      expect(readdirSync(meta).sort()).toEqual(['victim', 'victim.json', 'victimdir']);
      expect(readdirSync(join(meta, 'victimdir')).sort()).toEqual(['inner', 'inner.json']);
    });
  }

  it('a lock folder swapped for a link after writes takes no lock outside the root', async () => {
    // Two writes: the second finds the lock folder made by the first, and remembers it.
    await storage.put('locked.txt', 'v0', { visibility: 'private' });
    await storage.put('locked.txt', 'v1', { visibility: 'private' });
    mkdirSync(outside, { recursive: true });
    rmSync(join(root, '.stowage', 'locks'), { recursive: true, force: true });
    symlinkSync(outside, join(root, '.stowage', 'locks'));
    const error = await failure(() => storage.put('locked.txt', 'v2', { visibility: 'private' }));
    expect(isStorageError(error, 'PERMISSION_DENIED')).toBe(true);
    expect(readdirSync(outside)).toEqual([]);
    expect(await storage.getText('locked.txt')).toBe('v1');
  });

  it('a sidecar linked to /dev/zero is not read: the object fails closed as private', async () => {
    await storage.put('zero.txt', 'text', { metadata: { a: '1' } });
    rmSync(join(root, '.stowage/meta/zero.txt'), { force: true });
    symlinkSync('/dev/zero', join(root, '.stowage/meta/zero.txt'));
    const info = await storage.head('zero.txt');
    expect(info.visibility).toBe('private');
    expect(info.metadata).toEqual({});
  });

  it.runIf(linux)('a sidecar that is a huge regular file is not read whole', async () => {
    await storage.put('big-meta.txt', 'text', { metadata: { a: '1' } });
    const path = join(root, '.stowage/meta/big-meta.txt');
    rmSync(path, { force: true });
    writeFileSync(path, `{"v":2,"entries":[],"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`);
    expect((await storage.head('big-meta.txt')).visibility).toBe('private');
  });

  it('a put into a folder linked outside creates nothing there, not even for a moment', async () => {
    mkdirSync(root, { recursive: true });
    symlinkSync(outside, join(root, 'escape'));
    const before = statSync(outside).mtimeMs;
    const error = await failure(() => storage.put('escape/new.txt', 'x'));
    expect(isStorageError(error, 'PERMISSION_DENIED')).toBe(true);
    // Creating and removing a file would have changed the folder's mtime.
    expect(statSync(outside).mtimeMs).toBe(before);
    expect(readdirSync(outside)).toEqual([]);
  });
});

describe('disk driver: file system limits have the right error', () => {
  it('a full disk is INSUFFICIENT_STORAGE (507), not TOO_LARGE (413)', () => {
    for (const code of ['ENOSPC', 'EDQUOT']) {
      const error = mapDiskError(Object.assign(new Error(code), { code }), 'k');
      expect(error.code).toBe('INSUFFICIENT_STORAGE');
    }
  });

  it('a 300-byte path segment is INVALID_KEY', async () => {
    const error = await failure(() => storage.put(`dir/${'a'.repeat(300)}.txt`, 'x'));
    expect(isStorageError(error, 'INVALID_KEY')).toBe(true);
  });

  it('a 253-byte segment with metadata works (the sidecar name fits in 255 bytes)', async () => {
    const key = `dir/${'b'.repeat(249)}.pdf`;
    await storage.put(key, 'x', { visibility: 'private', metadata: { a: '1' } });
    expect(await createStorage(disk({ root })).head(key)).toMatchObject({
      visibility: 'private',
      metadata: { a: '1' },
    });
  });

  it('a key that is a folder refuses a file put and its objects keep their metadata', async () => {
    await storage.put('q/x', 'x', { visibility: 'private', metadata: { who: 'x' } });
    const error = await failure(() => storage.put('q', 'q', { metadata: { who: 'q' } }));
    expect(isStorageError(error, 'ALREADY_EXISTS')).toBe(true);
    expect(await createStorage(disk({ root })).head('q/x')).toMatchObject({
      visibility: 'private',
      metadata: { who: 'x' },
    });
  });

  it('keys q and q.json/x do not collide in the metadata folder', async () => {
    await storage.put('q', 'q', { visibility: 'private', metadata: { who: 'q' } });
    await storage.put('q.json/x', 'x', { metadata: { who: 'x' } });
    const fresh = createStorage(disk({ root }));
    expect(await fresh.head('q')).toMatchObject({ visibility: 'private', metadata: { who: 'q' } });
    expect((await fresh.head('q.json/x')).metadata).toEqual({ who: 'x' });
  });
});

describe.runIf(linux)('disk driver: non-regular files at a key', () => {
  it('get() and head() of a FIFO fail with a typed error at once, and puts keep working', async () => {
    mkdirSync(join(root, 'pipes'), { recursive: true });
    for (let i = 0; i < 5; i++) execFileSync('mkfifo', [join(root, 'pipes', `p${i}`)]);
    const errors = await Promise.all(
      Array.from({ length: 5 }, (_, i) => failure(() => storage.get(`pipes/p${i}`))),
    );
    for (const error of errors) expect(isStorageError(error, 'NOT_FOUND')).toBe(true);
    expect(isStorageError(await failure(() => storage.head('pipes/p0')), 'NOT_FOUND')).toBe(true);
    // libuv's pool (4 threads) is not held by blocked opens: unrelated work goes on.
    await storage.put('after.txt', 'still works');
    expect(await storage.getText('after.txt')).toBe('still works');
  });

  it('a socket at a key is refused the same way', async () => {
    mkdirSync(root, { recursive: true });
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(root, 'sock'), resolve));
    try {
      expect(isStorageError(await failure(() => storage.get('sock')), 'NOT_FOUND')).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe.runIf(linux)('disk driver: what crashed and failed writes leave', () => {
  /** The process `pid` of this host as temporary names and locks name their owner. */
  const ownerFor = (pid: number) => {
    const [host, , start] = OWNER.split('-');
    return `${host}-${pid.toString(36)}-${start}`;
  };

  /** A temporary name as the driver gives it, owned by the process `pid` of this host. */
  const ownerNameFor = (pid: number, name: string) => `.${name}.${ownerFor(pid)}.0.stowage-tmp`;

  /** The pid of a process that ran and is gone. */
  async function deadPid(): Promise<number> {
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.on('exit', resolve));
    return child.pid!;
  }

  /** A temporary file as a writer that was killed mid-put leaves it. */
  async function deadWritersTemp(dir: string): Promise<string> {
    const pid = await deadPid();
    mkdirSync(dir, { recursive: true });
    const name = ownerNameFor(pid, 'photo.jpg');
    writeFileSync(join(dir, name), 'half a photo');
    return name;
  }

  it('a dead writer’s temporary file goes at the next put in its folder', async () => {
    await storage.put('photos/a.jpg', 'a');
    const fresh = createStorage(disk({ root }));
    const name = await deadWritersTemp(join(root, 'photos'));
    await fresh.put('photos/b.jpg', 'b');
    expect(readdirSync(join(root, 'photos')).sort()).toEqual(['a.jpg', 'b.jpg']);
    expect(name).toMatch(/stowage-tmp$/);
  });

  it('a dead writer’s temporary file goes at the next list of its folder', async () => {
    await storage.put('photos/a.jpg', 'a');
    await deadWritersTemp(join(root, 'photos'));
    expect((await storage.list({ prefix: 'photos/' })).objects.map((o) => o.key)).toEqual([
      'photos/a.jpg',
    ]);
    expect(readdirSync(join(root, 'photos'))).toEqual(['a.jpg']);
  });

  it('a live writer’s temporary file is never touched', async () => {
    mkdirSync(join(root, 'photos'), { recursive: true });
    const live = ownerNameFor(process.pid, 'live.jpg');
    writeFileSync(join(root, 'photos', live), 'being written');
    await storage.put('photos/b.jpg', 'b');
    await storage.list({ prefix: 'photos/' });
    expect(readdirSync(join(root, 'photos'))).toContain(live);
  });

  it('a lock left by a dead writer is taken over, not waited for', async () => {
    await storage.put('locked.txt', 'v1', { visibility: 'private' });
    writeFileSync(
      join(root, '.stowage', 'locks', lockName('locked.txt')),
      ownerFor(await deadPid()),
    );
    await createStorage(disk({ root })).put('locked.txt', 'v2', { visibility: 'private' });
    expect(await storage.getText('locked.txt')).toBe('v2');
    // No lock is left; what remains is this process's owner file, which its locks link to.
    expect(
      readdirSync(join(root, '.stowage', 'locks')).filter((n) => !n.includes(`.${OWNER}.`)),
    ).toEqual([]);
  });

  it('a dead writer’s lock is taken over by one waiter at a time', async () => {
    // Several waiters that all read the dead owner used to each remove "the" lock and take it: the
    // second removal took away the first taker's fresh lock, and both wrote the key at once. Each
    // KeyLocks here stands for a process of its own (no shared in-process queue).
    const safe = await SafeRoot.open(root);
    const locks = join(root, '.stowage', 'locks');
    mkdirSync(locks, { recursive: true });
    const dead = ownerFor(await deadPid());
    const waiters = [new KeyLocks(safe), new KeyLocks(safe), new KeyLocks(safe)];
    for (let round = 0; round < 20; round++) {
      const key = `taken-over-${round}.txt`;
      writeFileSync(join(locks, lockName(key)), dead);
      let inside = 0;
      let most = 0;
      const critical = async () => {
        most = Math.max(most, ++inside);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inside--;
      };
      await Promise.all(waiters.map((waiter) => waiter.acrossProcesses(key, critical)));
      expect(most, `round ${round}`).toBe(1);
    }
    // Nothing is left but the waiters' owner files.
    expect(readdirSync(locks).filter((n) => !n.includes(`.${OWNER}.`))).toEqual([]);
  });

  it('a lock that is a link leading nowhere is removed, not waited for', async () => {
    await storage.put('linked.txt', 'v1', { visibility: 'private' });
    symlinkSync(
      join(outside, 'nothing-here'),
      join(root, '.stowage', 'locks', lockName('linked.txt')),
    );
    await createStorage(disk({ root })).put('linked.txt', 'v2', { visibility: 'private' });
    expect(await storage.getText('linked.txt')).toBe('v2');
    expect(readdirSync(outside)).toEqual([]);
  });

  it('a failed put leaves no empty folders that list() would report', async () => {
    async function* failing() {
      yield new Uint8Array(10);
      throw new Error('source failed');
    }
    await expect(storage.put('new/deep/folder/file.bin', failing())).rejects.toThrow();
    expect(await storage.list({ delimiter: '/' })).toMatchObject({ objects: [], prefixes: [] });
  });
});

describe.runIf(linux)('disk driver: unread bodies hold nothing', () => {
  it('500 get() of large files whose bodies are never read keep no descriptor open', async () => {
    await storage.put('large.bin', new Uint8Array(200 * 1024).fill(7));
    const open = () => readdirSync('/proc/self/fd').length;
    const before = open();
    const objects = [];
    for (let i = 0; i < 500; i++) objects.push(await storage.get('large.bin'));
    expect(open() - before).toBeLessThan(5);
    // Still readable afterwards, each as the version get() described.
    expect((await objects[499]!.bytes()).byteLength).toBe(200 * 1024);
    expect(open() - before).toBeLessThan(5);
  });

  it('a body read after the file was replaced fails instead of mixing versions', async () => {
    await storage.put('large.bin', new Uint8Array(200 * 1024).fill(7));
    const object = await storage.get('large.bin');
    await storage.put('large.bin', new Uint8Array(200 * 1024).fill(8));
    const error = await failure(() => object.bytes());
    expect(isStorageError(error, 'PRECONDITION_FAILED')).toBe(true);
  });
});
