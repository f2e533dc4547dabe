import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage, disk, mirror, prefixed, type SkippedKey } from '@stowage/core';
import { afterAll, describe, expect, it } from 'vitest';

// Files other programs put in a media folder whose names break the key rules: a wrapped storage
// reports them in `skipped` as the plain one does, so `listAll(..., { onSkipped })` sees them.
const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A disk root holding `good` (readable) and `bad` (a name with a newline, not addressable). */
function rootWith(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'stowage-compose-skipped-'));
  roots.push(root);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  return root;
}

async function listAllSkipped(
  list: (onSkipped: (s: SkippedKey) => void) => AsyncIterable<unknown>,
) {
  const skipped: string[] = [];
  for await (const _ of list((s) => skipped.push(s.key))) {
    // only the skipped keys matter here
  }
  return skipped;
}

describe('skipped keys through the wrappers', () => {
  it('prefixed() reports them with the key as seen under the prefix', async () => {
    const root = rootWith({ 'tenants/acme/ok.txt': 'ok', 'tenants/acme/new\nline.txt': 'x' });
    const tenant = prefixed(createStorage(disk({ root })), 'tenants/acme/');
    const page = await tenant.list();
    expect(page.objects.map((o) => o.key)).toEqual(['ok.txt']);
    expect(page.skipped?.map((s) => s.key)).toEqual(['new\nline.txt']);
    expect(page.skipped?.[0]?.problem).toMatch(/control characters/);
    expect(await listAllSkipped((onSkipped) => tenant.listAll('', { onSkipped }))).toEqual([
      'new\nline.txt',
    ]);
  });

  it('mirror() with fallback reads reports those of both sides', async () => {
    const primary = createStorage(disk({ root: rootWith({ 'a.txt': 'a', 'p\nbad.txt': 'x' }) }));
    const secondary = createStorage(
      disk({ root: rootWith({ 'b.txt': 'b', 's\nbad.txt': 'x', 'p\nbad.txt': 'x' }) }),
    );
    const both = mirror(primary, secondary, { reads: 'fallback' });
    const page = await both.list();
    expect(page.objects.map((o) => o.key)).toEqual(['a.txt', 'b.txt']);
    // A key both sides hold is reported by each (the listing pages each side on its own).
    expect(page.skipped?.map((s) => s.key).sort()).toEqual([
      'p\nbad.txt',
      'p\nbad.txt',
      's\nbad.txt',
    ]);
  });

  it('mirror() with fallback reads reports each one once over a paged listing', async () => {
    const files: Record<string, string> = { 'z\nbad.txt': 'x' };
    for (let i = 0; i < 5; i++) files[`k${i}.txt`] = String(i);
    const primary = createStorage(disk({ root: rootWith(files) }));
    const secondary = createStorage(disk({ root: rootWith({ 'm\nbad.txt': 'x', 'n.txt': 'n' }) }));
    const both = mirror(primary, secondary, { reads: 'fallback' });
    const skipped: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await both.list({ limit: 2, cursor });
      for (const s of page.skipped ?? []) skipped.push(s.key);
      cursor = page.cursor;
    } while (cursor);
    expect(skipped.sort()).toEqual(['m\nbad.txt', 'z\nbad.txt']);
  });

  it("mirror() reading the primary only reports the primary's", async () => {
    const primary = createStorage(disk({ root: rootWith({ 'a.txt': 'a', 'p\nbad.txt': 'x' }) }));
    const secondary = createStorage(disk({ root: rootWith({ 's\nbad.txt': 'x' }) }));
    const page = await mirror(primary, secondary).list();
    expect(page.skipped?.map((s) => s.key)).toEqual(['p\nbad.txt']);
  });
});
