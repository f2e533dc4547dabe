import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { createStorage, isStorageError, type StorageError } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3 } from '../src/index.js';
import { driverOptions } from './helpers.js';

/** A server that accepts connections and never answers: a frozen S3 server. */
async function silentServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<StorageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isStorageError(error), String(error)).toBe(true);
  return error as StorageError;
}

let silent: Awaited<ReturnType<typeof silentServer>>;
beforeAll(async () => {
  silent = await silentServer();
});
afterAll(async () => {
  await silent?.close();
});

describe('a server that stops answering', () => {
  it('head() fails with a retryable NETWORK error after the request timeout', {
    timeout: 20_000,
  }, async () => {
    const storage = createStorage(
      s3(
        driverOptions('frozen', {
          endpoint: silent.url,
          timeouts: { connectMs: 1000, requestMs: 1000 },
          clientConfig: { maxAttempts: 1 },
        }),
      ),
    );
    try {
      const error = await failure(storage.head('a.txt'));
      expect(error.code).toBe('NETWORK');
      expect(error.retryable).toBe(true);
      expect(error.operation).toBe('head');
    } finally {
      await storage.close();
    }
  });

  it('without options, the default request timeout (30 s) still ends the wait', {
    timeout: 60_000,
  }, async () => {
    const storage = createStorage(
      s3(driverOptions('frozen', { endpoint: silent.url, clientConfig: { maxAttempts: 1 } })),
    );
    try {
      const error = await failure(storage.head('a.txt'));
      expect(error.code).toBe('NETWORK');
      expect(error.retryable).toBe(true);
    } finally {
      await storage.close();
    }
  });

  it('a body that stalls halfway fails the read with a retryable NETWORK error', {
    timeout: 20_000,
  }, async () => {
    // Answers GET with headers and half the body, then nothing.
    const stalling = createHttpServer((_req, res) => {
      res.writeHead(200, {
        'content-length': String(256 * 1024),
        'content-type': 'application/octet-stream',
        etag: '"0123456789abcdef0123456789abcdef"',
      });
      res.write(Buffer.alloc(128 * 1024, 1));
    });
    stalling.listen(0, '127.0.0.1');
    await once(stalling, 'listening');
    const url = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}`;
    const storage = createStorage(
      s3(
        driverOptions('stalling', {
          endpoint: url,
          timeouts: { connectMs: 1000, requestMs: 1000 },
          clientConfig: { maxAttempts: 1 },
        }),
      ),
    );
    try {
      const object = await storage.get('big.bin');
      const error = await failure(object.bytes());
      expect(error.code).toBe('NETWORK');
      expect(error.retryable).toBe(true);
    } finally {
      await storage.close();
      stalling.closeAllConnections();
      stalling.close();
    }
  });

  it('timeouts must be positive whole numbers of milliseconds', () => {
    for (const timeouts of [{ connectMs: 0 }, { requestMs: -1 }, { requestMs: 1.5 }]) {
      expect(() => s3({ bucket: 'b', timeouts })).toThrow(
        expect.objectContaining({ code: 'CONFIG', message: expect.stringContaining('timeouts') }),
      );
    }
  });
});
