import {
  closeSync,
  futimesSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createStorage, disk, isStorageError, type Storage } from '@stowage/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { quietClose } from '../src/drivers/disk/safe-path.js';

let sandbox: string;
let root: string;
let storage: Storage;

beforeEach(() => {
  sandbox = mkdtempSync(join(tmpdir(), 'stowage-disk-'));
  root = join(sandbox, 'root');
  storage = createStorage(disk({ root }));
});

/** Every file under `dir`, recursively, relative to it. */
function filesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

async function* slowChunks(count: number, size: number, fill: number, failAt?: number) {
  for (let i = 0; i < count; i++) {
    if (i === failAt) throw new Error('source failed');
    await new Promise((r) => setTimeout(r, 1));
    yield new Uint8Array(size).fill(fill);
  }
}

describe('disk driver: atomic writes', () => {
  it('a reader during a streamed overwrite sees the old or the new content, never a mix', async () => {
    await storage.put('doc.bin', new Uint8Array(64 * 1024).fill(1));
    const writing = storage.put('doc.bin', slowChunks(16, 4096, 2));
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const bytes = await storage.getBytes('doc.bin');
      seen.add(`${bytes.length}:${new Set(bytes).size === 1 ? bytes[0] : 'mixed'}`);
      await new Promise((r) => setTimeout(r, 1));
    }
    await writing;
    seen.add(`${(await storage.getBytes('doc.bin')).length}:2`);
    expect([...seen].every((s) => s === '65536:1' || s === '65536:2')).toBe(true);
  });

  it('a stream that fails half way leaves neither a file nor a temporary file', async () => {
    await expect(storage.put('broken/file.bin', slowChunks(10, 1024, 3, 5))).rejects.toThrow();
    expect(await storage.exists('broken/file.bin')).toBe(false);
    expect(filesUnder(root)).toEqual([]);
  });

  it('an aborted write leaves nothing and the old version intact', async () => {
    await storage.put('keep.txt', 'original');
    const controller = new AbortController();
    const put = storage.put('keep.txt', slowChunks(50, 1024, 4), { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(put).rejects.toThrow();
    expect(await storage.getText('keep.txt')).toBe('original');
    expect(filesUnder(root)).toEqual(['keep.txt']);
  });

  it('concurrent writers to one key leave exactly one complete version', async () => {
    const bodies = Array.from({ length: 8 }, (_, i) => new Uint8Array(256 * 1024).fill(i + 1));
    await Promise.all(
      bodies.map((b) =>
        storage.put('race.bin', Readable.from([b.subarray(0, 1000), b.subarray(1000)])),
      ),
    );
    const final = await storage.getBytes('race.bin');
    expect(final.length).toBe(256 * 1024);
    expect(new Set(final).size).toBe(1);
    expect(filesUnder(root)).toEqual(['race.bin']);
  });

  it("onConflict 'fail' lets exactly one of 16 racing writers win", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 16 }, (_, i) =>
        storage.put('once.txt', `writer ${i}`, { onConflict: 'fail' }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(isStorageError(r.reason, 'ALREADY_EXISTS')).toBe(true);
    }
    const winner = results.findIndex((r) => r.status === 'fulfilled');
    expect(await storage.getText('once.txt')).toBe(`writer ${winner}`);
    expect(filesUnder(root)).toEqual(['once.txt']);
  });

  it("onConflict 'rename' with racing writers never overwrites and keeps every body", async () => {
    const infos = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        storage.put('photos/cat.jpg', `cat ${i}`, { onConflict: 'rename' }),
      ),
    );
    const keys = new Set(infos.map((i) => i.key));
    expect(keys.size).toBe(6);
    for (const [i, info] of infos.entries())
      expect(await storage.getText(info.key)).toBe(`cat ${i}`);
    for (const key of keys) expect(key).toMatch(/^photos\/cat(_[a-z0-9]{6})?\.jpg$/);
  });
});

describe('disk driver: what survives a restart', () => {
  it('content type, cache control, disposition, visibility and metadata', async () => {
    await storage.put('report', 'data', {
      contentType: 'application/pdf',
      cacheControl: 'public, max-age=60',
      contentDisposition: 'attachment; filename="r.pdf"',
      visibility: 'private',
      metadata: { owner: 'ada', 'trace-id': 'x1' },
    });
    const restarted = createStorage(disk({ root }));
    const info = await restarted.head('report');
    expect(info).toMatchObject({
      contentType: 'application/pdf',
      cacheControl: 'public, max-age=60',
      contentDisposition: 'attachment; filename="r.pdf"',
      visibility: 'private',
      metadata: { owner: 'ada', 'trace-id': 'x1' },
    });
  });

  it('a plain overwrite drops the old metadata instead of pairing it with new content', async () => {
    await storage.put('a.bin', 'one', { contentType: 'image/png', metadata: { v: '1' } });
    await storage.put('a.bin', 'two!');
    const info = await createStorage(disk({ root })).head('a.bin');
    expect(info.contentType).toBe('application/octet-stream');
    expect(info.metadata).toEqual({});
  });

  it('serves files that were put in the folder by hand (an existing media folder)', async () => {
    mkdirSync(join(root, 'avatars'), { recursive: true });
    writeFileSync(join(root, 'avatars', 'ada.png'), 'png bytes');
    const info = await storage.head('avatars/ada.png');
    expect(info).toMatchObject({ size: 9, contentType: 'image/png' });
    expect((await storage.list({ prefix: 'avatars/' })).objects.map((o) => o.key)).toEqual([
      'avatars/ada.png',
    ]);
  });
});

describe('disk driver: the root is a wall', () => {
  it('refuses to follow a folder link that leads outside the root, for every operation', async () => {
    const outside = join(sandbox, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.txt'), 'do not read');
    mkdirSync(root, { recursive: true });
    symlinkSync(outside, join(root, 'escape'));
    const attempts: (() => Promise<unknown>)[] = [
      () => storage.get('escape/secret.txt'),
      () => storage.head('escape/secret.txt'),
      () => storage.put('escape/new.txt', 'x'),
      () => storage.put('escape/deeper/new.txt', 'x'),
      () => storage.copy('escape/secret.txt', 'stolen.txt'),
      () => storage.move('escape/secret.txt', 'stolen.txt'),
      () => storage.list({ prefix: 'escape/' }),
    ];
    for (const attempt of attempts) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isStorageError(error, 'PERMISSION_DENIED')).toBe(true);
    }
    await expect(storage.delete('escape/secret.txt')).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
    });
    await expect(storage.deletePrefix('escape/')).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
    });
    expect(readdirSync(outside)).toEqual(['secret.txt']);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('do not read');
  });

  it('refuses writes arriving together in a linked folder, each naming its own key', async () => {
    const outside = join(sandbox, 'outside-together');
    mkdirSync(outside);
    mkdirSync(root, { recursive: true });
    symlinkSync(outside, join(root, 'escape'));
    // Concurrent writes into one folder share its resolution (files.ts resolveFolder).
    const keys = Array.from({ length: 16 }, (_, i) => `escape/new-${i}.txt`);
    const errors = await Promise.all(
      keys.map((key) =>
        storage.put(key, 'x').then(
          () => undefined,
          (e: unknown) => e,
        ),
      ),
    );
    errors.forEach((error, i) => {
      expect(isStorageError(error, 'PERMISSION_DENIED')).toBe(true);
      expect((error as { key?: string }).key).toBe(keys[i]);
      expect(String((error as Error).message)).toContain(keys[i]);
    });
    expect(readdirSync(outside)).toEqual([]);
    // And together into new folders inside the root, all land.
    const inside = Array.from({ length: 48 }, (_, i) => `together/d${i % 3}/f${i}.txt`);
    await Promise.all(inside.map((key) => storage.put(key, key)));
    for (const key of inside) expect(await storage.getText(key)).toBe(key);
  });

  it('refuses a file link that leads outside the root', async () => {
    const outside = join(sandbox, 'passwd');
    writeFileSync(outside, 'root:x:0:0');
    mkdirSync(root, { recursive: true });
    symlinkSync(outside, join(root, 'link.txt'));
    await expect(storage.get('link.txt')).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(storage.head('link.txt')).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect((await storage.list()).objects).toEqual([]);
  });

  it('follows links that stay inside the root', async () => {
    await storage.put('real/file.txt', 'inside');
    symlinkSync(join(root, 'real'), join(root, 'alias'));
    expect(await storage.getText('alias/file.txt')).toBe('inside');
  });

  it('lists each file once through links that loop back to a folder being walked', async () => {
    // `ln -s . self` and `ln -s .. a/up`: followed blindly, `self/self/...` never ends (with two
    // loops the listing grows exponentially), and `stowage migrate` would copy without end.
    await storage.put('f.txt', 'f');
    await storage.put('a/g.txt', 'g');
    await storage.put('real/h.txt', 'h');
    symlinkSync('.', join(root, 'self'));
    symlinkSync('..', join(root, 'a', 'up'));
    symlinkSync('real', join(root, 'alias'));
    const keys: string[] = [];
    for await (const object of storage.listAll()) {
      keys.push(object.key);
      if (keys.length > 100) break;
    }
    // A link to a folder elsewhere in the root is listed (it is not a loop); loops are not.
    expect(keys).toEqual(['a/g.txt', 'alias/h.txt', 'f.txt', 'real/h.txt']);
    expect(await storage.getText('self/f.txt')).toBe('f');
  });

  it('reserves its metadata folder and temporary names', async () => {
    await expect(storage.put('.stowage/meta/x.json', '{}')).rejects.toMatchObject({
      code: 'INVALID_KEY',
    });
    await expect(storage.get('a.stowage-tmp')).rejects.toMatchObject({ code: 'INVALID_KEY' });
  });

  it('explains a key that collides with a folder', async () => {
    await storage.put('a/b.txt', 'x');
    const error = await storage.put('a', 'y').catch((e: unknown) => e);
    expect(isStorageError(error, 'ALREADY_EXISTS')).toBe(true);
    expect((error as Error).message).toMatch(/both a file and a folder/);
  });

  it('removes folders that a delete leaves empty', async () => {
    await storage.put('x/y/z.txt', '1');
    await storage.delete('x/y/z.txt');
    expect(readdirSync(root)).toEqual([]);
  });
});

describe('disk driver: regressions found by the conformance suite', () => {
  it("a refused move (onConflict 'fail') keeps the source and the target's metadata", async () => {
    await storage.put('from.txt', 'source', { metadata: { side: 'from' } });
    await storage.put('to.txt', 'target', { metadata: { side: 'to' } });
    await expect(storage.move('from.txt', 'to.txt', { onConflict: 'fail' })).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
    });
    expect(await storage.getText('from.txt')).toBe('source');
    expect(await storage.getText('to.txt')).toBe('target');
    expect((await storage.head('to.txt')).metadata).toEqual({ side: 'to' });
    expect((await storage.head('from.txt')).metadata).toEqual({ side: 'from' });
  });

  it('a key below a file is not found, not a conflict, for reads', async () => {
    await storage.put('file.txt', 'x');
    await expect(storage.head('file.txt/child')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(storage.get('file.txt/child')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await storage.exists('file.txt/child')).toBe(false);
  });
});

describe('disk driver: reading large files', () => {
  // Above the size get() reads eagerly, and several 256 KiB chunks long.
  const SIZE = 3 * 1024 * 1024 + 12_345;
  const content = () => {
    const bytes = new Uint8Array(SIZE);
    for (let i = 0; i < SIZE; i++) bytes[i] = (i * 7 + (i >> 10)) & 0xff;
    return bytes;
  };

  /** Reads a stream with a BYOB reader into one buffer of `size` bytes, reused for every read. */
  async function readByob(stream: ReadableStream<Uint8Array>, size: number) {
    const reader = stream.getReader({ mode: 'byob' });
    const parts: Uint8Array[] = [];
    const bufferSizes = new Set<number>();
    let buffer = new Uint8Array(size);
    for (;;) {
      const { value, done } = await reader.read(buffer);
      if (done) break;
      bufferSizes.add(value.buffer.byteLength);
      parts.push(value.slice());
      buffer = new Uint8Array(value.buffer);
    }
    return { bytes: Buffer.concat(parts), bufferSizes };
  }

  it("reads into a BYOB reader's own buffer, so memory stays flat", async () => {
    const bytes = content();
    await storage.put('big.bin', bytes);
    const { bytes: read, bufferSizes } = await readByob(
      (await storage.get('big.bin')).body(),
      100 * 1024,
    );
    expect(read.equals(bytes)).toBe(true);
    // Every chunk came back in the caller's 100 KiB buffer: none was allocated by the stream.
    expect([...bufferSizes]).toEqual([100 * 1024]);
  });

  it('reads a range with a BYOB reader', async () => {
    const bytes = content();
    await storage.put('big.bin', bytes);
    const object = await storage.get('big.bin', { range: { offset: 70_000, length: 1_000_000 } });
    const { bytes: read } = await readByob(object.body(), 64 * 1024);
    expect(read.equals(bytes.subarray(70_000, 1_070_000))).toBe(true);
  });

  it('fails a read when the file is cut short underneath it, instead of returning less', async () => {
    await storage.put('big.bin', content());
    const object = await storage.get('big.bin');
    // Another process truncates the file after get() opened it.
    writeFileSync(join(root, 'big.bin'), 'short');
    const error = await new Response(object.body()).arrayBuffer().catch((e: unknown) => e);
    expect(isStorageError(error, 'PRECONDITION_FAILED')).toBe(true);
    expect(error).toMatchObject({ key: 'big.bin', operation: 'get', retryable: true });
    expect((error as Error).message).toMatch(/ended early/);
  });

  it('fails bytes() too when the file is cut short after get(), instead of returning less', async () => {
    await storage.put('big.bin', content());
    const object = await storage.get('big.bin');
    writeFileSync(join(root, 'big.bin'), 'short');
    await expect(object.bytes()).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
  });

  it('fails a read when the file is written in place while it is read, instead of mixing versions', async () => {
    // Another program rewrites the file in place (same size) between two chunks: the bytes read
    // would be part old, part new. `stowage migrate` copied such a mix and reported it copied.
    await storage.put('big.bin', content());
    const object = await storage.get('big.bin');
    const reader = object.body().getReader();
    expect((await reader.read()).done).toBe(false);
    const fd = openSync(join(root, 'big.bin'), 'r+');
    try {
      writeSync(fd, Buffer.alloc(4096, 0x42), 0, 4096, 2 * 1024 * 1024);
      // A later mtime, whatever the file system's timestamp granularity.
      futimesSync(fd, new Date(), new Date(Date.now() + 5_000));
    } finally {
      closeSync(fd);
    }
    const error = await (async () => {
      for (;;) if ((await reader.read()).done) return undefined;
    })().catch((e: unknown) => e);
    expect(isStorageError(error, 'PRECONDITION_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/changed while being read/);
  });

  it.runIf(process.platform === 'linux')('closes the file when a reader stops early', async () => {
    await storage.put('big.bin', content());
    const open = () => readdirSync('/proc/self/fd').length;
    const before = open();
    const reader = (await storage.get('big.bin')).body().getReader();
    await reader.read();
    expect(open()).toBe(before + 1);
    await reader.cancel();
    expect(open()).toBe(before);
  });
});

/** Descriptors this process holds open under `dir`: files and folders. */
function openUnder(dir: string): { files: number; folders: number } {
  const counts = { files: 0, folders: 0 };
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed meanwhile (the fd of readdirSync itself)
    }
    if (!target.startsWith(`${dir}/`)) continue;
    const info = statSync(target, { throwIfNoEntry: false });
    if (info?.isDirectory()) counts.folders++;
    else counts.files++;
  }
  return counts;
}

describe('disk driver: folders changed outside Stowage between writes', () => {
  it.runIf(process.platform === 'linux')(
    'a folder moved aside outside Stowage is never written through its old place',
    async () => {
      await storage.put('albums/0.txt', 'zero');
      await storage.put('albums/1.txt', 'one');
      renameSync(join(root, 'albums'), join(root, 'albums-old'));
      await storage.put('albums/2.txt', 'two');
      expect(readFileSync(join(root, 'albums/2.txt'), 'utf8')).toBe('two');
      expect(filesUnder(join(root, 'albums-old'))).toEqual(['0.txt', '1.txt']);
    },
  );

  it.runIf(process.platform === 'linux')(
    'a folder swapped for a link out of the root after it was written to is refused',
    async () => {
      const outside = join(sandbox, 'outside');
      mkdirSync(outside);
      await storage.put('albums/0.txt', 'zero');
      await storage.put('albums/1.txt', 'one');
      renameSync(join(root, 'albums'), join(root, 'albums-old'));
      symlinkSync(outside, join(root, 'albums'));
      const error = await storage.put('albums/2.txt', 'two').catch((e: unknown) => e);
      expect(isStorageError(error, 'PERMISSION_DENIED')).toBe(true);
      expect(readdirSync(outside)).toEqual([]);
    },
  );

  it('a folder removed and written to again', async () => {
    await storage.put('albums/0.txt', 'zero');
    await storage.put('albums/1.txt', 'one');
    await storage.deletePrefix('albums/');
    await storage.put('albums/2.txt', 'two');
    expect(filesUnder(join(root, 'albums'))).toEqual(['2.txt']);
  });

  it.runIf(process.platform === 'linux')(
    'writes into many folders at once all land, and no descriptor stays open',
    async () => {
      // Twice into each folder: the first put makes it, the second finds it.
      for (let round = 0; round < 2; round++) {
        await Promise.all(
          Array.from({ length: 100 }, (_, i) => storage.put(`f${i}/x/${i}.txt`, `${i}`)),
        );
      }
      for (let i = 0; i < 100; i++) expect(await storage.getText(`f${i}/x/${i}.txt`)).toBe(`${i}`);
      const { files, folders } = openUnder(root);
      expect(files).toBe(0);
      expect(folders).toBe(0);
    },
  );
});

describe('disk driver: closing files', () => {
  it.runIf(process.platform === 'linux')(
    'puts, reads and refused writes leave no descriptor open',
    async () => {
      const open = () => {
        const { files, folders } = openUnder(root);
        return files + folders;
      };
      await storage.put('warm.txt', 'warm');
      const before = open();
      for (let i = 0; i < 20; i++) {
        await storage.put(`top-${i}.txt`, `body ${i}`);
        await storage.put(`deep/er/${i}.bin`, new Uint8Array(70 * 1024).fill(i));
        await storage.put(`streamed/${i}.txt`, Readable.from(['a', 'b']));
        await expect(
          storage.put(`top-${i}.txt`, 'again', { onConflict: 'fail' }),
        ).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
        expect(await storage.getText(`top-${i}.txt`)).toBe(`body ${i}`);
        expect((await storage.getBytes(`deep/er/${i}.bin`)).byteLength).toBe(70 * 1024);
      }
      expect(open()).toBe(before);
    },
  );

  it('closes at once only on local file systems, where close() cannot report a failed write', () => {
    expect(quietClose('linux', 0xef53)).toBe(true); // ext4
    expect(quietClose('linux', 0x01021994)).toBe(true); // tmpfs
    expect(quietClose('linux', 0x58465342n)).toBe(true); // xfs, as a bigint
    expect(quietClose('linux', 0x6969)).toBe(false); // NFS writes back at close
    expect(quietClose('linux', 0x65735546)).toBe(false); // FUSE (s3fs, gcsfuse)
    expect(quietClose('linux', 0xff534d42)).toBe(false); // SMB
    expect(quietClose('linux', undefined)).toBe(false); // statfs failed
    expect(quietClose('darwin', 0xef53)).toBe(false);
  });
});
