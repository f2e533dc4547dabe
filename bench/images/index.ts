/**
 * Images benchmark: @stowage/images on the disk driver against what it stands on, in one run.
 *
 *   pnpm tsx bench/images/index.ts [requests=8] [rounds=7]
 *
 * - first request: a 2000x1500 JPEG to a 200x200 WebP (fill) through the handler (head, read,
 *   resize, store the variant, answer) against a bare sharp pipeline on the same file read with
 *   node:fs (target >= 0.9x);
 * - cached variant: the handler serving a stored variant against createFileHandler serving the
 *   original file (target >= 0.9x);
 * - peak RSS of a fresh process making 16 first requests at once, against bare sharp doing the same.
 * Paired rounds (bench/lib.ts): each round times both sides back to back, alternating which goes
 * first; the ratio shown is the median of the rounds' ratios (raw time / ours, above 1: faster).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStorage, disk } from '@stowage/core';
import { createFileHandler } from '@stowage/core/http';
import { imageTransforms } from '@stowage/images';
import { inChild, paired, pairedRow } from '../lib.js';

// sharp is a dependency of @stowage/images, not of the repository root: the part used here.
interface SharpPipeline {
  resize(width: number, height: number, options: { fit: 'cover' }): SharpPipeline;
  webp(): SharpPipeline;
  jpeg(options: { quality: number }): SharpPipeline;
  toBuffer(): Promise<Buffer>;
}
type Create = {
  create: {
    width: number;
    height: number;
    channels: 3;
    background: string;
    noise: { type: 'gaussian'; mean: number; sigma: number };
  };
};
const sharp = createRequire(new URL('../../packages/images/package.json', import.meta.url))(
  'sharp',
) as (input: Buffer | Create) => SharpPipeline;

const REQUESTS = Number(process.argv[2] ?? 8);
const ROUNDS = Number(process.argv[3] ?? 7);
const CONCURRENT = 16;
const SECRET = 'bench-images-secret-0123456789';
const AVATAR = { width: 200, height: 200, crop: 'fill', format: 'webp' } as const;

const root = await mkdtemp(join(tmpdir(), 'stowage-bench-images-'));
const storage = createStorage(disk({ root, publicBaseUrl: '/media' }));
const images = imageTransforms(storage, { basePath: '/img', signingSecret: SECRET });
const files = createFileHandler(storage, { basePath: '/media' });

const photo = await sharp({
  create: {
    width: 2000,
    height: 1500,
    channels: 3,
    background: '#808080',
    noise: { type: 'gaussian', mean: 128, sigma: 40 },
  },
})
  .jpeg({ quality: 85 })
  .toBuffer();
console.log(`original: 2000x1500 JPEG, ${(photo.length / 1024).toFixed(0)} KiB`);

// Every first request needs an original without a variant: one copy per request and round.
const key = (round: number, i: number) => `photos/${round}-${i}.jpg`;
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < REQUESTS; i++) await storage.put(key(round, i), photo);
}
for (let i = 0; i < CONCURRENT; i++) await storage.put(`photos/${i}.jpg`, photo);

const get = (handler: (r: Request) => Promise<Response>, path: string) =>
  handler(new Request(`http://bench.test${path}`)).then(async (response) => {
    if (response.status !== 200) throw new Error(`${path}: status ${response.status}`);
    return response.arrayBuffer();
  });

// Process CPU time (all threads: libvips and libuv's pool) of each side, summed over the rounds:
// it varies far less than wall time on a machine shared with other work.
const cpu = { ours: 0, raw: 0 };
function withCpu(side: 'ours' | 'raw', fn: (round: number) => Promise<void>) {
  return async (round: number) => {
    const start = process.cpuUsage();
    await fn(round);
    const used = process.cpuUsage(start);
    cpu[side] += (used.user + used.system) / 1000;
  };
}
function cpuRow(name: string, count: number): string {
  const ours = cpu.ours / count;
  const raw = cpu.raw / count;
  cpu.ours = 0;
  cpu.raw = 0;
  return `${name.padEnd(34)} CPU ours ${ours.toFixed(2)} ms   raw ${raw.toFixed(2)} ms   ratio ${(raw / ours).toFixed(2)}x`;
}

const first = await paired(
  ROUNDS,
  withCpu('ours', async (round) => {
    for (let i = 0; i < REQUESTS; i++) {
      await get(images.handler, images.storage.url(key(round, i), { transform: AVATAR }));
    }
    // Variants are stored after the answer: the round counts until they all are.
    await images.idle();
  }),
  withCpu('raw', async (round) => {
    for (let i = 0; i < REQUESTS; i++) {
      const input = await readFile(join(root, key(round, i)));
      await sharp(input).resize(200, 200, { fit: 'cover' }).webp().toBuffer();
    }
  }),
);
const perSecond = (ms: number) => (REQUESTS * 1000) / ms;
console.log(pairedRow('first request -> 200x200 WebP', first, perSecond, 'img/s', '>= 0.9x'));
console.log(cpuRow('  per first request', ROUNDS * REQUESTS));

const variantUrl = images.storage.url(key(0, 0), { transform: AVATAR });
const variantBytes = (await get(images.handler, variantUrl)).byteLength;
const SERVES = REQUESTS * 25;
const cached = await paired(
  ROUNDS,
  withCpu('ours', async () => {
    for (let i = 0; i < SERVES; i++) await get(images.handler, variantUrl);
  }),
  withCpu('raw', async () => {
    for (let i = 0; i < SERVES; i++) await get(files, `/media/${key(0, 0)}`);
  }),
);
console.log(
  pairedRow(
    `cached variant (${(variantBytes / 1024).toFixed(0)} KiB) vs original`,
    cached,
    (ms) => (SERVES * 1000) / ms,
    'req/s',
    '>= 0.9x',
  ),
);
console.log(cpuRow('  per request', ROUNDS * SERVES));

const script = fileURLToPath(new URL('./rss-case.mjs', import.meta.url));
const rss = {
  ours: [] as number[],
  raw: [] as number[],
  oursMs: [] as number[],
  rawMs: [] as number[],
};
for (let run = 0; run < 3; run++) {
  // Fresh originals each run: every request is a first request.
  const dir = await mkdtemp(join(tmpdir(), 'stowage-bench-images-rss-'));
  const runStorage = createStorage(disk({ root: dir }));
  for (let i = 0; i < CONCURRENT; i++) await runStorage.put(`photos/${i}.jpg`, photo);
  for (const side of ['ours', 'raw'] as const) {
    const result = inChild<{ ms: number; maxRssMiB: number }>(script, [
      side,
      dir,
      String(CONCURRENT),
    ]);
    rss[side].push(result.maxRssMiB);
    rss[side === 'ours' ? 'oursMs' : 'rawMs'].push(result.ms);
  }
  await rm(dir, { recursive: true, force: true });
}
const least = (values: number[]) => Math.min(...values);
console.log(
  `${CONCURRENT} concurrent first requests: peak RSS ours ${least(rss.ours).toFixed(0)} MiB (${least(rss.oursMs).toFixed(0)} ms), bare sharp ${least(rss.raw).toFixed(0)} MiB (${least(rss.rawMs).toFixed(0)} ms); least of 3 fresh processes`,
);

await rm(root, { recursive: true, force: true });
