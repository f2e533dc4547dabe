import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage, disk, isStorageError, withoutPublicUrls } from '@stowage/core';
import { afterAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'stowage-no-urls-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('withoutPublicUrls()', () => {
  const inner = createStorage(
    disk({ root, publicBaseUrl: '/media', signingSecret: 'compose-test-secret-0123456789' }),
  );
  const storage = withoutPublicUrls(inner);

  it('refuses url() with UNSUPPORTED and says it has no public URLs', () => {
    expect(inner.url('tickets/a.pdf')).toBe('/media/tickets/a.pdf');
    expect(storage.capabilities.publicUrl).toBe(false);
    expect(storage.capabilities.transforms).toBe(false);
    let caught: unknown;
    try {
      storage.url('tickets/a.pdf');
    } catch (error) {
      caught = error;
    }
    expect(isStorageError(caught, 'UNSUPPORTED'), String(caught)).toBe(true);
  });

  it('keeps everything else: files, listings, signed URLs, the driver name', async () => {
    await storage.put('tickets/a.pdf', 'ticket', { visibility: 'private' });
    expect(await inner.getText('tickets/a.pdf')).toBe('ticket');
    expect(await storage.getText('tickets/a.pdf')).toBe('ticket');
    expect((await storage.head('tickets/a.pdf')).visibility).toBe('private');
    expect((await storage.list({ prefix: 'tickets/' })).objects.map((o) => o.key)).toEqual([
      'tickets/a.pdf',
    ]);
    expect(await storage.signedUrl('tickets/a.pdf', { expiresIn: 60 })).toMatch(
      /^\/media\/tickets\/a\.pdf\?/,
    );
    expect(storage.driver).toBe('disk');
    await storage.delete('tickets/a.pdf');
    expect(await inner.exists('tickets/a.pdf')).toBe(false);
  });
});
