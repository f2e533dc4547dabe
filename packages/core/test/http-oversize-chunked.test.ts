import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage, type Driver, disk, memory, type Storage } from '@stowage/core';
import { createUploadHandler, errorResponse, receiveUpload } from '@stowage/core/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedUrlFor } from '../src/signing.js';
import { route, startServer, type TestServer } from './http-test-server.js';

/**
 * An oversize upload sent chunked (no Content-Length, so it can only be refused while it streams)
 * by a client that keeps sending as fast as the connection takes it: the client must still read
 * the 413, not a connection reset.
 */
const SECRET = 'oversize-chunked-secret';
const MAX = 64 * 1024;
/** How much the client is ready to send: far more than the server drains after answering. */
const CLIENT_LIMIT = 256 * 1024 * 1024;

let root: string;
let server: TestServer;
const storages: Record<string, Storage> = {};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'stowage-chunked-'));
  storages.memory = createStorage(memory());
  storages.disk = createStorage(disk({ root }));
  storages.slow = createStorage(slowToFail(memory()));
  const routes: Parameters<typeof route>[0] = {};
  for (const [name, storage] of Object.entries(storages)) {
    routes[`/${name}/put`] = createUploadHandler(storage, {
      basePath: `/${name}/put`,
      signingSecret: SECRET,
      maxSize: MAX,
    });
    routes[`/${name}/form`] = async (request) => {
      try {
        const { object } = await receiveUpload(request, storage, { maxSize: MAX, key: 'form.bin' });
        return Response.json(object, { status: 201 });
      } catch (error) {
        return errorResponse(error);
      }
    };
  }
  server = await startServer(route(routes));
});

afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

/**
 * A backend that takes a while to give up a failed write (an S3 multipart upload being aborted):
 * the 413 is written well after the body was refused, while the client is still sending.
 */
function slowToFail(inner: Driver): Driver {
  return {
    ...inner,
    put: async (key, body, options) => {
      try {
        return await inner.put(key, body, options);
      } catch (error) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        throw error;
      }
    },
  };
}

interface Outcome {
  status?: number;
  body?: string;
  error?: string;
  sent: number;
}

/**
 * Streams chunks with `Transfer-Encoding: chunked` until the response arrives (or the limit),
 * honouring backpressure, then reads the whole response.
 */
function sendChunked(path: string, method: string, headers: Record<string, string>, head: Buffer) {
  return new Promise<Outcome>((resolve) => {
    const outcome: Outcome = { sent: 0 };
    const { port } = new URL(server.origin);
    const req = httpRequest({
      host: '127.0.0.1',
      port: Number(port),
      method,
      path,
      headers: { ...headers, 'Transfer-Encoding': 'chunked' },
    });
    let answered = false;
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = () => {
      while (!answered && outcome.sent < CLIENT_LIMIT) {
        const more = req.write(outcome.sent === 0 ? head : chunk);
        outcome.sent += outcome.sent === 0 ? head.byteLength : chunk.byteLength;
        if (!more) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    req.on('response', (res) => {
      answered = true;
      outcome.status = res.statusCode;
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => {
        outcome.body = Buffer.concat(parts).toString('utf8');
        req.destroy();
        resolve(outcome);
      });
      res.on('error', (error) => {
        outcome.error = error.message;
        resolve(outcome);
      });
    });
    req.on('error', (error) => {
      if (outcome.body !== undefined) return;
      outcome.error = `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}`;
      resolve(outcome);
    });
    pump();
  });
}

describe.each(['memory', 'disk', 'slow'])('an oversize chunked upload on %s', (name) => {
  it('gets its 413 from createUploadHandler, and nothing is stored', async () => {
    for (let round = 0; round < 5; round++) {
      const key = `big-${round}.bin`;
      const url = new URL(
        signedUrlFor(
          `${server.origin}/${name}/put`,
          { method: 'PUT', key, expires: Math.floor(Date.now() / 1000) + 60 },
          SECRET,
        ),
      );
      const outcome = await sendChunked(
        `${url.pathname}${url.search}`,
        'PUT',
        {},
        Buffer.alloc(1024),
      );
      expect(outcome.error, `round ${round}`).toBeUndefined();
      expect(outcome.status).toBe(413);
      expect(JSON.parse(outcome.body!).error.code).toBe('TOO_LARGE');
      expect(outcome.sent).toBeLessThan(CLIENT_LIMIT);
      expect(await storages[name]!.exists(key)).toBe(false);
    }
  });

  it('gets its 413 from receiveUpload, and nothing is stored', async () => {
    const head = Buffer.from(
      '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n',
    );
    for (let round = 0; round < 5; round++) {
      const outcome = await sendChunked(
        `/${name}/form`,
        'POST',
        { 'Content-Type': 'multipart/form-data; boundary=XYZ' },
        head,
      );
      expect(outcome.error, `round ${round}`).toBeUndefined();
      expect(outcome.status).toBe(413);
      expect(JSON.parse(outcome.body!).error.code).toBe('TOO_LARGE');
      expect(outcome.sent).toBeLessThan(CLIENT_LIMIT);
      expect(await storages[name]!.exists('form.bin')).toBe(false);
    }
  });
});
