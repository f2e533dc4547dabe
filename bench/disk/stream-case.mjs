// One 512 MiB stream case in a fresh process, on the built package: prints { ms, maxRssMiB }.
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createStorage, disk } from '../../packages/core/dist/index.js';

const [kind, dir, total] = process.argv.slice(2);
const bytes = Number(total);
const CHUNK = 1024 * 1024;

async function* source() {
  const chunk = new Uint8Array(CHUNK).fill(7);
  for (let sent = 0; sent < bytes; sent += CHUNK) yield chunk;
}

const storage = createStorage(disk({ root: dir }));
const path = join(dir, 'big.bin');
// A put writes a new file on both sides: freeing the previous 512 MiB is not part of the case.
if (kind.endsWith('-put')) rmSync(path, { force: true });
const start = performance.now();
if (kind === 'raw-put') await pipeline(Readable.from(source()), createWriteStream(path));
else if (kind === 'ours-put') await storage.put('big.bin', source());
else if (kind === 'raw-get') for await (const _ of createReadStream(path)) void _;
else if (kind === 'ours-get') for await (const _ of (await storage.get('big.bin')).body()) void _;
else if (kind === 'raw-get-byob') {
  // One buffer, reused: a FileHandle read loop.
  const file = await open(path);
  const buffer = new Uint8Array(CHUNK);
  try {
    while ((await file.read(buffer, 0, CHUNK)).bytesRead > 0);
  } finally {
    await file.close();
  }
} else if (kind === 'ours-get-byob') {
  const reader = (await storage.get('big.bin')).body().getReader({ mode: 'byob' });
  let buffer = new Uint8Array(CHUNK);
  for (;;) {
    const { value, done } = await reader.read(buffer);
    if (done) break;
    buffer = new Uint8Array(value.buffer);
  }
} else throw new Error(`unknown case ${kind}`);
const ms = performance.now() - start;
console.log(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
