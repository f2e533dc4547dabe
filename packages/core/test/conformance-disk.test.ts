import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage, disk } from '@stowage/core';
import { createFileHandler, createUploadHandler, toNodeHandler } from '@stowage/core/http';
import { runConformance } from '@stowage/core/testing';

const SECRET = 'conformance-signing-secret-0123456789';

// The disk driver's URLs are served by this process: a real HTTP server with the file handler
// (GET/HEAD) and the upload handler (signed PUT) on /media, as an app would mount them.
runConformance({
  name: 'disk',
  create: async () => {
    const root = mkdtempSync(join(tmpdir(), 'stowage-conformance-disk-'));
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const storage = createStorage(
      disk({ root, publicBaseUrl: `http://127.0.0.1:${port}/media`, signingSecret: SECRET }),
    );
    const files = toNodeHandler(
      createFileHandler(storage, { basePath: '/media', signingSecret: SECRET }),
    );
    const uploads = toNodeHandler(
      createUploadHandler(storage, {
        basePath: '/media',
        signingSecret: SECRET,
        maxSize: 64 * 1024 * 1024,
      }),
    );
    server.on('request', (req, res) =>
      req.method === 'PUT' ? uploads(req, res) : files(req, res),
    );
    return {
      storage,
      cleanup: async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        rmSync(root, { recursive: true, force: true });
      },
    };
  },
});
