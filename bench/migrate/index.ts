/**
 * `stowage migrate` against rclone and the AWS CLI (when installed: scripts/bench-setup.sh
 * installs Debian's `rclone` and `awscli`) on the same S3 server, 16 transfers each. Rows:
 * - 5,000 x 16 KiB disk -> S3, and the same S3 -> disk;
 * - 20 x 64 MiB disk -> S3 (`--big 4x16` for 4 x 16 MiB while iterating);
 * - 200 x 1 MiB disk -> S3;
 * - the no-op re-run of the 5,000 (everything already there).
 * Each tool runs in its own process under /usr/bin/time: wall seconds, peak RSS (VmHWM) and CPU
 * seconds (user + system, steadier than wall time on a busy machine) are medians of `--rounds`
 * (3) rounds, the tools' order rotating from round to round.
 *
 * Needs S3_ENDPOINT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY (S3_REGION) and the built packages
 * (`pnpm bench migrate` builds them). Options (`pnpm tsx bench/migrate/index.ts --rows small`):
 * `--rows small,down,big,mid,noop`, `--rounds N`, `--big COUNTxMIB`, `--small COUNT`,
 * `--tools stowage,rclone,aws,floor`. `floor` runs on the S3 -> disk row only: down-floor.mjs,
 * Stowage's S3 reads with each file written by one writeFileSync (no temporary file, no metadata
 * sidecar), what `stowage migrate` would cost without the disk driver's guarantees (plain `node`:
 * its RSS is not capped as the CLI's is). A bucket is created for the run and deleted at the end;
 * no file with secrets is left behind (rclone and the AWS CLI get theirs from the environment).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from '../lib.js';
import { sdk } from '../s3/sdk.js';

const {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
} = sdk;

const TRANSFERS = 16;
const KiB = 1024;
const MiB = 1024 * KiB;

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    rows: { type: 'string', default: 'small,down,big,mid,noop' },
    rounds: { type: 'string', default: '3' },
    big: { type: 'string', default: '20x64' },
    small: { type: 'string', default: '5000' },
    tools: { type: 'string', default: 'stowage,rclone,aws,floor' },
  },
});
const rounds = Number(flags.rounds);
const smallCount = Number(flags.small);
const [bigCount, bigMiB] = flags.big.split('x').map(Number) as [number, number];
const rowsWanted = flags.rows.split(',');

const endpoint = process.env.S3_ENDPOINT;
const accessKeyId = process.env.S3_ACCESS_KEY_ID ?? '';
const secretAccessKey = process.env.S3_SECRET_ACCESS_KEY ?? '';
const region = process.env.S3_REGION ?? 'us-east-1';
if (!endpoint) throw new Error('Set S3_ENDPOINT, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY.');

const stowageBin = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const floorScript = fileURLToPath(new URL('./down-floor.mjs', import.meta.url));
const rcloneBin = '/usr/bin/rclone';
// /usr/bin/aws explicitly: a pyenv shim may come first on PATH.
const awsBin = '/usr/bin/aws';

type Tool = 'stowage' | 'rclone' | 'aws' | 'floor';
const tools = (flags.tools.split(',') as Tool[]).filter((tool) => {
  const installed =
    tool === 'stowage' || tool === 'floor'
      ? existsSync(stowageBin)
      : existsSync(tool === 'rclone' ? rcloneBin : awsBin);
  if (!installed) console.log(`(${tool} is not installed: left out)`);
  return installed;
});

const client = new S3Client({
  endpoint,
  region,
  forcePathStyle: true,
  credentials: { accessKeyId, secretAccessKey },
});
const bucket = `stowage-bench-migrate-${randomBytes(4).toString('hex')}`;
const work = await mkdtemp(join(tmpdir(), 'stowage-bench-migrate-'));

/** Where a tool reads or writes: a folder, or a prefix of the bench bucket. */
type Place = { disk: string } | { s3: string };

function args(tool: Tool, from: Place, to: Place): string[] {
  const name = (p: Place): string => {
    if ('disk' in p) return tool === 'stowage' ? `disk:${p.disk}` : p.disk;
    if (tool === 'stowage') return 'env';
    return tool === 'rclone' ? `bench:${bucket}/${p.s3}` : `s3://${bucket}/${p.s3}`;
  };
  if (tool === 'floor') {
    if (!('disk' in to)) throw new Error('floor copies S3 -> disk only');
    return [process.execPath, floorScript, to.disk];
  }
  if (tool === 'stowage') {
    return [
      stowageBin,
      'migrate',
      '--from',
      name(from),
      '--to',
      name(to),
      '--concurrency',
      String(TRANSFERS),
    ];
  }
  if (tool === 'rclone') {
    return [rcloneBin, 'copy', name(from), name(to), '--transfers', String(TRANSFERS)];
  }
  return [awsBin, '--endpoint-url', endpoint!, 's3', 'sync', name(from), name(to), '--quiet'];
}

function envFor(tool: Tool, s3Prefix: string | undefined): NodeJS.ProcessEnv {
  const base = { PATH: process.env.PATH, HOME: work, LANG: 'C.UTF-8' };
  if (tool === 'stowage' || tool === 'floor') {
    return {
      ...base,
      USE_S3: 'true',
      AWS_STORAGE_BUCKET_NAME: bucket,
      ...(s3Prefix ? { AWS_LOCATION: s3Prefix } : {}),
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      AWS_S3_REGION_NAME: region,
      AWS_S3_ENDPOINT_URL: endpoint,
    };
  }
  if (tool === 'rclone') {
    return {
      ...base,
      RCLONE_CONFIG: join(work, 'rclone.conf'),
      RCLONE_CONFIG_BENCH_TYPE: 's3',
      RCLONE_CONFIG_BENCH_PROVIDER: 'Ceph',
      RCLONE_CONFIG_BENCH_ENDPOINT: endpoint,
      RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: accessKeyId,
      RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: secretAccessKey,
      RCLONE_CONFIG_BENCH_REGION: region,
    };
  }
  return {
    ...base,
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_DEFAULT_REGION: region,
    AWS_CONFIG_FILE: join(work, 'aws-config'),
  };
}

interface Run {
  seconds: number;
  rssMiB: number;
  /** User + system CPU seconds: steadier than the wall time on a busy machine. */
  cpu: number;
}

/** Runs one tool under /usr/bin/time: wall seconds and peak RSS. */
async function run(tool: Tool, from: Place, to: Place): Promise<Run> {
  const s3Prefix = 's3' in to ? to.s3 : 's3' in from ? from.s3 : undefined;
  const timeFile = join(work, 'time.txt');
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    execFile(
      '/usr/bin/time',
      ['-f', '%M %U %S', '-o', timeFile, ...args(tool, from, to)],
      { env: envFor(tool, s3Prefix), cwd: work, maxBuffer: 64 * MiB },
      (error, _stdout, stderr) => {
        if (error) reject(new Error(`${tool} failed: ${error.message}\n${stderr.slice(-2000)}`));
        else {
          if (/MaxListenersExceededWarning/.test(stderr))
            console.log(
              `  (${tool}: ${stderr
                .trim()
                .split('\n')
                .find((l) => l.includes('MaxListeners'))})`,
            );
          resolve();
        }
      },
    );
  });
  const seconds = (performance.now() - started) / 1000;
  const last = (await readFile(timeFile, 'utf8')).trim().split('\n').pop() ?? '';
  const [rssKiB, user, system] = last.split(' ').map(Number) as [number, number, number];
  return { seconds, rssMiB: rssKiB / 1024, cpu: user + system };
}

async function makeFiles(dir: string, count: number, size: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const sub = join(dir, `d${String(i % 50).padStart(2, '0')}`);
    if (i < 50) await mkdir(sub, { recursive: true });
    await writeFile(join(sub, `f${String(i).padStart(5, '0')}.bin`), randomBytes(size));
  }
}

async function deletePrefix(prefix: string): Promise<void> {
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix === '' ? undefined : `${prefix}/`,
        ContinuationToken: token,
      }),
    );
    const keys = (page.Contents ?? []).map((c) => ({ Key: c.Key! }));
    if (keys.length > 0) {
      await client.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }),
      );
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

interface Row {
  name: string;
  id: string;
  /** Only these tools (default: all). */
  only?: Tool[];
  /** A fresh run: where from, where to, and what to clean afterwards. */
  place: (tool: Tool, round: number) => { from: Place; to: Place; cleanup: () => Promise<void> };
}

const smallDir = join(work, 'small');
const bigDir = join(work, 'big');
const midDir = join(work, 'mid');
const upload = (dir: string, id: string) => (tool: Tool, round: number) => {
  const prefix = `${id}-${tool}-${round}`;
  return { from: { disk: dir }, to: { s3: prefix }, cleanup: () => deletePrefix(prefix) };
};
const allRows: Row[] = [
  {
    id: 'small',
    name: `${smallCount.toLocaleString('en')} x 16 KiB disk -> S3`,
    place: upload(smallDir, 'small'),
  },
  {
    id: 'down',
    name: `${smallCount.toLocaleString('en')} x 16 KiB S3 -> disk`,
    only: ['stowage', 'rclone', 'aws', 'floor'],
    place: (tool, round) => {
      const dir = join(work, `down-${tool}-${round}`);
      // Removed with `work` at the end, not between runs: on ext4 without a journal (this VM's
      // root), each file created within minutes of a deletion scans the recently freed inodes
      // (recently_deleted() in the kernel's profile), so the next run paid for the last one's
      // cleanup, most of all the tool that creates more files (Stowage: a sidecar per object).
      return { from: { s3: 'seed' }, to: { disk: dir }, cleanup: async () => {} };
    },
  },
  {
    id: 'big',
    name: `${bigCount} x ${bigMiB} MiB disk -> S3`,
    place: upload(bigDir, 'big'),
  },
  { id: 'mid', name: '200 x 1 MiB disk -> S3', place: upload(midDir, 'mid') },
  {
    id: 'noop',
    name: `no-op re-run, ${smallCount.toLocaleString('en')} files`,
    place: (tool) => ({
      from: { disk: smallDir },
      to: { s3: `noop-${tool}` },
      cleanup: async () => {},
    }),
  },
];
const rows = allRows.filter((r) => rowsWanted.includes(r.id));
const runsOn = (r: Row, tool: Tool): boolean => (r.only ? r.only.includes(tool) : tool !== 'floor');
/** The tools that copy whole trees (floor only reads S3 into a folder). */
const copiers = tools.filter((tool) => tool !== 'floor');
const copier = copiers[0] ?? 'stowage';

try {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  // max_concurrent_requests: 16 transfers, as the others get.
  await writeFile(
    join(work, 'aws-config'),
    `[default]\nregion = ${region}\ns3 =\n  max_concurrent_requests = ${TRANSFERS}\n`,
  );
  await writeFile(join(work, 'rclone.conf'), '');
  console.log(`preparing files in ${work} ...`);
  if (rows.some((r) => ['small', 'down', 'noop'].includes(r.id)))
    await makeFiles(smallDir, smallCount, 16 * KiB);
  if (rows.some((r) => r.id === 'big')) await makeFiles(bigDir, bigCount, bigMiB * MiB);
  if (rows.some((r) => r.id === 'mid')) await makeFiles(midDir, 200, MiB);
  // The S3 -> disk source, and each tool's full target for the no-op re-run (not timed).
  if (rows.some((r) => r.id === 'down'))
    await run(tools.includes('rclone') ? 'rclone' : copier, { disk: smallDir }, { s3: 'seed' });
  if (rows.some((r) => r.id === 'noop')) {
    for (const tool of copiers) await run(tool, { disk: smallDir }, { s3: `noop-${tool}` });
  }

  const results = new Map<string, Run[]>();
  for (let round = 0; round < rounds; round++) {
    for (const r of rows) {
      const order = tools.map((_, i) => tools[(i + round) % tools.length]!);
      for (const tool of order.filter((t) => runsOn(r, t))) {
        const { from, to, cleanup } = r.place(tool, round);
        const result = await run(tool, from, to);
        await cleanup();
        const key = `${r.id}/${tool}`;
        results.set(key, [...(results.get(key) ?? []), result]);
        console.log(
          `  round ${round + 1} ${r.name.padEnd(28)} ${tool.padEnd(8)} ${result.seconds.toFixed(2)} s ${result.rssMiB.toFixed(0)} MiB ${result.cpu.toFixed(1)} s CPU`,
        );
      }
    }
  }

  const [load1, load5] = (await readFile('/proc/loadavg', 'utf8')).split(' ');
  console.log(
    `\nmedians of ${rounds} rounds, ${TRANSFERS} transfers, load average ${load1} ${load5} (1, 5 min)`,
  );
  console.log(`| work | ${tools.join(' | ')} |`);
  console.log(`|---|${tools.map(() => '---|').join('')}`);
  for (const r of rows) {
    const cells = tools.map((tool) => {
      const runs = results.get(`${r.id}/${tool}`) ?? [];
      if (runs.length === 0) return '-';
      const seconds = median(runs.map((x) => x.seconds));
      const rss = median(runs.map((x) => x.rssMiB));
      const rclone = results.get(`${r.id}/rclone`);
      const ratio =
        rclone && tool !== 'rclone'
          ? ` (${(median(rclone.map((x) => x.seconds)) / seconds).toFixed(2)}x rclone)`
          : '';
      const cpu = median(runs.map((x) => x.cpu));
      return `${seconds.toFixed(2)} s, ${rss.toFixed(0)} MiB, ${cpu.toFixed(1)} s CPU${ratio}`;
    });
    console.log(`| ${r.name} | ${cells.join(' | ')} |`);
  }
} finally {
  await deletePrefix('').catch(() => {});
  await client.send(new DeleteBucketCommand({ Bucket: bucket })).catch((error: unknown) => {
    console.log(`could not delete bucket ${bucket}: ${String(error)}`);
  });
  client.destroy();
  await rm(work, { recursive: true, force: true });
}
