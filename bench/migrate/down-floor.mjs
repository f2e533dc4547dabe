// The floor of the S3 -> disk row, run by bench/migrate as the `floor` tool: Stowage's S3 reads
// (listAll, then get with readAll and bytes(), 16 at a time, as `stowage migrate` reads), each
// body written with one writeFileSync: no temporary file and rename, no metadata sidecar or lock.
// What `stowage migrate` costs above it is the disk driver's atomic writes and kept metadata.
// Plain JavaScript on the built packages, so that it starts like the CLI (no tsx).
// Usage: node down-floor.mjs <folder>, with the CLI's AWS_* variables for the source.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { storageFromEnv } from '../../packages/core/dist/index.js';
import { s3 } from '../../packages/s3/dist/index.js';

const out = process.argv[2];
if (!out) throw new Error('usage: node down-floor.mjs <folder>');
const storage = storageFromEnv(process.env, { drivers: [s3] });
const keys = [];
for await (const info of storage.listAll()) keys.push(info.key);
const made = new Set();
let next = 0;
await Promise.all(
  Array.from({ length: 16 }, async () => {
    while (next < keys.length) {
      const key = keys[next++];
      const bytes = await (await storage.get(key, { readAll: true })).bytes();
      const path = join(out, key);
      if (!made.has(dirname(path))) {
        mkdirSync(dirname(path), { recursive: true });
        made.add(dirname(path));
      }
      writeFileSync(path, bytes);
    }
  }),
);
await storage.close();
