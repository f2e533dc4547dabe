import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { HeadObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { createStorage, isStorageError } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3 } from '../src/index.js';
import { driverOptions, generated, server, tempBucket } from './helpers.js';

const MiB = 1024 * 1024;

/** A TCP proxy in front of the gateway that can be cut off, like a server that goes away. */
class TcpProxy {
  private readonly sockets = new Set<Socket>();
  readonly server: Server;
  /** Bytes sent from the client to the gateway. */
  sent = 0;

  constructor(target: URL) {
    this.server = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.on('data', (data: Buffer) => {
        this.sent += data.byteLength;
      });
      client.pipe(upstream).pipe(client);
    });
  }

  async listen(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Stops accepting and cuts every open connection. */
  kill(): void {
    this.server.close();
    for (const socket of this.sockets) socket.destroy();
  }
}

let bucket: Awaited<ReturnType<typeof tempBucket>>;
beforeAll(async () => {
  bucket = await tempBucket('net');
});
afterAll(async () => {
  await bucket?.remove();
});

describe('the server going away mid-upload', () => {
  it('fails with a typed error and leaves no object under the key', {
    timeout: 120_000,
  }, async () => {
    const proxy = new TcpProxy(new URL(server().endpoint));
    const endpoint = await proxy.listen();
    const storage = createStorage(s3(driverOptions(bucket.name, { endpoint })));
    const key = 'cut/large.bin';
    async function* body(): AsyncGenerator<Uint8Array> {
      for await (const chunk of generated(96 * MiB, 256 * 1024)) {
        // Cut the connection once a few parts went through.
        if (proxy.sent > 24 * MiB && proxy.server.listening) proxy.kill();
        yield chunk;
      }
    }
    try {
      const error = await storage.put(key, body()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isStorageError(error), String(error)).toBe(true);
      if (!isStorageError(error)) return;
      expect(error.code).toBe('NETWORK');
      expect(error.retryable).toBe(true);
      expect(error).toMatchObject({ driver: 's3', operation: 'put', key });
    } finally {
      proxy.kill();
      await storage.close();
    }
    // Straight to the gateway: nothing was stored under the key.
    const head = await bucket.client
      .send(new HeadObjectCommand({ Bucket: bucket.name, Key: key }))
      .catch((e) => e);
    expect(head?.$metadata?.httpStatusCode).toBe(404);
    // The driver's AbortMultipartUpload went through the dead proxy too, so the incomplete upload
    // (parts, no object) stays until a lifecycle rule or a later abort removes it.
    const uploads = await bucket.client.send(
      new ListMultipartUploadsCommand({ Bucket: bucket.name, Prefix: key }),
    );
    expect(uploads.Uploads ?? []).toHaveLength(1);
  });

  it('a connection lost while reading a body is a NETWORK StorageError', {
    timeout: 60_000,
  }, async () => {
    const direct = createStorage(s3(driverOptions(bucket.name)));
    await direct.put('cut/read.bin', generated(16 * MiB, MiB));
    await direct.close();
    const proxy = new TcpProxy(new URL(server().endpoint));
    const storage = createStorage(
      s3(driverOptions(bucket.name, { endpoint: await proxy.listen() })),
    );
    try {
      const reader = (await storage.get('cut/read.bin')).body().getReader();
      await reader.read();
      proxy.kill();
      const error = await (async () => {
        for (;;) if ((await reader.read()).done) return undefined;
      })().catch((e: unknown) => e);
      expect(isStorageError(error, 'NETWORK'), String(error)).toBe(true);
    } finally {
      proxy.kill();
      await storage.close();
    }
  });
});
