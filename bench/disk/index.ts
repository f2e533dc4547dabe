/**
 * Disk driver vs raw node:fs, in the same run:
 * - 2,000 puts and gets of 16 KiB with 16 in flight (ours includes the atomic temp + rename), in
 *   back-to-back rounds compared pair by pair, plus ours against a hand-written temp + rename;
 * - a 512 MiB streamed put and get (a default reader, and a BYOB reader against a read loop into
 *   one buffer), and the same file downloaded over HTTP from toNodeHandler(createFileHandler)
 *   against createReadStream(file).pipe(res), each in a fresh `node` on the built package, so
 *   its peak RSS is its own (run `pnpm build` first; `pnpm bench` does).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Core from '../../packages/core/src/index.js';
import { inChild, MiB, paired, pairedRow, pool, row } from '../lib.js';

// The built package, as users run it (`pnpm bench` builds first); typed from the sources, so the
// type check needs no build. tsx's transpiled sources measured about twice as slow per small op.
const builtCore = new URL('../../packages/core/dist/index.js', import.meta.url).href;
const { createStorage, disk } = (await import(builtCore)) as typeof Core;

const COUNT = 2000;
const IN_FLIGHT = 16;
const ROUNDS = 12;
const SMALL = 16 * 1024;
const STREAM_BYTES = 512 * MiB;

export async function benchDisk(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'stowage-bench-disk-'));
  try {
    const storage = createStorage(disk({ root: join(dir, 'ours') }));
    const rawDir = join(dir, 'raw', 'bench');
    await mkdir(rawDir, { recursive: true });
    await storage.put('bench/warm.bin', 'warm');
    const body = new Uint8Array(SMALL).fill(1);
    // Each round writes new files, as uploads do, on both sides alike. Rounds are compared in
    // back-to-back pairs (see `paired`): this machine's speed drifts too much for best-of timings.
    const put = await paired(
      ROUNDS,
      (r) => pool(COUNT, IN_FLIGHT, (i) => storage.put(`bench/f${r}-${i}.bin`, body)),
      (r) => pool(COUNT, IN_FLIGHT, (i) => writeFile(join(rawDir, `f${r}-${i}.bin`), body)),
    );
    const get = await paired(
      ROUNDS,
      (r) => pool(COUNT, IN_FLIGHT, (i) => storage.getBytes(`bench/f${r}-${i}.bin`)),
      (r) => pool(COUNT, IN_FLIGHT, (i) => readFile(join(rawDir, `f${r}-${i}.bin`))),
    );
    // What atomic writes cost by themselves: the same write done by hand, to a temporary file
    // renamed into place, as a careful caller of node:fs would.
    const atomic = await paired(
      ROUNDS,
      (r) => pool(COUNT, IN_FLIGHT, (i) => storage.put(`bench/a${r}-${i}.bin`, body)),
      (r) =>
        pool(COUNT, IN_FLIGHT, async (i) => {
          const temp = join(rawDir, `.a${r}-${i}.tmp`);
          await writeFile(temp, body, { flag: 'wx' });
          await rename(temp, join(rawDir, `a${r}-${i}.bin`));
        }),
    );
    const ops = (ms: number) => (COUNT / ms) * 1000;
    console.log(
      `disk: ${COUNT} x 16 KiB, ${IN_FLIGHT} in flight, ${ROUNDS} back-to-back rounds per side (medians)`,
    );
    console.log(pairedRow('put 16 KiB vs writeFile', put, ops, 'ops/s', '>= 0.85x'));
    console.log(pairedRow('get 16 KiB vs readFile', get, ops, 'ops/s', '>= 0.90x'));
    console.log(pairedRow('put 16 KiB vs writeFile + rename', atomic, ops, 'ops/s', 'none'));

    const streamScript = fileURLToPath(new URL('./stream-case.mjs', import.meta.url));
    const serveScript = fileURLToPath(new URL('./serve-case.mjs', import.meta.url));
    const streamDir = join(dir, 'stream');
    await mkdir(streamDir, { recursive: true });
    // Each 512 MiB case in a fresh process, after `sync` so that no case pays for the previous
    // one's dirty pages; the put cases come first (they write the file the others read), the
    // order of the two sides alternates, and the best time of three counts.
    const cases = [
      { name: 'stream put', script: streamScript, raw: 'raw-put', ours: 'ours-put' },
      { name: 'stream get', script: streamScript, raw: 'raw-get', ours: 'ours-get' },
      {
        name: 'stream get, BYOB reader',
        script: streamScript,
        raw: 'raw-get-byob',
        ours: 'ours-get-byob',
      },
      { name: 'serve over HTTP', script: serveScript, raw: 'raw', ours: 'ours' },
    ];
    type Run = { ms: number; maxRssMiB: number };
    const runs = cases.map(() => ({ raw: [] as Run[], ours: [] as Run[] }));
    for (let round = 0; round < 3; round++) {
      const sides = round % 2 === 0 ? (['raw', 'ours'] as const) : (['ours', 'raw'] as const);
      cases.forEach((c, i) => {
        for (const side of sides) {
          execFileSync('sync');
          runs[i]![side].push(inChild<Run>(c.script, [c[side], streamDir, String(STREAM_BYTES)]));
        }
      });
    }
    const mibs = (ms: number) => (STREAM_BYTES / MiB / ms) * 1000;
    const fastest = (r: Run[]) => Math.min(...r.map((x) => x.ms));
    const peak = (r: Run[]) => Math.max(...r.map((x) => x.maxRssMiB)).toFixed(0);
    console.log('disk: 512 MiB streamed, each case in a fresh node process (best of 3)');
    cases.forEach((c, i) => {
      const { raw, ours } = runs[i]!;
      console.log(row(c.name, mibs(fastest(ours)), mibs(fastest(raw)), 'MiB/s', '>= 0.95x'));
    });
    console.log('peak RSS (MiB), target ours < 64');
    cases.forEach((c, i) => {
      const { raw, ours } = runs[i]!;
      console.log(`  ${c.name.padEnd(32)} ours ${peak(ours)}, raw ${peak(raw)}`);
    });
    console.log(
      '  (get: a default reader gets a new chunk per read, and V8 lets some 32 MiB of them pile up\n' +
        '   before it collects, raw node:fs alike; a BYOB reader, and toNodeHandler serving a disk\n' +
        '   file, read into buffers they reuse. Raw BYOB is a read loop into one buffer; raw serve\n' +
        '   is createReadStream(file).pipe(res).)',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchDisk();
