import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage, disk, type SkippedKey } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Files other programs put in the media folder whose names break the key rules: a listing must
// not hand out keys that get() then refuses with INVALID_KEY.
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stowage-unaddressable-'));
  await mkdir(join(root, 'photos'));
  await writeFile(join(root, 'photos', 'cat.jpg'), 'cat');
  await writeFile(join(root, 'photos', 'back\\slash.jpg'), 'x');
  await writeFile(join(root, 'new\nline.txt'), 'x');
  await writeFile(join(root, 'ok.txt'), 'ok');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('disk listings with names Stowage cannot address', () => {
  it('list() and listAll() skip them and report them', async () => {
    const storage = createStorage(disk({ root }));
    const page = await storage.list();
    expect(page.objects.map((o) => o.key)).toEqual(['ok.txt', 'photos/cat.jpg']);
    expect(page.skipped?.map((s) => s.key)).toEqual(['new\nline.txt', 'photos/back\\slash.jpg']);
    const skipped: SkippedKey[] = [];
    const keys: string[] = [];
    for await (const info of storage.listAll('', { onSkipped: (s) => skipped.push(s) })) {
      keys.push(info.key);
    }
    expect(keys).toEqual(['ok.txt', 'photos/cat.jpg']);
    expect(skipped.map((s) => s.key)).toEqual(['new\nline.txt', 'photos/back\\slash.jpg']);
    for (const key of keys) await storage.getBytes(key);
  });
});
