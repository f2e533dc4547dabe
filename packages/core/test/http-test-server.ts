import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler, type WebHandler } from '@stowage/core/http';

/** A real HTTP server on 127.0.0.1 running `handler` through `toNodeHandler`. */
export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  server: Server;
  close(): Promise<void>;
}

export async function startServer(handler: WebHandler): Promise<TestServer> {
  const server = createServer(toNodeHandler(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Routes by path prefix, 404 otherwise: several handlers on one test server. */
export function route(routes: Record<string, WebHandler>): WebHandler {
  return async (request) => {
    const { pathname } = new URL(request.url);
    for (const [prefix, handler] of Object.entries(routes)) {
      if (pathname === prefix || pathname.startsWith(`${prefix}/`)) return handler(request);
    }
    return new Response('no route', { status: 404 });
  };
}
