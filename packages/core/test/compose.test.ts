import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createStorage,
  disk,
  type ListResult,
  memory,
  mirror,
  prefixed,
  type Storage,
  StorageError,
  storageFromEnv,
  withoutPublicUrls,
} from '@stowage/core';
import { afterAll, describe, expect, it } from 'vitest';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});
const tempRoot = () => {
  const root = mkdtempSync(join(tmpdir(), 'stowage-compose-'));
  roots.push(root);
  return root;
};

async function rejection(run: () => unknown): Promise<StorageError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError);
    return error as StorageError;
  }
  throw new Error('expected a rejection');
}

async function keysOf(storage: Storage, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of storage.listAll(prefix)) keys.push(o.key);
  return keys;
}

/** Every page of a listing, followed through its cursors. */
async function pages(storage: Storage, limit: number, delimiter?: string): Promise<ListResult[]> {
  const out: ListResult[] = [];
  let cursor: string | undefined;
  do {
    const page = await storage.list({ limit, cursor, delimiter });
    out.push(page);
    cursor = page.cursor;
  } while (cursor && out.length < 100);
  return out;
}

/** A storage whose every operation fails, as a secondary that went away. */
function broken(): Storage {
  const inner = memory();
  const fail = async (): Promise<never> => {
    throw new StorageError('NETWORK', 'connection refused', { retryable: true });
  };
  return createStorage(
    {
      ...inner,
      name: 'broken',
      put: fail,
      delete: fail,
      deleteMany: fail,
      copy: fail,
      move: fail,
    },
    { name: 'backup' },
  );
}

describe('prefixed()', () => {
  it('keeps keys, listings and exists() under the prefix, and nothing outside is seen', async () => {
    const base = createStorage(memory());
    await base.put('outside.txt', 'not yours');
    await base.put('tenants/acme-other/x.txt', 'a neighbour with a longer name');
    const acme = prefixed(base, 'tenants/acme');
    await acme.put('logo.png', 'png');
    await acme.put('docs/a.txt', 'a');
    expect(await base.getText('tenants/acme/logo.png')).toBe('png');
    expect(await keysOf(acme)).toEqual(['docs/a.txt', 'logo.png']);
    expect(await acme.exists('outside.txt')).toBe(false);
    expect(await acme.exists('logo.png')).toBe(true);
    const page = await acme.list({ delimiter: '/' });
    expect(page.prefixes).toEqual(['docs/']);
    expect(page.objects.map((o) => o.key)).toEqual(['logo.png']);
    expect((await acme.head('logo.png')).key).toBe('logo.png');
    await acme.deletePrefix('docs/');
    expect(await keysOf(base)).toEqual([
      'outside.txt',
      'tenants/acme-other/x.txt',
      'tenants/acme/logo.png',
    ]);
  });

  it('treats "tenants/acme" and "tenants/acme/" as the same folder', async () => {
    const base = createStorage(memory());
    await prefixed(base, 'tenants/acme/').put('a.txt', 'a');
    expect(await prefixed(base, 'tenants/acme').getText('a.txt')).toBe('a');
  });

  it('refuses an empty or invalid prefix when it is called', () => {
    const base = createStorage(memory());
    for (const bad of ['', '/', '//']) {
      expect(() => prefixed(base, bad)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
    for (const bad of ['../up', 'a//b', '/abs', 'a/./b', 'back\\slash']) {
      expect(() => prefixed(base, bad)).toThrow(expect.objectContaining({ code: 'INVALID_KEY' }));
    }
  });

  it('names the key as the caller gave it in errors', async () => {
    const acme = prefixed(createStorage(memory()), 'tenants/acme');
    const missing = await rejection(() => acme.head('missing.txt'));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.key).toBe('missing.txt');
    expect(missing.message).not.toContain('tenants/acme');
    await acme.put('taken.txt', 'x');
    const taken = await rejection(() => acme.put('taken.txt', 'y', { onConflict: 'fail' }));
    expect(taken.code).toBe('ALREADY_EXISTS');
    expect(taken.key).toBe('taken.txt');
    // The prefix counts towards the 1024-byte limit: refused before any write, by the caller's key.
    const long = 'x'.repeat(1020);
    const tooLong = await rejection(() => acme.put(long, 'x'));
    expect(tooLong.code).toBe('INVALID_KEY');
    expect(tooLong.key).toBe(long);
  });

  it('gives public and signed URLs under the prefix that serve the object', async () => {
    const base = createStorage(
      disk({
        root: tempRoot(),
        publicBaseUrl: 'https://cdn.example/media',
        signingSecret: 's'.repeat(32),
      }),
    );
    const acme = prefixed(base, 'tenants/acme');
    await acme.put('logo.png', 'png');
    expect(acme.url('logo.png')).toBe('https://cdn.example/media/tenants/acme/logo.png');
    const signed = await acme.signedUrl('logo.png', { expiresIn: 60 });
    expect(signed).toContain('/media/tenants/acme/logo.png?');
    expect(acme.capabilities).toEqual(base.capabilities);
  });

  it('renames under the prefix with onConflict rename', async () => {
    const base = createStorage(memory());
    const acme = prefixed(base, 'tenants/acme');
    await acme.put('a.txt', '1');
    const renamed = await acme.put('a.txt', '2', { onConflict: 'rename' });
    expect(renamed.key).toMatch(/^a_[a-z0-9]{6}\.txt$/);
    expect(await base.getText(`tenants/acme/${renamed.key}`)).toBe('2');
  });
});

describe('mirror()', () => {
  it('writes, copies, moves and deletes on both, primary first', async () => {
    const primary = createStorage(memory());
    const secondary = createStorage(memory());
    const both = mirror(primary, secondary);
    await both.put('a.txt', 'alpha', { metadata: { owner: 'ada' }, contentType: 'text/plain' });
    expect(await secondary.getText('a.txt')).toBe('alpha');
    expect((await secondary.head('a.txt')).metadata).toEqual({ owner: 'ada' });
    await both.copy('a.txt', 'b.txt');
    await both.move('b.txt', 'c.txt');
    for (const s of [primary, secondary]) {
      expect(await keysOf(s)).toEqual(['a.txt', 'c.txt']);
      expect(await s.getText('c.txt')).toBe('alpha');
    }
    await both.delete('a.txt');
    await both.deleteMany(['c.txt']);
    expect(await keysOf(primary)).toEqual([]);
    expect(await keysOf(secondary)).toEqual([]);
  });

  it('streams a body to both, the secondary reading back what the primary stored', async () => {
    const primary = createStorage(memory());
    const secondary = createStorage(memory());
    const chunk = new Uint8Array(64 * 1024).fill(7);
    async function* stream() {
      for (let i = 0; i < 64; i++) yield chunk; // 4 MiB, sent once
    }
    await mirror(primary, secondary).put('big.bin', stream());
    const copy = await secondary.getBytes('big.bin');
    expect(copy.byteLength).toBe(4 * 1024 * 1024);
    expect(copy.every((b) => b === 7)).toBe(true);
  });

  it('gives the secondary the key the primary chose with onConflict rename', async () => {
    const primary = createStorage(memory());
    const secondary = createStorage(memory());
    const both = mirror(primary, secondary);
    await both.put('photo.jpg', 'first');
    const second = await both.put('photo.jpg', 'second', { onConflict: 'rename' });
    expect(second.key).not.toBe('photo.jpg');
    expect(await secondary.getText(second.key)).toBe('second');
    expect(await keysOf(secondary)).toEqual(await keysOf(primary));
  });

  it('rejects naming the secondary when it fails, the primary holding the change', async () => {
    const primary = createStorage(memory());
    const both = mirror(primary, broken());
    const error = await rejection(() => both.put('a.txt', 'alpha'));
    expect(error.code).toBe('NETWORK');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("mirror's secondary");
    expect(error.message).toContain('"backup"');
    expect(error.key).toBe('a.txt');
    expect(await primary.getText('a.txt')).toBe('alpha');
  });

  it('reads only the primary by default', async () => {
    const secondary = createStorage(memory());
    await secondary.put('old.txt', 'old');
    const both = mirror(createStorage(memory()), secondary);
    expect(await both.exists('old.txt')).toBe(false);
    expect((await rejection(() => both.get('old.txt'))).code).toBe('NOT_FOUND');
  });

  it('with fallback reads a key the primary lacks from the secondary, ranges too', async () => {
    const secondary = createStorage(memory());
    await secondary.put('old.txt', 'not moved yet');
    const primary = createStorage(memory());
    const both = mirror(primary, secondary, { reads: 'fallback' });
    expect(await both.exists('old.txt')).toBe(true);
    expect(await both.getText('old.txt')).toBe('not moved yet');
    const part = await both.get('old.txt', { range: { offset: 4, length: 5 } });
    expect(await part.text()).toBe('moved');
    // Refusing to overwrite counts the secondary's keys as existing.
    expect((await rejection(() => both.put('old.txt', 'x', { onConflict: 'fail' }))).code).toBe(
      'ALREADY_EXISTS',
    );
    // A copy of a key not moved yet lands on both.
    await both.copy('old.txt', 'new.txt');
    expect(await primary.getText('new.txt')).toBe('not moved yet');
    expect(await secondary.getText('new.txt')).toBe('not moved yet');
    expect((await rejection(() => both.head('nowhere.txt'))).code).toBe('NOT_FOUND');
  });

  it('with fallback merges listings unique and sorted, with working cursors', async () => {
    const primary = createStorage(memory());
    const secondary = createStorage(memory());
    const mine = ['a/1', 'b', 'd', 'f', 'h/1', 'h/2', 'k'];
    const theirs = ['a/2', 'b', 'c', 'e', 'g', 'h/3', 'i', 'j', 'k', 'l'];
    for (const k of mine) await primary.put(k, `p:${k}`);
    for (const k of theirs) await secondary.put(k, `s:${k}`);
    const both = mirror(primary, secondary, { reads: 'fallback' });
    const all = [...new Set([...mine, ...theirs])].sort();
    expect(await keysOf(both)).toEqual(all);
    for (const limit of [1, 2, 3, 5, 1000]) {
      const got = (await pages(both, limit)).flatMap((p) => p.objects.map((o) => o.key));
      expect(got, `limit ${limit}`).toEqual(all);
    }
    const grouped = await pages(both, 2, '/');
    expect(grouped.flatMap((p) => p.prefixes)).toEqual(['a/', 'h/']);
    expect(grouped.flatMap((p) => p.objects.map((o) => o.key))).toEqual(
      all.filter((k) => !k.includes('/')),
    );
    // A key both have is the primary's.
    const b = (await both.list({ prefix: 'b' })).objects[0];
    expect(b?.size).toBe('p:b'.length);
    expect((await rejection(() => both.list({ cursor: 'not-a-cursor' }))).code).toBe(
      'INVALID_INPUT',
    );
  });
});

describe('storageFromEnv with STORAGE_MIRROR', () => {
  it('builds mirror(selected, STORAGE_MIRROR) so a move is an environment change', async () => {
    const root = tempRoot();
    await createStorage(disk({ root })).put('old/avatar.png', 'old file');
    const storage = storageFromEnv(
      {
        STORAGE_DRIVER: 'memory',
        STORAGE_MIRROR: 'disk',
        STORAGE_MIRROR_READS: 'fallback',
        STORAGE_DISK_ROOT: root,
      },
      { warn: () => {} },
    );
    expect(await storage.getText('old/avatar.png')).toBe('old file');
    await storage.put('new.txt', 'both');
    expect(await createStorage(disk({ root })).getText('new.txt')).toBe('both');
  });

  it('names the variable when it is wrong', () => {
    const env = { STORAGE_DRIVER: 'memory', STORAGE_MIRROR: 'disk', STORAGE_DISK_ROOT: tempRoot() };
    expect(() => storageFromEnv({ ...env, STORAGE_MIRROR_READS: 'sometimes' })).toThrow(
      /STORAGE_MIRROR_READS must be primary or fallback/,
    );
    expect(() => storageFromEnv({ ...env, STORAGE_MIRROR: 'memory' })).toThrow(
      /STORAGE_MIRROR=memory/,
    );
  });
});

describe('get options through the wrappers', () => {
  it('prefixed, mirror and withoutPublicUrls pass range and readAll to the storage below', async () => {
    const inner = memory();
    const seen: { range?: unknown; readAll?: boolean }[] = [];
    const recorded = createStorage({
      ...inner,
      get: (key, options) => {
        seen.push({ range: options.range, readAll: options.readAll });
        return inner.get(key, options);
      },
    });
    await recorded.put('p/a.txt', 'hello');
    const wrappers = [
      prefixed(recorded, 'p'),
      mirror(prefixed(recorded, 'p'), createStorage(memory())),
      withoutPublicUrls(prefixed(recorded, 'p')),
    ];
    for (const storage of wrappers) {
      seen.length = 0;
      expect(await storage.getText('a.txt')).toBe('hello');
      const part = await storage.get('a.txt', { range: { offset: 1, length: 2 }, readAll: true });
      expect(await part.text()).toBe('el');
      await (await storage.get('a.txt')).text();
      expect(seen).toEqual([
        { range: undefined, readAll: true },
        { range: { offset: 1, length: 2 }, readAll: true },
        { range: undefined, readAll: undefined },
      ]);
    }
  });
});
