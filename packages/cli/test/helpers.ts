import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import type { Env, Storage } from '@stowage/core';
import { compareKeys } from '@stowage/core/driver';
import { main, type OutputStream } from '../src/index.js';

/** The packages folder of the repo. */
export const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));

/** True when a driver package has its source entry (they are written in parallel). */
export function hasDriverPackage(name: 's3' | 'r2' | 'cloudinary'): boolean {
  return existsSync(join(PACKAGES, name, 'src', 'index.ts'));
}

/** Collects what the CLI writes. */
export class Collector implements OutputStream {
  text = '';
  constructor(
    readonly isTTY = false,
    readonly columns = 120,
  ) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `main` in-process with collected output. */
export async function runCli(
  args: string[],
  options: { env?: Env; cwd?: string; signal?: AbortSignal; tty?: boolean } = {},
): Promise<CliRun> {
  const stdout = new Collector();
  const stderr = new Collector(options.tty ?? false);
  const code = await main(args, {
    stdout,
    stderr,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A temporary folder, removed by the returned function. */
export async function tempDir(
  name = 'stowage-cli-',
): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), name));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A small deterministic PRNG (mulberry32), so trees are the same from run to run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'photos',
  'avatars',
  'docs',
  'café',
  'über',
  '日本語',
  'год',
  'naïve',
  'résumé',
  'ﬁle',
  '🚀rocket',
  'mañana',
  'Ελλάδα',
  'x',
];
const EXTENSIONS = ['.jpg', '.png', '.txt', '.pdf', '.json', '.bin', '.csv', ''];
/** First bytes of real files of these types, so that media-aware storages accept them. */
const MAGIC: Readonly<Record<string, Buffer>> = {
  '.png': Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
  '.jpg': Buffer.from('ffd8ffe000104a464946', 'hex'),
  '.pdf': Buffer.from('%PDF-1.4\n', 'latin1'),
};

export interface TreeOptions {
  count: number;
  seed?: number;
  /** Smallest file (Cloudinary refuses empty files). Default 0. */
  minSize?: number;
}

/**
 * Writes `count` files with varied sizes (mostly small, some up to ~2.5 MB), nested folders and
 * unicode names under `root`. Returns their keys in listing order.
 */
export async function makeTree(root: string, options: TreeOptions): Promise<string[]> {
  const random = prng(options.seed ?? 1);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const keys = new Set<string>();
  while (keys.size < options.count) {
    const depth = Math.floor(random() * 4);
    const folders = Array.from({ length: depth }, () => pick(WORDS));
    const name = `${pick(WORDS)}-${keys.size}${pick(EXTENSIONS)}`;
    keys.add([...folders, name].join('/'));
  }
  // In UTF-8 byte order, as storages list them.
  const sorted = [...keys].sort(compareKeys);
  for (const key of sorted) {
    const r = random();
    let size =
      r < 0.4
        ? Math.floor(random() * 1024)
        : r < 0.89
          ? 1024 + Math.floor(random() * 63 * 1024)
          : r < 0.99
            ? 64 * 1024 + Math.floor(random() * 448 * 1024)
            : 1024 * 1024 + Math.floor(random() * 1536 * 1024);
    const magic = MAGIC[EXTENSIONS.find((e) => e !== '' && key.endsWith(e)) ?? ''];
    size = Math.max(size, options.minSize ?? 0, magic?.length ?? 0);
    const content = randomBytes(size);
    magic?.copy(content);
    const path = join(root, key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
  return sorted;
}

/** Keys whose bytes in `storage` differ from the file under `root` (empty when all match). */
export async function differingKeys(
  root: string,
  keys: readonly string[],
  storage: Storage,
): Promise<string[]> {
  const differing: string[] = [];
  const queue = [...keys];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
        const expected = await readFile(join(root, key));
        const actual = await storage.getBytes(key).catch(() => undefined);
        if (!actual || !Buffer.from(actual).equals(expected)) differing.push(key);
      }
    }),
  );
  return differing.sort();
}

/** Wraps a storage to count its puts. */
export function countPuts(storage: Storage): { storage: Storage; puts: () => number } {
  let puts = 0;
  const wrapped = new Proxy(storage, {
    get(target, property, receiver) {
      if (property === 'put') {
        return (...args: Parameters<Storage['put']>) => {
          puts++;
          return target.put(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { storage: wrapped, puts: () => puts };
}

/** Writes a dotenv file and returns its path. */
export async function writeEnvFile(path: string, env: Record<string, string>): Promise<string> {
  const text = Object.entries(env)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join('\n');
  await writeFile(path, `# written by a test\n${text}\n`);
  return path;
}

/** An SDK client on the tests' S3 server, to look behind the CLI's back. */
export function s3ClientOf(s3: {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
}
