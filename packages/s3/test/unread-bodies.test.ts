import { Agent } from 'node:http';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createStorage, isStorageError, type Storage, type StoredObject } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3 } from '../src/index.js';
import { driverOptions, tempBucket } from './helpers.js';

// A get() whose body is never read must not keep a socket: with a pool of 8, the 9th get() would
// otherwise wait for ever.
const MAX_SOCKETS = 8;

function pattern(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed + (i >> 10)) & 0xff;
  return bytes;
}

function socketsInUse(agent: Agent): number {
  return Object.values(agent.sockets).reduce((n, list) => n + (list?.length ?? 0), 0);
}

/** Sockets in use once the agent has processed closes and frees (events, not instants). */
async function settledSocketsInUse(agent: Agent): Promise<number> {
  for (let i = 0; i < 100 && socketsInUse(agent) > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return socketsInUse(agent);
}

let bucket: Awaited<ReturnType<typeof tempBucket>>;
let agent: Agent;
let storage: Storage;
const data = pattern(200 * 1024, 1);

beforeAll(async () => {
  bucket = await tempBucket('unread');
  agent = new Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  storage = createStorage(
    s3(driverOptions(bucket.name, { clientConfig: { requestHandler: { httpAgent: agent } } })),
  );
  await storage.put('big.bin', data);
});
afterAll(async () => {
  await storage?.close();
  agent?.destroy();
  await bucket?.remove();
});

describe('bodies that are never read', () => {
  it('100 get() with unread bodies leave the socket pool free', { timeout: 20_000 }, async () => {
    const objects: StoredObject[] = [];
    for (let i = 0; i < 100; i++) objects.push(await storage.get('big.bin'));
    expect(await settledSocketsInUse(agent)).toBe(0);
    expect(agent.requests).toEqual({});
    // The pool still serves other requests...
    expect((await storage.head('big.bin')).size).toBe(data.length);
    // ...and a body read late is still the whole object.
    const late = objects[3] as StoredObject;
    expect(Buffer.from(await late.bytes()).equals(Buffer.from(data))).toBe(true);
    const ranged = await storage.get('big.bin', { range: { offset: 70_000, length: 100_000 } });
    expect(await settledSocketsInUse(agent)).toBe(0);
    expect(Buffer.from(await ranged.bytes()).equals(Buffer.from(data.slice(70_000, 170_000)))).toBe(
      true,
    );
  });

  it('a cancelled body releases its socket', async () => {
    const object = await storage.get('big.bin');
    const reader = object.body().getReader();
    await reader.read();
    await reader.cancel();
    expect(await settledSocketsInUse(agent)).toBe(0);
  });

  it('an object overwritten between get() and the read fails the read instead of mixing versions', async () => {
    await storage.put('changing.bin', pattern(200 * 1024, 2));
    const object = await storage.get('changing.bin');
    await bucket.client.send(
      new PutObjectCommand({
        Bucket: bucket.name,
        Key: 'changing.bin',
        Body: pattern(200 * 1024, 3),
      }),
    );
    const error = await object.bytes().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isStorageError(error, 'PRECONDITION_FAILED'), String(error)).toBe(true);
  });
});
