import type { ListResult, ObjectInfo } from '@stowage/core';
import { compareKeys, type DriverListOptions, ListPager } from '@stowage/core/driver';
import { infoFromResource } from './asset-info.js';
import type { KeyMapping, ResourceType } from './asset-key.js';
import { type DriverContext, retryOnce } from './driver-context.js';
import type { CloudinaryResource } from './sdk-call.js';

/** Media first: a media asset shadows a stale raw one of the same key (as reads do). */
const RESOURCE_TYPES: readonly ResourceType[] = ['image', 'video', 'raw'];
/** Cloudinary's limit on public ids per delete_resources / resources_by_ids call. */
const IDS_PER_CALL = 100;

/** Every resource of `resourceType` whose key starts with `prefix`, with its key. */
async function* resourcesUnder(
  ctx: DriverContext,
  resourceType: ResourceType,
  prefix: string,
): AsyncGenerator<{ key: string; resource: CloudinaryResource }> {
  const { publicIdPrefix } = ctx.keys.serverPrefix(prefix, resourceType);
  let nextCursor: string | undefined;
  do {
    const cursor = nextCursor;
    const page = await retryOnce(() =>
      ctx.sdk.resources(resourceType, {
        type: ctx.options.deliveryType,
        prefix: publicIdPrefix,
        nextCursor: cursor,
      }),
    );
    for (const resource of page.resources) {
      const key = ctx.keyOf(resource);
      if (key?.startsWith(prefix)) yield { key, resource };
    }
    nextCursor = page.nextCursor;
  } while (nextCursor);
}

/** How long the listing behind a returned cursor is kept for the next page. */
const SNAPSHOT_MS = 10 * 60_000;
/** Listings kept at once (each is one prefix's whole listing). */
const MAX_SNAPSHOTS = 8;

/** A prefix's whole listing, sorted, kept for the pages after the first. */
interface Snapshot {
  prefix: string;
  objects: ObjectInfo[];
  expiresAt: number;
}

/** Snapshots by the cursor a page returned. */
const snapshots = new WeakMap<DriverContext, Map<string, Snapshot>>();

function snapshotFor(ctx: DriverContext, prefix: string, cursor: string | undefined) {
  if (cursor === undefined) return undefined;
  const kept = snapshots.get(ctx)?.get(cursor);
  if (!kept || kept.prefix !== prefix || kept.expiresAt < Date.now()) return undefined;
  return kept;
}

function keepSnapshot(ctx: DriverContext, cursor: string, snapshot: Snapshot): void {
  const kept = snapshots.get(ctx) ?? new Map<string, Snapshot>();
  snapshots.set(ctx, kept);
  for (const [name, old] of kept) if (old.expiresAt < Date.now()) kept.delete(name);
  while (kept.size >= MAX_SNAPSHOTS) kept.delete(kept.keys().next().value as string);
  kept.set(cursor, snapshot);
}

/** Every key under `prefix`, sorted in UTF-8 byte order: 500 per Admin API call and type. */
async function readAll(ctx: DriverContext, prefix: string): Promise<ObjectInfo[]> {
  const found = new Map<string, ObjectInfo>();
  for (const resourceType of RESOURCE_TYPES) {
    for await (const { key, resource } of resourcesUnder(ctx, resourceType, prefix)) {
      if (!found.has(key)) found.set(key, infoFromResource(key, resource));
    }
  }
  return [...found.keys()].sort(compareKeys).map((key) => found.get(key)!);
}

/**
 * One page of keys. Cloudinary lists by creation time, not by name, so the first page reads every
 * resource under the prefix (500 per Admin API call, per resource type) and sorts them in UTF-8
 * byte order; the pages after it come from that listing, kept for ten minutes under the cursor
 * each page returns. So `listAll` of N keys costs about N/500 Admin API calls per resource type,
 * not N/500 per page. A later page shows the keys as they were when the first was read; a cursor
 * whose listing is gone (expired, another process) reads everything again.
 */
export async function listObjects(
  ctx: DriverContext,
  options: DriverListOptions,
): Promise<ListResult> {
  const snapshot = snapshotFor(ctx, options.prefix, options.cursor) ?? {
    prefix: options.prefix,
    objects: await readAll(ctx, options.prefix),
    expiresAt: Date.now() + SNAPSHOT_MS,
  };
  const pager = new ListPager(options);
  const byKey = new Map<string, ObjectInfo>();
  for (const info of snapshot.objects) {
    byKey.set(info.key, info);
    if (!pager.offer(info.key)) break;
  }
  const result = pager.result(pager.keys.map((key) => byKey.get(key)!));
  if (result.cursor !== undefined) keepSnapshot(ctx, result.cursor, snapshot);
  return result;
}

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let at = 0; at < items.length; at += size) out.push(items.slice(at, at + size));
  return out;
}

/**
 * Deletes `keys`: their raw assets by id, and the media assets they own (checked with
 * resources_by_ids, since `a/x.png` must not delete `a/x.jpg`'s image), 100 per Admin API call.
 */
export async function deleteKeys(ctx: DriverContext, keys: readonly string[]): Promise<void> {
  // Map every key first: a key Cloudinary cannot name fails before anything is deleted.
  const mappings: KeyMapping[] = keys.map((key) => ctx.keys.map(key));
  const type = ctx.options.deliveryType;
  for (const kind of ['image', 'video'] as const) {
    const wanted = new Map<string, Set<string>>();
    for (const mapping of mappings) {
      if (mapping.media?.resourceType !== kind) continue;
      const owners = wanted.get(mapping.media.publicId) ?? new Set<string>();
      owners.add(mapping.key);
      wanted.set(mapping.media.publicId, owners);
    }
    for (const ids of batches([...wanted.keys()], IDS_PER_CALL)) {
      const existing = await retryOnce(() => ctx.sdk.resourcesByIds(kind, ids, type));
      const owned = existing
        .filter(
          (resource) => wanted.get(resource.public_id)?.has(ctx.keyOf(resource) ?? '') === true,
        )
        .map((resource) => resource.public_id);
      if (owned.length > 0) await ctx.sdk.deleteResources(kind, owned, type);
    }
  }
  const rawIds = [...new Set(mappings.map((mapping) => mapping.raw.publicId))];
  for (const ids of batches(rawIds, IDS_PER_CALL)) await ctx.sdk.deleteResources('raw', ids, type);
}

/**
 * Deletes every key under `prefix`: delete_resources_by_prefix per resource type when the public id
 * prefix selects exactly those keys (repeated while Cloudinary reports a partial deletion), else
 * the listed keys by id.
 */
export async function deletePrefix(ctx: DriverContext, prefix: string): Promise<void> {
  const type = ctx.options.deliveryType;
  for (const resourceType of RESOURCE_TYPES) {
    const server = ctx.keys.serverPrefix(prefix, resourceType);
    if (server.exact && server.publicIdPrefix !== '') {
      let result: { partial: boolean; nextCursor: string | undefined } | undefined;
      do {
        const cursor: string | undefined = result?.nextCursor;
        result = await ctx.sdk.deleteByPrefix(resourceType, server.publicIdPrefix, type, cursor);
      } while (result.partial);
      continue;
    }
    const ids: string[] = [];
    for await (const { resource } of resourcesUnder(ctx, resourceType, prefix)) {
      ids.push(resource.public_id);
    }
    for (const batch of batches(ids, IDS_PER_CALL)) {
      await ctx.sdk.deleteResources(resourceType, batch, type);
    }
  }
}
