import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createStorage,
  type Driver,
  disk,
  isStorageError,
  memory,
  type Storage,
  StorageError,
} from '@stowage/core';
import { compareKeys } from '@stowage/core/driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MigrateEvent, migrate } from '../src/index.js';
import { countPuts, differingKeys, makeTree, tempDir } from './helpers.js';

let tmp: { path: string; remove: () => Promise<void> };
let sourceRoot: string;
let keys: string[];

beforeAll(async () => {
  tmp = await tempDir();
  sourceRoot = join(tmp.path, 'source');
  keys = await makeTree(sourceRoot, { count: 520, seed: 7 });
});
afterAll(() => tmp.remove());

const diskAt = (name: string): Storage => createStorage(disk({ root: join(tmp.path, name) }));

/** Files under a folder (the disk driver's metadata folder left out). */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && !join(e.parentPath, e.name).includes('/.stowage'))
    .map((e) => join(e.parentPath, e.name));
}

describe('migrate (engine)', () => {
  it('copies a tree of 520 files disk -> disk byte for byte, then skips all of it', async () => {
    const from = createStorage(disk({ root: sourceRoot }));
    const to = diskAt('disk-target');
    const first = await migrate({ from, to });
    expect(first).toMatchObject({ listed: keys.length, copied: keys.length, failed: 0 });
    expect(first.skipped).toBe(0);
    expect(await differingKeys(sourceRoot, keys, to)).toEqual([]);

    const counted = countPuts(to);
    const second = await migrate({ from, to: counted.storage });
    expect(second).toMatchObject({ copied: 0, skipped: keys.length, failed: 0 });
    expect(counted.puts()).toBe(0);

    const forced = countPuts(to);
    const third = await migrate({ from, to: forced.storage, force: true, prefix: 'photos/' });
    const photos = keys.filter((k) => k.startsWith('photos/'));
    expect(third.copied).toBe(photos.length);
    expect(forced.puts()).toBe(photos.length);
  });

  it('streams objects over 8 MiB disk -> disk and disk -> memory byte for byte, every byte counted', async () => {
    // The disk body is a byte stream; migrate counts it as a byte stream too (so an S3 target
    // can read it into its part buffers), which the targets here read with their own chunks.
    const big = randomBytes(9 * 1024 * 1024 + 77);
    const source = diskAt('big-source');
    await source.put('big.bin', big);
    for (const to of [diskAt('big-target'), createStorage(memory())]) {
      let transferred = 0;
      const summary = await migrate({
        from: source,
        to,
        onProgress: (e) => {
          transferred = e.totals.transferredBytes;
        },
      });
      expect(summary).toMatchObject({ copied: 1, failed: 0, copiedBytes: big.byteLength });
      expect(transferred).toBe(big.byteLength);
      expect(Buffer.from(await to.getBytes('big.bin')).equals(big)).toBe(true);
    }
  });

  it('objects of 256 KiB to 8 MiB (read into reused buffers) arrive byte for byte, disk <-> memory', async () => {
    const MiB = 1024 * 1024;
    const sizes = [256 * 1024, 300_001, MiB, MiB + 1, 700_000, MiB, 3 * MiB + 5, 8 * MiB, MiB - 1];
    const objects = new Map(sizes.map((size, i) => [`mid/${i}.bin`, randomBytes(size)]));
    const source = diskAt('mid-source');
    for (const [key, bytes] of objects) await source.put(key, bytes);
    const memoryCopy = createStorage(memory());
    const diskCopy = diskAt('mid-target');
    for (const [from, to] of [
      [source, memoryCopy],
      [memoryCopy, diskCopy],
    ] as const) {
      let transferred = 0;
      const summary = await migrate({
        from,
        to,
        concurrency: 3,
        onProgress: (e) => {
          transferred = e.totals.transferredBytes;
        },
      });
      expect(summary).toMatchObject({ copied: sizes.length, failed: 0 });
      expect(transferred).toBe(sizes.reduce((a, b) => a + b, 0));
      for (const [key, bytes] of objects) {
        expect(Buffer.from(await to.getBytes(key)).equals(bytes), key).toBe(true);
      }
    }
  });

  it('puts streamed (large) objects one at a time, whatever the concurrency', async () => {
    // One streamed upload holds an S3 driver's part buffers (4 x 5 MiB); two at once would take
    // migrate of large files past 128 MiB (bench/migrate, 20 x 64 MiB).
    const from = createStorage(memory());
    const sizes = [9, 10, 11, 12].map((m) => m * 1024 * 1024 + m);
    for (const [i, size] of sizes.entries()) await from.put(`big-${i}.bin`, new Uint8Array(size));
    const inner = memory();
    let running = 0;
    let most = 0;
    const to = createStorage({
      ...inner,
      put: async (key, body, options) => {
        const streamed = !(body instanceof Uint8Array);
        if (streamed) most = Math.max(most, ++running);
        try {
          await new Promise((resolve) => setTimeout(resolve, 30));
          return await inner.put(key, body, options);
        } finally {
          if (streamed) running--;
        }
      },
    } satisfies Driver);
    const summary = await migrate({ from, to, concurrency: 16 });
    expect(summary).toMatchObject({ copied: 4, failed: 0 });
    expect(most).toBe(1);
    for (const [i, size] of sizes.entries())
      expect((await to.head(`big-${i}.bin`)).size).toBe(size);
  });

  it('a buffer whose put failed is never reused: a target still holding it keeps its bytes', async () => {
    const MiB = 1024 * 1024;
    const from = createStorage(memory());
    const contents = ['a', 'b', 'c', 'd', 'e'].map((name, i) => {
      const bytes = new Uint8Array(MiB).fill(i + 1);
      return { key: `${name}.bin`, bytes };
    });
    for (const { key, bytes } of contents) await from.put(key, bytes);
    const inner = memory();
    // A put that fails but keeps the body it was given (a request the failure left running).
    let held: Uint8Array | undefined;
    const to = createStorage({
      ...inner,
      put: (key, body, options) => {
        if (key === 'a.bin') {
          held = body as Uint8Array;
          return Promise.reject(
            new StorageError('PERMISSION_DENIED', 'Access denied for "a.bin".'),
          );
        }
        return inner.put(key, body, options);
      },
    } satisfies Driver);
    const summary = await migrate({ from, to, concurrency: 1 });
    expect(summary).toMatchObject({ copied: 4, failed: 1 });
    expect(held?.byteLength).toBe(MiB);
    expect(held?.every((byte) => byte === 1)).toBe(true);
    for (const { key, bytes } of contents.slice(1)) {
      expect(Buffer.from(await to.getBytes(key)).equals(bytes), key).toBe(true);
    }
  });

  it('copies disk -> memory with content type, cache control, disposition, visibility and metadata', async () => {
    const root = join(tmp.path, 'meta-source');
    const from = createStorage(disk({ root }));
    await from.put('docs/report.pdf', 'pdf bytes', {
      contentType: 'application/pdf',
      cacheControl: 'public, max-age=60',
      contentDisposition: 'attachment; filename="report.pdf"',
      metadata: { owner: 'ada', 'ticket-id': '42' },
      visibility: 'private',
    });
    await from.put('plain.txt', 'plain');
    const to = createStorage(memory());
    const summary = await migrate({ from, to });
    expect(summary).toMatchObject({
      copied: 2,
      failed: 0,
      dropped: { metadata: 0, visibility: 0 },
    });
    expect(await to.head('docs/report.pdf')).toMatchObject({
      size: 9,
      contentType: 'application/pdf',
      cacheControl: 'public, max-age=60',
      contentDisposition: 'attachment; filename="report.pdf"',
      metadata: { owner: 'ada', 'ticket-id': '42' },
      visibility: 'private',
    });
    expect(await to.getText('plain.txt')).toBe('plain');
  });

  it('leaves out what the target cannot keep, and says so in the summary', async () => {
    const from = createStorage(memory());
    await from.put('a.txt', 'a', { metadata: { owner: 'ada' }, visibility: 'public' });
    await from.put('b.txt', 'b');
    const limited = memory();
    const to = createStorage({
      ...limited,
      name: 'limited',
      capabilities: { ...limited.capabilities, metadata: false, visibility: false },
    } satisfies Driver);
    const summary = await migrate({ from, to });
    expect(summary).toMatchObject({
      copied: 2,
      failed: 0,
      dropped: { metadata: 1, visibility: 1 },
    });
    expect((await to.head('a.txt')).metadata).toEqual({});
  });

  it('skips only the same size and MD5: ETags where both sides have them, else the local side hashed', async () => {
    const from = createStorage(memory());
    const to = createStorage(memory());
    await from.put('same.txt', 'same');
    await to.put('same.txt', 'same');
    await from.put('changed.txt', 'new!');
    await to.put('changed.txt', 'old!'); // same size, other content: memory ETags are MD5s
    await from.put('grown.txt', 'longer');
    await to.put('grown.txt', 'short');
    await from.put('new.txt', 'new');
    const events: MigrateEvent[] = [];
    const summary = await migrate({ from, to, onProgress: (e) => events.push(e) });
    expect(summary).toMatchObject({ copied: 3, skipped: 1 });
    const skipped = events.filter((e) => e.type === 'skipped');
    expect(skipped).toMatchObject([{ key: 'same.txt', reason: 'same size and MD5' }]);
    expect(await to.getText('changed.txt')).toBe('new!');

    // The disk's ETags are no MD5s: its file is hashed, so the same size is not enough.
    const diskTarget = diskAt('etag-target');
    await diskTarget.put('changed.txt', 'old!');
    await diskTarget.put('same.txt', 'same');
    const onDisk = await migrate({ from, to: diskTarget, prefix: 'changed' });
    expect(onDisk).toMatchObject({ copied: 1, skipped: 0 });
    expect(await diskTarget.getText('changed.txt')).toBe('new!');
    expect(await migrate({ from, to: diskTarget, prefix: 'same' })).toMatchObject({ skipped: 1 });
  });

  it('a dry run reads and writes nothing, and reports what it would copy', async () => {
    const from = createStorage(disk({ root: sourceRoot }));
    const target = diskAt('dry-target');
    await target.put('photos/already.txt', 'x');
    const counted = countPuts(target);
    const wouldCopy: string[] = [];
    const summary = await migrate({
      from,
      to: counted.storage,
      dryRun: true,
      onProgress: (e) => {
        if (e.type === 'copied') wouldCopy.push(e.key);
      },
    });
    expect(summary).toMatchObject({ dryRun: true, copied: keys.length, failed: 0 });
    expect(wouldCopy.sort(compareKeys)).toEqual(keys);
    expect(counted.puts()).toBe(0);
    expect(await filesUnder(join(tmp.path, 'dry-target'))).toHaveLength(1);
  });

  it('an aborted run resumes: the second run puts exactly the objects the first did not', async () => {
    const from = createStorage(disk({ root: sourceRoot }));
    const targetRoot = join(tmp.path, 'resume-target');
    const controller = new AbortController();
    const first = countPuts(diskAt('resume-target'));
    const summary1 = await migrate({
      from,
      to: first.storage,
      concurrency: 4,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'copied' && e.totals.copied === 200) controller.abort();
      },
    });
    expect(summary1.aborted).toBe(true);
    expect(summary1.copied).toBeGreaterThanOrEqual(200);
    expect(summary1.copied).toBeLessThan(keys.length);
    expect(summary1.failed).toBe(0);
    const present = (await filesUnder(targetRoot)).length;
    // Puts are atomic: an abandoned copy leaves nothing, a finished one a whole file.
    expect(present).toBeGreaterThanOrEqual(summary1.copied);
    expect(present).toBeLessThanOrEqual(summary1.copied + summary1.interrupted);

    const second = countPuts(diskAt('resume-target'));
    const summary2 = await migrate({ from, to: second.storage, concurrency: 4 });
    expect(summary2).toMatchObject({ aborted: false, failed: 0, skipped: present });
    expect(second.puts()).toBe(keys.length - present);
    expect(summary2.copied).toBe(keys.length - present);
    expect(await differingKeys(sourceRoot, keys, diskAt('resume-target'))).toEqual([]);
  });

  it('reports failed objects with their error and carries on with the rest', async () => {
    const from = createStorage(memory());
    for (const key of ['a.txt', 'b.txt', 'c.txt', 'd.txt']) await from.put(key, key);
    const inner = memory();
    const to = createStorage({
      ...inner,
      put: (key, body, options) =>
        key === 'b.txt'
          ? Promise.reject(new StorageError('PERMISSION_DENIED', 'Access denied for "b.txt".'))
          : inner.put(key, body, options),
    } satisfies Driver);
    const summary = await migrate({ from, to, concurrency: 2 });
    expect(summary).toMatchObject({ copied: 3, failed: 1 });
    expect(summary.failures).toMatchObject([
      { key: 'b.txt', code: 'PERMISSION_DENIED', message: 'Access denied for "b.txt".' },
    ]);
  });

  it('retries an object whose copy failed with a retryable error', async () => {
    const from = createStorage(memory());
    await from.put('flaky.txt', 'eventually');
    const inner = memory();
    let attempts = 0;
    const to = createStorage({
      ...inner,
      put: async (key, body, options) => {
        attempts++;
        if (attempts === 1) {
          for await (const _ of body as AsyncIterable<Uint8Array>) break;
          throw new StorageError('NETWORK', 'socket hang up');
        }
        return inner.put(key, body, options);
      },
    } satisfies Driver);
    const summary = await migrate({ from, to });
    expect(summary).toMatchObject({ copied: 1, failed: 0 });
    expect(attempts).toBe(2);
    expect(await to.getText('flaky.txt')).toBe('eventually');
  });

  it('rejects when the source cannot be listed, and refuses bad options', async () => {
    const broken = memory();
    const from = createStorage({
      ...broken,
      list: () => Promise.reject(new StorageError('UNAUTHENTICATED', 'bad key')),
    } satisfies Driver);
    const error = await migrate({ from, to: createStorage(memory()) }).catch((e: unknown) => e);
    expect(isStorageError(error, 'UNAUTHENTICATED')).toBe(true);
    const same = createStorage(memory());
    await expect(migrate({ from: same, to: same })).rejects.toThrow(/two different storages/);
    await expect(
      migrate({ from: same, to: createStorage(memory()), concurrency: 0 }),
    ).rejects.toThrow(/concurrency/);
  });
});
