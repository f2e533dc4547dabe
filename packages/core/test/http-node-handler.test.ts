import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { createStorage, memory } from '@stowage/core';
import { createFileHandler, toNodeHandler } from '@stowage/core/http';
import { afterEach, describe, expect, it } from 'vitest';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Array<ReturnType<typeof createServer>> = [];

async function listen(listener: Listener): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('toNodeHandler', () => {
  it('uses the full path under an Express-style mount (req.originalUrl)', async () => {
    const storage = createStorage(memory());
    await storage.put('a/b.txt', 'mounted', { visibility: 'public' });
    const files = toNodeHandler(createFileHandler(storage, { basePath: '/media' }));
    // What `app.use('/media', handler)` does: strips the mount path from req.url, keeps originalUrl.
    const origin = await listen((req, res) => {
      const original = req.url ?? '/';
      Object.assign(req, { originalUrl: original, url: original.slice('/media'.length) || '/' });
      files(req, res);
    });
    const res = await fetch(`${origin}/media/a/b.txt?x=1`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('mounted');
  });

  it('streams request bodies in and passes method, query and headers', async () => {
    const origin = await listen(
      toNodeHandler(async (request) => {
        const url = new URL(request.url);
        const text = await request.text();
        return Response.json({
          method: request.method,
          path: url.pathname,
          q: url.searchParams.get('q'),
          header: request.headers.get('x-custom'),
          length: text.length,
        });
      }),
    );
    const res = await fetch(`${origin}/echo?q=%C3%A9`, {
      method: 'POST',
      headers: { 'X-Custom': 'yes' },
      body: 'x'.repeat(300_000),
    });
    expect(await res.json()).toEqual({
      method: 'POST',
      path: '/echo',
      q: 'é',
      header: 'yes',
      length: 300_000,
    });
  });

  it('writes every Set-Cookie header and the status', async () => {
    const origin = await listen(
      toNodeHandler(async () => {
        const headers = new Headers();
        headers.append('Set-Cookie', 'a=1');
        headers.append('Set-Cookie', 'b=2');
        return new Response('made', { status: 201, headers });
      }),
    );
    const res = await fetch(origin);
    expect(res.status).toBe(201);
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
  });

  it('answers 500 when the handler throws, or passes the error to next()', async () => {
    const failing = toNodeHandler(async () => {
      throw new Error('secret detail');
    });
    const plain = await listen((req, res) => failing(req, res));
    const res = await fetch(plain);
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('secret detail');

    const seen: unknown[] = [];
    const withNext = await listen((req, res) =>
      failing(req, res, (error) => {
        seen.push(error);
        res.statusCode = 599;
        res.end();
      }),
    );
    expect((await fetch(withNext)).status).toBe(599);
    expect(seen).toHaveLength(1);
  });

  it('does not let a forged Host header move the path', async () => {
    const origin = await listen(
      toNodeHandler(async (request) => new Response(new URL(request.url).pathname)),
    );
    const { port } = new URL(origin);
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path: '/real', headers: { Host: 'evil.example/fake' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(body).toBe('/real');
  });

  it('aborts the request signal when the client goes away', async () => {
    let aborted: () => void = () => {};
    const wasAborted = new Promise<void>((resolve) => {
      aborted = resolve;
    });
    const origin = await listen(
      toNodeHandler(async (request) => {
        request.signal.addEventListener('abort', () => aborted());
        await wasAborted;
        return new Response('too late');
      }),
    );
    const client = new AbortController();
    const pending = fetch(origin, { signal: client.signal }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    client.abort();
    await pending;
    await expect(
      Promise.race([
        wasAborted.then(() => 'aborted'),
        new Promise((r) => setTimeout(r, 3000, 'timeout')),
      ]),
    ).resolves.toBe('aborted');
  });
});
