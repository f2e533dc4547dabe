import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  createStorage,
  type Driver,
  disk as diskDriver,
  type ObjectInfo,
  type Storage,
  StorageError,
} from '@stowage/core';
import { NO_CAPABILITIES } from '@stowage/core/driver';
import { createFileHandler } from '@stowage/core/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './http-test-server.js';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;

interface SourceEvents {
  produced: number;
  cancelled: boolean;
}

/**
 * A read-only driver whose objects are generated on demand, chunk by chunk as they are pulled:
 * nothing is held in memory, so any buffering in the handler shows up in RSS.
 */
function generatedDriver(sizes: Record<string, number>, events: SourceEvents): Driver {
  const infoOf = (key: string): ObjectInfo => {
    const size = sizes[key];
    if (size === undefined) throw new StorageError('NOT_FOUND', 'missing', { key });
    return {
      key,
      size,
      contentType: 'application/octet-stream',
      etag: `"gen-${size}"`,
      metadata: {},
      visibility: 'public',
    };
  };
  return {
    name: 'generated',
    capabilities: { ...NO_CAPABILITIES, rangeRead: true },
    async put() {
      throw new StorageError('UNSUPPORTED', 'read-only');
    },
    async get(key, options) {
      const info = infoOf(key);
      const start = options.range?.offset ?? 0;
      const end =
        options.range?.length === undefined
          ? info.size
          : Math.min(info.size, start + options.range.length);
      let position = start;
      return {
        info,
        ...(options.range ? { range: { offset: start, length: end - start } } : {}),
        body: () =>
          new ReadableStream<Uint8Array>({
            pull(controller) {
              if (position >= end) return controller.close();
              const length = Math.min(CHUNK, end - position);
              // A fresh buffer each time, so that retained chunks would cost memory.
              controller.enqueue(new Uint8Array(length).fill(position % 251));
              position += length;
              events.produced += length;
            },
            cancel() {
              events.cancelled = true;
            },
          }),
      };
    },
    async head(key) {
      return infoOf(key);
    },
    async delete() {},
    async list() {
      return { objects: [], prefixes: [] };
    },
  };
}

// A full GC on demand (vitest's config is not ours to change, so no --expose-gc flag): chunks
// already sent are garbage, and collecting them leaves in RSS only what is really held.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

let server: TestServer;
const events: SourceEvents = { produced: 0, cancelled: false };

beforeAll(async () => {
  const storage = createStorage(
    generatedDriver({ 'big.bin': 100 * MiB, 'endless.bin': Number.MAX_SAFE_INTEGER }, events),
  );
  server = await startServer(createFileHandler(storage, { basePath: '/files' }));
});

afterAll(async () => {
  await server.close();
});

describe('createFileHandler: streaming', () => {
  it('streams a 100 MiB object without buffering it', async () => {
    // Warm up: the first large transfer grows V8's young generation and malloc's arenas for good;
    // measured after it, RSS growth is what this transfer holds, not one-off heap sizing.
    const warmUp = await fetch(`${server.origin}/files/big.bin`, {
      headers: { Range: `bytes=0-${32 * MiB - 1}` },
    });
    await warmUp.arrayBuffer();
    collectGarbage();
    const baseline = process.memoryUsage.rss();
    let peakRss = baseline;
    events.produced = 0;
    let inFlight = 0;

    const res = await fetch(`${server.origin}/files/big.bin`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(100 * MiB));
    const reader = res.body!.getReader();
    let received = 0;
    let sampledAt = -Infinity;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      // What the source produced but the client has not received is what is buffered on the way.
      inFlight = Math.max(inFlight, events.produced - received);
      if (received - sampledAt >= 8 * MiB) {
        sampledAt = received;
        // Garbage (chunks already sent) is collected so that only what is held shows.
        collectGarbage();
        peakRss = Math.max(peakRss, process.memoryUsage.rss());
      }
    }
    expect(received).toBe(100 * MiB);
    expect(inFlight / MiB).toBeLessThan(16);
    expect((peakRss - baseline) / MiB).toBeLessThan(64);
  });

  it('streams a range of a large object', async () => {
    const res = await fetch(`${server.origin}/files/big.bin`, {
      headers: { Range: `bytes=${50 * MiB}-${50 * MiB + 9}` },
    });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes ${50 * MiB}-${50 * MiB + 9}/${100 * MiB}`);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(
      new Uint8Array(10).fill((50 * MiB) % 251),
    );
  });

  it('cancels the storage read when the client disconnects', async () => {
    events.produced = 0;
    events.cancelled = false;
    const aborter = new AbortController();
    const res = await fetch(`${server.origin}/files/endless.bin`, { signal: aborter.signal });
    const reader = res.body!.getReader();
    let received = 0;
    while (received < 4 * MiB) {
      const { value } = await reader.read();
      received += value?.byteLength ?? 0;
    }
    aborter.abort();
    await reader.cancel().catch(() => {});
    const deadline = Date.now() + 5000;
    while (!events.cancelled && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(events.cancelled).toBe(true);
    const producedAtCancel = events.produced;
    await new Promise((r) => setTimeout(r, 200));
    // Nothing more is read once cancelled, and little was read ahead of the client.
    expect(events.produced).toBe(producedAtCancel);
    expect(producedAtCancel).toBeLessThan(received + 32 * MiB);
  });
});

describe('toNodeHandler: serving disk files (byte streams)', () => {
  let dir: string;
  let disk: TestServer;
  let diskStorage: Storage;
  const content = randomBytes(6 * MiB + 12345);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stowage-serve-'));
    diskStorage = createStorage(diskDriver({ root: dir }));
    await diskStorage.put('media/big.bin', content);
    disk = await startServer(createFileHandler(diskStorage, { basePath: '/files' }));
  });

  afterAll(async () => {
    await disk.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

  it('sends every byte of a large file, in order', async () => {
    const res = await fetch(`${disk.origin}/files/media/big.bin`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(content.byteLength));
    expect(sha(new Uint8Array(await res.arrayBuffer()))).toBe(sha(content));
  });

  it('sends a range of a large file', async () => {
    const res = await fetch(`${disk.origin}/files/media/big.bin`, {
      headers: { Range: 'bytes=1000001-4000000' },
    });
    expect(res.status).toBe(206);
    expect(sha(new Uint8Array(await res.arrayBuffer()))).toBe(
      sha(content.subarray(1000001, 4000001)),
    );
  });

  it('serves several large downloads at once, each intact', async () => {
    const bodies = await Promise.all(
      Array.from({ length: 4 }, () =>
        fetch(`${disk.origin}/files/media/big.bin`).then((r) => r.arrayBuffer()),
      ),
    );
    for (const body of bodies) expect(sha(new Uint8Array(body))).toBe(sha(content));
  });

  it.runIf(process.platform === 'linux')(
    'closes the file when the client goes away mid-download',
    async () => {
      await diskStorage.put('media/huge.bin', new Uint8Array(64 * MiB));
      const open = () => readdirSync('/proc/self/fd').length;
      const before = open();
      const aborter = new AbortController();
      const res = await fetch(`${disk.origin}/files/media/huge.bin`, { signal: aborter.signal });
      const reader = res.body!.getReader();
      let received = 0;
      while (received < 2 * MiB) received += (await reader.read()).value?.byteLength ?? 0;
      aborter.abort();
      await reader.cancel().catch(() => {});
      const deadline = Date.now() + 5000;
      while (open() > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(open()).toBe(before);
    },
  );

  it('fails the download when the file is cut short while being sent, never a short success', async () => {
    // Several times: the read fails while a send may still be in flight, and that send's own
    // failure must not surface as an unhandled rejection (Vitest fails the run on one).
    for (let round = 0; round < 4; round++) {
      const key = `media/shrinking-${round}.bin`;
      await diskStorage.put(key, new Uint8Array(32 * MiB).fill(9));
      const res = await fetch(`${disk.origin}/files/${key}`);
      const reader = res.body!.getReader();
      await reader.read();
      // Another process truncates the file while it is being served.
      writeFileSync(join(dir, key), 'short');
      let received = 0;
      const read = async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return received;
          received += value.byteLength;
        }
      };
      await expect(read()).rejects.toThrow();
      expect(received).toBeLessThan(32 * MiB);
    }
  });
});
