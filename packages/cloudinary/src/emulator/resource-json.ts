import type { EmulatorState } from './emulator-state.js';
import { deliverySignature, responseSignature } from './signing.js';
import type { StoredAsset } from './types.js';

/** The public id as the SDK puts it in URLs: URI-encoded, with `/` and `:` left as they are. */
export function encodePublicId(publicId: string): string {
  return encodeURIComponent(publicId).replace(/%3A/g, ':').replace(/%2F/g, '/');
}

/**
 * The asset's delivery URL on the emulator. Private and authenticated assets get a signed URL, so
 * the `url` of an answer always works.
 */
export function deliveryUrl(state: EmulatorState, asset: StoredAsset): string {
  const source = encodePublicId(asset.publicId) + (asset.format ? `.${asset.format}` : '');
  const signature =
    asset.type === 'upload'
      ? ''
      : `s--${deliverySignature(source, state.apiSecret, state.signingAlgorithm)}--/`;
  return `${state.baseUrl}/${state.cloudName}/${asset.resourceType}/${asset.type}/${signature}v${asset.version}/${source}`;
}

/** ISO time without milliseconds, as Cloudinary writes `created_at`. */
const isoSeconds = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

const hasEntries = (record: Record<string, string>): boolean => Object.keys(record).length > 0;

/** Fields shared by upload and Admin API answers. */
function common(state: EmulatorState, asset: StoredAsset): Record<string, unknown> {
  const url = deliveryUrl(state, asset);
  return {
    asset_id: asset.assetId,
    public_id: asset.publicId,
    ...(asset.format !== undefined && { format: asset.format }),
    version: asset.version,
    resource_type: asset.resourceType,
    type: asset.type,
    created_at: isoSeconds(asset.createdAt),
    bytes: asset.data.length,
    ...(asset.width !== undefined && { width: asset.width }),
    ...(asset.height !== undefined && { height: asset.height }),
    // Dynamic folder mode answers asset_folder and display_name instead of folder
    // (https://cloudinary.com/documentation/folder_modes_in_integrations, "response keys").
    ...(state.account.folderMode === 'dynamic'
      ? { asset_folder: asset.assetFolder, display_name: asset.displayName }
      : {
          folder: asset.publicId.includes('/')
            ? asset.publicId.slice(0, asset.publicId.lastIndexOf('/'))
            : '',
        }),
    access_mode: 'public',
    url,
    // The emulator speaks plain HTTP, so the "secure" URL is the same one.
    secure_url: url,
  };
}

/** The answer of upload, explicit and rename. */
export function uploadResponse(
  state: EmulatorState,
  asset: StoredAsset,
  extra: { existing?: boolean; include?: { tags: boolean; context: boolean } } = {},
): Record<string, unknown> {
  const include = extra.include ?? { tags: true, context: true };
  return {
    ...common(state, asset),
    version_id: asset.versionId,
    signature: responseSignature(
      asset.publicId,
      asset.version,
      state.apiSecret,
      state.signingAlgorithm,
    ),
    ...(include.tags && { tags: asset.tags }),
    ...(include.context && hasEntries(asset.context) && { context: { custom: asset.context } }),
    etag: asset.etag,
    placeholder: false,
    original_filename: asset.originalFilename,
    api_key: state.apiKey,
    ...(extra.existing && { existing: true }),
  };
}

/**
 * An Admin API resource. Like Cloudinary, listings carry tags and context only when asked for
 * (`tags=true`, `context=true`); the details of one resource always carry them.
 */
export function adminResource(
  state: EmulatorState,
  asset: StoredAsset,
  include: { details: boolean; tags: boolean; context: boolean },
): Record<string, unknown> {
  return {
    ...common(state, asset),
    ...((include.details || include.tags) && { tags: asset.tags }),
    ...((include.details || include.context) &&
      hasEntries(asset.context) && { context: { custom: asset.context } }),
    ...(include.details && { etag: asset.etag, version_id: asset.versionId, derived: [] }),
  };
}
