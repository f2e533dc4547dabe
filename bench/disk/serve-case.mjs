// One 512 MiB download over HTTP in a fresh process, on the built package: this process is the
// server, a second `node` is the client. Prints { ms, maxRssMiB } of the server alone.
//   raw:  createReadStream(file).pipe(res), as a hand-written node:http file server does;
//   ours: toNodeHandler(createFileHandler(storage)), as the example apps serve /media.
import { spawn } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createFileHandler, toNodeHandler } from '../../packages/core/dist/http/index.js';
import { createStorage, disk } from '../../packages/core/dist/index.js';

const [kind, dirOrUrl] = process.argv.slice(2);

if (kind === 'client') {
  // Reads the whole body and throws it away; exits non-zero on a short or failed download.
  get(dirOrUrl, (res) => {
    let bytes = 0;
    res.on('data', (chunk) => {
      bytes += chunk.length;
    });
    res.on('end', () => process.exit(bytes === Number(res.headers['content-length']) ? 0 : 1));
    res.on('error', () => process.exit(1));
  }).on('error', () => process.exit(1));
} else {
  const storage = createStorage(disk({ root: dirOrUrl }));
  const handler =
    kind === 'ours'
      ? toNodeHandler(createFileHandler(storage, { basePath: '/media' }))
      : (_req, res) => {
          const path = join(dirOrUrl, 'big.bin');
          res.setHeader('Content-Type', 'application/octet-stream');
          res.setHeader('Content-Length', statSync(path).size);
          pipeline(createReadStream(path), res, () => {});
        };
  if (kind !== 'ours' && kind !== 'raw') throw new Error(`unknown case ${kind}`);
  const { createServer } = await import('node:http');
  const server = createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/media/big.bin`;
  const start = performance.now();
  const client = spawn(process.execPath, [fileURLToPath(import.meta.url), 'client', url], {
    stdio: 'inherit',
  });
  const code = await new Promise((resolve) => client.on('exit', resolve));
  const ms = performance.now() - start;
  server.close();
  if (code !== 0) throw new Error(`${kind}: the download failed`);
  console.log(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
}
