import { once } from 'node:events';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { createStorage, isStorageError } from '@stowage/core';
import { r2 } from '@stowage/r2';
import { expect, it } from 'vitest';

it('r2() requests to a server that never answers fail with a retryable NETWORK error', {
  timeout: 20_000,
}, async () => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const storage = createStorage(
    r2({
      accountId: 'abc123',
      bucket: 'media',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'r2-secret-value',
      endpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      timeouts: { requestMs: 500 },
    }),
  );
  try {
    const error = await storage.head('a.png').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isStorageError(error, 'NETWORK'), String(error)).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(true);
  } finally {
    await storage.close();
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
});
