import type { DeliveryType, ResourceType, StoredAsset } from './types.js';

/** Where a listing stands: the last asset of the previous page. */
export interface ListPosition {
  createdAt: number;
  publicId: string;
  type: string;
}

/** What a listing selects; `after` is the last asset of the previous page. */
export interface ListQuery {
  resourceType: ResourceType;
  type?: DeliveryType;
  prefix?: string;
  after?: ListPosition;
}

/**
 * Listing order, from https://cloudinary.com/documentation/admin_api_resources_get_resources:
 * with a `prefix`, "the assets are sorted by public ID in the response"; without one, by creation
 * date, newest first (`direction` defaults to descending). Ties by public id and type, so that
 * cursors are exact.
 */
function orderFor(byPublicId: boolean): (a: ListPosition, b: ListPosition) => number {
  return (a, b) =>
    (byPublicId ? 0 : b.createdAt - a.createdAt) ||
    compare(a.publicId, b.publicId) ||
    compare(a.type, b.type);
}

const positionOf = (asset: StoredAsset): ListPosition => ({
  createdAt: asset.createdAt.getTime(),
  publicId: asset.publicId,
  type: asset.type,
});

const keyOf = (resourceType: string, type: string, publicId: string): string =>
  `${resourceType}\u0000${type}\u0000${publicId}`;

/** Code-unit order, stable across locales (the listing order the emulator documents). */
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** In-memory assets, keyed by resource type, delivery type and public id like Cloudinary's. */
export class AssetStore {
  private readonly assets = new Map<string, StoredAsset>();
  private lastVersion = 0;

  get(resourceType: ResourceType, type: DeliveryType, publicId: string): StoredAsset | undefined {
    return this.assets.get(keyOf(resourceType, type, publicId));
  }

  put(asset: StoredAsset): void {
    this.assets.set(keyOf(asset.resourceType, asset.type, asset.publicId), asset);
  }

  delete(resourceType: ResourceType, type: DeliveryType, publicId: string): boolean {
    return this.assets.delete(keyOf(resourceType, type, publicId));
  }

  /** Matching assets (by public id with a prefix, else newest first); after `query.after`. */
  list(query: ListQuery): StoredAsset[] {
    const prefix = query.prefix ?? '';
    const order = orderFor(prefix !== '');
    const after = query.after;
    const found: StoredAsset[] = [];
    for (const asset of this.assets.values()) {
      if (asset.resourceType !== query.resourceType) continue;
      if (query.type && asset.type !== query.type) continue;
      if (!asset.publicId.startsWith(prefix)) continue;
      if (after && order(positionOf(asset), after) <= 0) continue;
      found.push(asset);
    }
    return found.sort((a, b) => order(positionOf(a), positionOf(b)));
  }

  private lastCreated = 0;

  /** A creation time, strictly increasing within this store, so "newest first" is exact. */
  nextCreatedAt(): Date {
    this.lastCreated = Math.max(this.lastCreated + 1, Date.now());
    return new Date(this.lastCreated);
  }

  /** A version number: the current Unix time in seconds, strictly increasing within this store. */
  nextVersion(): number {
    this.lastVersion = Math.max(this.lastVersion + 1, Math.floor(Date.now() / 1000));
    return this.lastVersion;
  }

  clear(): void {
    this.assets.clear();
  }
}

/** Opaque page cursor: base64url of the last (createdAt, publicId, type) returned. */
export function encodeListCursor(asset: StoredAsset): string {
  const position = positionOf(asset);
  return Buffer.from(
    JSON.stringify([position.createdAt, position.publicId, position.type]),
    'utf8',
  ).toString('base64url');
}

/** The position a cursor stands for, or undefined when it is not one of ours. */
export function decodeListCursor(cursor: string): ListPosition | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 3 &&
      typeof value[0] === 'number' &&
      typeof value[1] === 'string' &&
      typeof value[2] === 'string'
    ) {
      return { createdAt: value[0], publicId: value[1], type: value[2] };
    }
  } catch {
    // fall through: a malformed cursor is the caller's 400
  }
  return undefined;
}
