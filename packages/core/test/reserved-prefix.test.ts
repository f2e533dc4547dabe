import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage, disk, memory, type Storage } from '@stowage/core';
import { RESERVED_PREFIX } from '@stowage/core/driver';
import { describe, expect, it } from 'vitest';

// Keys under RESERVED_PREFIX belong to Stowage itself (e.g. @stowage/images' variants): an app's
// listing, `stowage ls` and `stowage migrate` see only the app's objects.
const setups: [string, () => Storage][] = [
  ['memory', () => createStorage(memory())],
  ['disk', () => createStorage(disk({ root: mkdtempSync(join(tmpdir(), 'stowage-reserved-')) }))],
];

describe.each(setups)('reserved prefix on %s', (_name, create) => {
  it('is a hidden folder name', () => {
    expect(RESERVED_PREFIX).toBe('.stowage-');
  });

  it('is left out of listings that do not ask for it', async () => {
    const storage = create();
    await storage.put('a.txt', 'a');
    await storage.put(`${RESERVED_PREFIX}variants/x/y.webp`, 'v');
    await storage.put('z/b.txt', 'b');

    const flat = await storage.list();
    expect(flat.objects.map((o) => o.key)).toEqual(['a.txt', 'z/b.txt']);
    const grouped = await storage.list({ delimiter: '/' });
    expect(grouped.objects.map((o) => o.key)).toEqual(['a.txt']);
    expect(grouped.prefixes).toEqual(['z/']);
    const all: string[] = [];
    for await (const info of storage.listAll()) all.push(info.key);
    expect(all).toEqual(['a.txt', 'z/b.txt']);
    // A prefix that merely starts like it does not reveal it either.
    expect((await storage.list({ prefix: '.stow' })).objects).toEqual([]);
  });

  it('is listed when the listing asks for it by prefix', async () => {
    const storage = create();
    await storage.put(`${RESERVED_PREFIX}variants/x/y.webp`, 'v');
    const page = await storage.list({ prefix: `${RESERVED_PREFIX}variants/` });
    expect(page.objects.map((o) => o.key)).toEqual([`${RESERVED_PREFIX}variants/x/y.webp`]);
    expect(await storage.exists(`${RESERVED_PREFIX}variants/x/y.webp`)).toBe(true);
  });

  it('is hidden at any depth, as under a prefixed storage, unless the prefix reaches into it', async () => {
    const storage = create();
    await storage.put('tenants/acme/a.jpg', 'a');
    await storage.put(`tenants/acme/${RESERVED_PREFIX}variants/x.webp`, 'v');
    const tenant = await storage.list({ prefix: 'tenants/acme/' });
    expect(tenant.objects.map((o) => o.key)).toEqual(['tenants/acme/a.jpg']);
    const inside = await storage.list({ prefix: `tenants/acme/${RESERVED_PREFIX}` });
    expect(inside.objects.map((o) => o.key)).toEqual([
      `tenants/acme/${RESERVED_PREFIX}variants/x.webp`,
    ]);
    // A key merely containing the word elsewhere in a segment is an app's key.
    await storage.put('docs/my.stowage-notes.txt', 'n');
    expect((await storage.list({ prefix: 'docs/' })).objects).toHaveLength(1);
  });
});
