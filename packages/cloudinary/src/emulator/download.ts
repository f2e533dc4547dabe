import type { IncomingMessage, ServerResponse } from 'node:http';
import { concreteResourceType, deliveryTypeOf, required } from './asset-params.js';
import type { EmulatorState } from './emulator-state.js';
import { EmulatorError } from './http-util.js';
import { contentTypeForExtension, extensionOf } from './media.js';
import type { RequestParams } from './request-params.js';
import { attachmentDisposition, sendAsset } from './send-asset.js';
import { authenticateSigned } from './upload-auth.js';

/** How long a download URL without `expires_at` stays valid after its `timestamp`. */
const DEFAULT_VALIDITY_SECONDS = 3600;

/**
 * `GET|HEAD /v1_1/C/{rt}/download?...`, the URL `utils.private_download_url` builds: signed like an
 * upload, valid until `expires_at` (or an hour after `timestamp`); streams the original asset.
 */
export function handleDownload(
  state: EmulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  urlResourceType: string,
  params: RequestParams,
): void {
  authenticateSigned(state, params, { checkTimestamp: false });
  const now = Date.now() / 1000;
  const expiresAt = params.get('expires_at');
  if (expiresAt !== undefined && !/^\d+$/.test(expiresAt)) {
    throw new EmulatorError(400, `Invalid expires_at ${expiresAt}`);
  }
  const deadline = expiresAt
    ? Number(expiresAt)
    : Number(params.get('timestamp')) + DEFAULT_VALIDITY_SECONDS;
  if (now > deadline) throw new EmulatorError(401, 'Download URL has expired');

  const resourceType = concreteResourceType(urlResourceType);
  const type = deliveryTypeOf(params.get('type'));
  const publicId = required(params.get('public_id'), 'public_id');
  const asset = state.store.get(resourceType, type, publicId);
  if (!asset) throw new EmulatorError(404, `Resource not found - ${publicId}`);

  const format = params.get('format');
  const headers: Record<string, string> = {};
  if (format && asset.format && format !== asset.format) {
    headers['X-Emulator-Transformation'] = `f_${format}`;
  }
  if (params.bool('attachment', false)) {
    const base = publicId.slice(publicId.lastIndexOf('/') + 1);
    headers['Content-Disposition'] = attachmentDisposition(
      asset.format ? `${base}.${asset.format}` : base,
    );
  }
  // Whether the download API honours Range is not documented: it is ignored here (the whole
  // file, 200), the stricter reading for a client that asks for part of it.
  sendAsset(
    req,
    res,
    asset,
    contentTypeForExtension(asset.format ?? extensionOf(publicId)),
    headers,
    { ranges: false },
  );
}
