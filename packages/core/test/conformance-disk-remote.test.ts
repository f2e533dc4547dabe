import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage, disk } from '@stowage/core';
import { runConformance } from '@stowage/core/testing';
import { expect, it, vi } from 'vitest';

// The disk driver takes synchronous calls for small writes, sidecars and locks only on local file
// systems (statfs type ext4, xfs, tmpfs, ...). Here statfs answers NFS, so every call goes through
// the thread pool, as on an NFS, SMB or FUSE mount, and the same contract must hold.
vi.mock('node:fs/promises', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:fs/promises')>();
  const statfs = async (path: string) => ({ ...(await original.statfs(path)), type: 0x6969 });
  return { ...original, default: { ...original, statfs }, statfs };
});

runConformance({
  name: 'disk, as on a network file system',
  create: async () => {
    const root = mkdtempSync(join(tmpdir(), 'stowage-conformance-disk-remote-'));
    return {
      storage: createStorage(disk({ root })),
      cleanup: async () => rmSync(root, { recursive: true, force: true }),
    };
  },
});

it('the file system is taken for a network one (no synchronous calls)', async () => {
  const { SafeRoot } = await import('../src/drivers/disk/safe-path.js');
  const root = mkdtempSync(join(tmpdir(), 'stowage-remote-check-'));
  try {
    expect((await SafeRoot.open(root)).quietClose).toBe(false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
