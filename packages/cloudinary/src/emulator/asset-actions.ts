import { checkContextSize, checkTags, sanitizePublicId } from './account.js';
import {
  concreteResourceType,
  deliveryTypeOf,
  normalizePublicId,
  required,
} from './asset-params.js';
import { parseContext, parseTags } from './context.js';
import type { EmulatorState } from './emulator-state.js';
import { EmulatorError } from './http-util.js';
import type { RequestParams } from './request-params.js';
import { uploadResponse } from './resource-json.js';

/** `POST /v1_1/C/{rt}/destroy`: `{result:'ok'}`, or `{result:'not found'}` (still HTTP 200). */
export function handleDestroy(
  state: EmulatorState,
  urlResourceType: string,
  params: RequestParams,
): Record<string, unknown> {
  const resourceType = concreteResourceType(urlResourceType);
  const type = deliveryTypeOf(params.get('type'));
  const publicId = required(params.get('public_id'), 'public_id');
  return { result: state.store.delete(resourceType, type, publicId) ? 'ok' : 'not found' };
}

/**
 * `POST /v1_1/C/{rt}/rename`: moves an asset to `to_public_id` (and `to_type`), keeping its bytes,
 * version and asset id. An existing target is replaced only with `overwrite`.
 */
export function handleRename(
  state: EmulatorState,
  urlResourceType: string,
  params: RequestParams,
): Record<string, unknown> {
  const resourceType = concreteResourceType(urlResourceType);
  const type = deliveryTypeOf(params.get('type'));
  const toType = deliveryTypeOf(params.get('to_type') || type);
  const from = required(params.get('from_public_id'), 'from_public_id');
  const to = sanitizePublicId(
    normalizePublicId(required(params.get('to_public_id'), 'to_public_id'), 'to_public_id'),
    state.account.replacedCharacters,
  );
  // `context` and `tags` ask for those fields in the answer; they set nothing (pycloudinary
  // test_uploader.py test_rename_supports_context; cloudinary_npm uploader_spec "should include
  // tags in rename response if requested explicitly"). Without them the answer has neither.
  const include = { context: params.bool('context', false), tags: params.bool('tags', false) };
  const source = state.store.get(resourceType, type, from);
  if (!source) throw new EmulatorError(404, `Resource not found - ${from}`);
  if (from === to && type === toType) return uploadResponse(state, source, { include });
  if (state.store.get(resourceType, toType, to) && !params.bool('overwrite', false)) {
    throw new EmulatorError(400, `to_public_id (${to}) already exists`);
  }
  state.store.delete(resourceType, type, from);
  // Dynamic folders: the asset keeps its asset_folder and display name; only the public id changes
  // (https://cloudinary.com/documentation/folder_modes).
  const moved = { ...source, publicId: to, type: toType };
  state.store.put(moved);
  return uploadResponse(state, moved, { include });
}

/**
 * `POST /v1_1/C/{rt}/explicit`: reads an existing asset (and replaces its tags or context when
 * given). Eager transformations and other processing are not emulated.
 */
export function handleExplicit(
  state: EmulatorState,
  urlResourceType: string,
  params: RequestParams,
): Record<string, unknown> {
  const resourceType = concreteResourceType(urlResourceType);
  const type = deliveryTypeOf(params.get('type'));
  const publicId = required(params.get('public_id'), 'public_id');
  const asset = state.store.get(resourceType, type, publicId);
  if (!asset) throw new EmulatorError(404, `Resource not found - ${publicId}`);
  if (params.has('context')) {
    checkContextSize(params.get('context'), state.account.contextLimit);
    asset.context = parseContext(params.get('context') ?? '');
  }
  if (params.has('tags')) {
    const tags = parseTags(params.get('tags') ?? '');
    checkTags(tags);
    asset.tags = tags;
  }
  const assetFolder = params.get('asset_folder');
  if (assetFolder !== undefined) asset.assetFolder = assetFolder.replace(/^\/+|\/+$/g, '');
  return uploadResponse(state, asset);
}
