import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { deliveryTypeOf, isDeliveryType, isResourceType } from './asset-params.js';
import { decodeListCursor, encodeListCursor, type ListPosition } from './asset-store.js';
import type { EmulatorState } from './emulator-state.js';
import { decodeSegment, EmulatorError } from './http-util.js';
import type { RequestParams } from './request-params.js';
import { adminResource } from './resource-json.js';
import type { DeliveryType, ResourceType } from './types.js';

/** At most this many public ids per `delete_resources` call, as on Cloudinary. */
export const MAX_DELETE_IDS = 100;
/** At most this many assets per delete-by-prefix call; the rest needs another call. */
export const MAX_DELETE_BY_PREFIX = 1000;
/** `max_results` default and ceiling of listings. */
const DEFAULT_MAX_RESULTS = 10;
const MAX_MAX_RESULTS = 500;

const sameText = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

/** Checks HTTP Basic credentials (`api_key:api_secret`), as the Admin API requires. */
export function authenticateBasic(state: EmulatorState, req: IncomingMessage): void {
  const header = req.headers.authorization ?? '';
  const match = /^Basic\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw new EmulatorError(401, 'Must supply api_key');
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const key = colon >= 0 ? decoded.slice(0, colon) : decoded;
  const secret = colon >= 0 ? decoded.slice(colon + 1) : '';
  if (key !== state.apiKey) throw new EmulatorError(401, `Unknown API key ${key}`);
  if (!sameText(secret, state.apiSecret)) throw new EmulatorError(401, 'api_secret mismatch');
}

/**
 * Admin API routes under `/v1_1/C/`: `ping`, and `resources/{rt}[/{type}[/{public_id}]]` (GET) and
 * `resources/{rt}/{type}` (DELETE). `segments` start after the cloud name.
 */
export function handleAdmin(
  state: EmulatorState,
  method: string,
  segments: string[],
  params: RequestParams,
): Record<string, unknown> {
  const [root, rt, type, ...idSegments] = segments;
  if (root === 'ping' && segments.length === 1 && method === 'GET') return { status: 'ok' };
  if (root !== 'resources' || !rt || !isResourceType(rt)) throw unknownRoute();
  if (type !== undefined && !isDeliveryType(type)) throw unknownRoute();
  if (method === 'GET' && idSegments.length > 0 && type) {
    const publicId = idSegments.map(decodeSegment).join('/');
    const asset = state.store.get(rt, type, publicId);
    if (!asset) throw new EmulatorError(404, `Resource not found - ${publicId}`);
    return adminResource(state, asset, { details: true, tags: true, context: true });
  }
  if (idSegments.length > 0) throw unknownRoute();
  if (method === 'GET') return listResources(state, rt, type, params);
  if (method === 'DELETE' && type) return deleteResources(state, rt, type, params);
  throw unknownRoute();
}

const unknownRoute = (): EmulatorError => new EmulatorError(404, 'Unsupported Admin API route');

function cursorAfter(params: RequestParams): ListPosition | undefined {
  const cursor = params.get('next_cursor');
  if (!cursor) return undefined;
  const after = decodeListCursor(cursor);
  if (!after) throw new EmulatorError(400, `Invalid next_cursor ${cursor}`);
  return after;
}

/** Lists as Cloudinary orders (asset-store.ts). `public_ids[]` returns just those assets. */
function listResources(
  state: EmulatorState,
  resourceType: ResourceType,
  type: DeliveryType | undefined,
  params: RequestParams,
): Record<string, unknown> {
  const include = {
    details: false,
    tags: params.bool('tags', false),
    context: params.bool('context', false),
  };
  const ids = params.all('public_ids');
  if (ids.length > 0) {
    const deliveryType = deliveryTypeOf(type);
    const found = ids.flatMap((id) => state.store.get(resourceType, deliveryType, id) ?? []);
    return { resources: found.map((a) => adminResource(state, a, include)) };
  }
  const rawMax = params.get('max_results');
  const parsed = rawMax === undefined ? DEFAULT_MAX_RESULTS : Number(rawMax);
  if (!Number.isInteger(parsed)) throw new EmulatorError(400, `Invalid max_results ${rawMax}`);
  const max = Math.min(Math.max(parsed, 1), MAX_MAX_RESULTS);
  const matching = state.store.list({
    resourceType,
    type,
    prefix: params.get('prefix') ?? '',
    after: cursorAfter(params),
  });
  const page = matching.slice(0, max);
  const last = page[page.length - 1];
  return {
    resources: page.map((a) => adminResource(state, a, include)),
    ...(matching.length > max && last && { next_cursor: encodeListCursor(last) }),
  };
}

/** `delete_resources` (`public_ids[]`), `delete_resources_by_prefix` (`prefix`) or `all=true`. */
function deleteResources(
  state: EmulatorState,
  resourceType: ResourceType,
  type: DeliveryType,
  params: RequestParams,
): Record<string, unknown> {
  // No prototype, so a public id like `__proto__` is just a key.
  const deleted: Record<string, string> = Object.create(null);
  const counts: Record<string, { original: number; derived: number }> = Object.create(null);
  const ids = params.all('public_ids');
  if (ids.length > 0) {
    if (ids.length > MAX_DELETE_IDS) {
      throw new EmulatorError(400, `Too many public_ids: at most ${MAX_DELETE_IDS} per call`);
    }
    for (const id of ids) {
      const gone = state.store.delete(resourceType, type, id);
      deleted[id] = gone ? 'deleted' : 'not_found';
      counts[id] = { original: gone ? 1 : 0, derived: 0 };
    }
    return { deleted, deleted_counts: counts, partial: false };
  }
  const prefix = params.get('prefix');
  if (!prefix && !params.bool('all', false)) {
    throw new EmulatorError(400, 'Must specify public_ids, prefix or all');
  }
  const matching = state.store.list({
    resourceType,
    type,
    prefix: prefix ?? '',
    after: cursorAfter(params),
  });
  const batch = matching.slice(0, MAX_DELETE_BY_PREFIX);
  for (const asset of batch) {
    state.store.delete(resourceType, type, asset.publicId);
    deleted[asset.publicId] = 'deleted';
    counts[asset.publicId] = { original: 1, derived: 0 };
  }
  const last = batch[batch.length - 1];
  const partial = matching.length > batch.length;
  return {
    deleted,
    deleted_counts: counts,
    partial,
    ...(partial && last && { next_cursor: encodeListCursor(last) }),
  };
}
