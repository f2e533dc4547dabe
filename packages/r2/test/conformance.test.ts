import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createStorage, type Storage } from '@stowage/core';
import { createFileHandler, toNodeHandler } from '@stowage/core/http';
import { runConformance } from '@stowage/core/testing';
import { r2 } from '@stowage/r2';
import { afterAll, describe, expect, it } from 'vitest';
import { freshBucket } from './r2-test-env.js';
import { type RecordedRequest, startRecordingForwarder } from './recording-forwarder.js';

// The whole suite runs on the Ceph gateway with R2's profile, through a forwarder that records
// every request on the wire, and with the media proxy serving url() over real HTTP.
const recorded: RecordedRequest[] = [];
const closers: (() => Promise<void>)[] = [];
let storage: Storage;

runConformance({
  name: 'r2 (Ceph gateway, R2 profile, media proxy)',
  create: async () => {
    const { server, bucket } = await freshBucket('stowage-r2');
    const forwarder = await startRecordingForwarder(server.endpoint);
    const proxy = createServer();
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as AddressInfo;
    storage = createStorage(
      r2({
        accountId: '0123456789abcdef',
        bucket,
        accessKeyId: server.accessKeyId,
        secretAccessKey: server.secretAccessKey,
        endpoint: forwarder.url,
        mediaProxy: `http://127.0.0.1:${port}/media-proxy`,
      }),
    );
    proxy.on('request', toNodeHandler(createFileHandler(storage, { basePath: '/media-proxy' })));
    closers.push(async () => {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }, forwarder.close);
    // Shared by reference: the checks below read what the suite sent.
    recorded.length = 0;
    forwarder.requests.push = (...items) => recorded.push(...items);
    return { storage };
  },
});

describe('r2: what went over the wire during the suite', () => {
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('never sent an ACL, tagging or checksum header, and no delete batch over 700 keys', async () => {
    // A delete of 1,500 keys, batched, and a prefix delete on top of the suite's own requests.
    const keys = Array.from({ length: 1500 }, (_, i) => `bulk/${String(i).padStart(4, '0')}.txt`);
    await Promise.all(keys.slice(0, 40).map((key) => storage.put(key, 'x')));
    await storage.deleteMany(keys);
    expect(recorded.length).toBeGreaterThan(200);
    const headerNames = new Set(recorded.flatMap((r) => Object.keys(r.headers)));
    const forbidden = [...headerNames].filter((name) =>
      /^x-amz-(acl|tagging|checksum-|sdk-checksum-algorithm|grant-)/.test(name),
    );
    expect(
      forbidden,
      JSON.stringify(
        recorded
          .filter((r) => Object.keys(r.headers).some((h) => forbidden.includes(h)))
          .slice(0, 3)
          .map((r) => [r.method, r.url, r.headers]),
      ),
    ).toEqual([]);
    const batches = recorded.filter((r) => r.deleteKeys !== undefined).map((r) => r.deleteKeys!);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...batches)).toBeLessThanOrEqual(700);
    expect(batches.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1500);
    // No request ever went to a POST-policy upload (R2 has none): signedUpload is a presigned PUT.
    expect(recorded.some((r) => r.method === 'POST' && r.url === '/')).toBe(false);
  });

  it('refuses visibility instead of ignoring it', async () => {
    expect(storage.capabilities.visibility).toBe(false);
    await expect(storage.put('v.txt', 'x', { visibility: 'public' })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
    });
    const upload = await storage.signedUpload('direct.txt', {
      expiresIn: 60,
      contentType: 'text/plain',
    });
    expect(upload.method).toBe('PUT');
  });
});
