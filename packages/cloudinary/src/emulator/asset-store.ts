import type { DeliveryType, ResourceType, StoredAsset } from './types.js';

/** What a listing selects; `after` is the last (publicId, type) of the previous page. */
export interface ListQuery {
  resourceType: ResourceType;
  type?: DeliveryType;
  prefix?: string;
  after?: { publicId: string; type: string };
}

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

  /** Matching assets sorted by public id, then type; starts after `query.after`. */
  list(query: ListQuery): StoredAsset[] {
    const prefix = query.prefix ?? '';
    const after = query.after;
    const found: StoredAsset[] = [];
    for (const asset of this.assets.values()) {
      if (asset.resourceType !== query.resourceType) continue;
      if (query.type && asset.type !== query.type) continue;
      if (!asset.publicId.startsWith(prefix)) continue;
      if (after) {
        const byId = compare(asset.publicId, after.publicId);
        if (byId < 0 || (byId === 0 && compare(asset.type, after.type) <= 0)) continue;
      }
      found.push(asset);
    }
    return found.sort((a, b) => compare(a.publicId, b.publicId) || compare(a.type, b.type));
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

/** Opaque page cursor: base64url of the last (publicId, type) returned. */
export function encodeListCursor(asset: StoredAsset): string {
  return Buffer.from(JSON.stringify([asset.publicId, asset.type]), 'utf8').toString('base64url');
}

/** The position a cursor stands for, or undefined when it is not one of ours. */
export function decodeListCursor(cursor: string): { publicId: string; type: string } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string'
    ) {
      return { publicId: value[0], type: value[1] };
    }
  } catch {
    // fall through: a malformed cursor is the caller's 400
  }
  return undefined;
}
