import { createHash, type Hash } from 'node:crypto';
import type { Storage } from '@stowage/core';

/** What a listing says about one side of a key. */
export interface Listed {
  size: number;
  etag: string | undefined;
}

/** An ETag read as a checksum: the MD5 of the content, or S3's multipart form `md5-N`. */
type Digest = { kind: 'md5'; hex: string } | { kind: 'multipart'; etag: string; parts: number };

const MiB = 1024 * 1024;
/** Part sizes other tools upload with (5 MiB: Stowage, lib-storage, rclone; 8 MiB: the AWS CLI). */
const COMMON_PART_SIZES = [5 * MiB, 8 * MiB, 16 * MiB, 10 * MiB, 64 * MiB, 15 * MiB];
/** Objects read whole for hashing instead of streamed. */
const HASH_WHOLE_LIMIT = MiB;

/** Where the two sides are and what may cut a hash short. */
export interface CompareContext {
  from: Storage;
  to: Storage;
  signal: AbortSignal;
}

/**
 * Why the target's object counts as the source's (so it is skipped), or undefined (copy it).
 * Equal sizes are never enough when a checksum can be had: MD5 ETags are compared; a side on
 * this machine (disk, memory) is hashed against the other side's ETag, multipart ones included
 * (with the part size that gives the ETag's part count). Only when neither side can give a
 * comparable checksum (e.g. two buckets with multipart ETags of different part sizes count as
 * different and are copied; a remote side without MD5 ETags against a local one) does the size
 * decide alone.
 */
export async function sameObject(
  key: string,
  source: Listed,
  target: Listed,
  ctx: CompareContext,
): Promise<string | undefined> {
  if (source.size !== target.size) return undefined;
  const a = digestOf(source.etag);
  const b = digestOf(target.etag);
  if (a?.kind === 'md5' && b?.kind === 'md5') {
    return a.hex === b.hex ? 'same size and MD5' : undefined;
  }
  if (a?.kind === 'multipart' && b?.kind === 'multipart' && a.etag === b.etag) {
    return 'same size and multipart ETag';
  }
  const sourceLocal = isLocal(ctx.from);
  const targetLocal = isLocal(ctx.to);
  if (b && sourceLocal) {
    return (await matches(ctx.from, key, source.size, b, ctx.signal))
      ? 'same size and MD5'
      : undefined;
  }
  if (a && targetLocal) {
    return (await matches(ctx.to, key, target.size, a, ctx.signal))
      ? 'same size and MD5'
      : undefined;
  }
  if (sourceLocal && targetLocal) {
    const [x, y] = await Promise.all([
      hashes(ctx.from, key, source.size, [], ctx.signal),
      hashes(ctx.to, key, target.size, [], ctx.signal),
    ]);
    return x.md5 === y.md5 ? 'same size and MD5' : undefined;
  }
  return 'same size';
}

/** Storages read on this machine, where hashing an object costs a local read. */
function isLocal(storage: Storage): boolean {
  return storage.driver === 'disk' || storage.driver === 'memory';
}

/**
 * The checksum in an ETag, when it is one: S3 single-part uploads, Cloudinary and memory use the
 * MD5 of the content, S3 multipart uploads the MD5 of the parts' MD5s with `-N`. The disk's
 * inode/mtime ETags are no checksum.
 */
export function digestOf(etag: string | undefined): Digest | undefined {
  const bare = etag?.replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
  if (bare === undefined) return undefined;
  if (/^[0-9a-f]{32}$/.test(bare)) return { kind: 'md5', hex: bare };
  const multipart = /^[0-9a-f]{32}-([1-9][0-9]{0,4})$/.exec(bare);
  if (multipart) return { kind: 'multipart', etag: bare, parts: Number(multipart[1]) };
  return undefined;
}

async function matches(
  storage: Storage,
  key: string,
  size: number,
  digest: Digest,
  signal: AbortSignal,
): Promise<boolean> {
  if (digest.kind === 'md5')
    return (await hashes(storage, key, size, [], signal)).md5 === digest.hex;
  const partSizes = partSizesFor(size, digest.parts);
  if (partSizes.length === 0) return false;
  const { multipart } = await hashes(storage, key, size, partSizes, signal);
  return multipart.includes(digest.etag);
}

/** Part sizes that cut `size` bytes into exactly `parts` parts: the usual ones, then the even cut. */
function partSizesFor(size: number, parts: number): number[] {
  const even = Math.ceil(size / parts);
  const candidates = [...COMMON_PART_SIZES, Math.ceil(even / MiB) * MiB, even];
  return [...new Set(candidates)].filter((p) => p > 0 && Math.ceil(size / p) === parts);
}

/** The MD5 of an object's content and its multipart ETags for the given part sizes, in one read. */
async function hashes(
  storage: Storage,
  key: string,
  size: number,
  partSizes: number[],
  signal: AbortSignal,
): Promise<{ md5: string; multipart: string[] }> {
  const object = await storage.get(key, { signal, readAll: true });
  const whole = createHash('md5');
  const cuts = partSizes.map((partSize) => new PartHasher(partSize));
  const add = (chunk: Uint8Array): void => {
    whole.update(chunk);
    for (const cut of cuts) cut.update(chunk);
  };
  if (size <= HASH_WHOLE_LIMIT) add(await object.bytes());
  else for await (const chunk of object.body()) add(chunk);
  return { md5: whole.digest('hex'), multipart: cuts.map((cut) => cut.etag()) };
}

/** S3's multipart ETag of a stream cut into parts of `partSize`. */
class PartHasher {
  private part: Hash = createHash('md5');
  private filled = 0;
  private readonly digests: Buffer[] = [];

  constructor(private readonly partSize: number) {}

  update(chunk: Uint8Array): void {
    for (let at = 0; at < chunk.byteLength; ) {
      const n = Math.min(this.partSize - this.filled, chunk.byteLength - at);
      this.part.update(chunk.subarray(at, at + n));
      this.filled += n;
      at += n;
      if (this.filled === this.partSize) this.endPart();
    }
  }

  etag(): string {
    if (this.filled > 0) this.endPart();
    const all = createHash('md5').update(Buffer.concat(this.digests)).digest('hex');
    return `${all}-${this.digests.length}`;
  }

  private endPart(): void {
    this.digests.push(this.part.digest());
    this.part = createHash('md5');
    this.filled = 0;
  }
}
