import type { IncomingMessage, ServerResponse } from 'node:http';
import { isPdfOrZip } from './account.js';
import { isDeliveryType, isResourceType } from './asset-params.js';
import type { EmulatorState } from './emulator-state.js';
import { decodeSegment, EmulatorError } from './http-util.js';
import { contentTypeForExtension, extensionOf } from './media.js';
import { attachmentDisposition, sendAsset } from './send-asset.js';
import { verifyDeliverySignature } from './signing.js';
import { sendTransformed } from './transform.js';
import type { DeliveryType, ResourceType, StoredAsset } from './types.js';

/** A transformation component such as `w_200`, `c_fill`, `t_named`, `$var_3`. */
const TRANSFORMATION_PART = /^\$?[a-z]{1,3}_[^,]*$/;
const isTransformation = (segment: string): boolean =>
  segment.split(',').every((part) => TRANSFORMATION_PART.test(part));

/** One way to read the path after the signature: transformation segments, then the source. */
interface Reading {
  transformation: string[];
  source: string[];
}

/**
 * Splits `[transformation/...][v123/]public_id[.fmt]`. With a version the split is certain; without
 * one, a leading segment that looks like a transformation may also be a folder, so every reading is
 * kept and the one naming a stored asset wins (the SDK adds `v1` to ids with folders to avoid this).
 */
function readings(rest: string[]): Reading[] {
  const version = rest.findIndex((s, i) => i < rest.length - 1 && /^v\d+$/.test(s));
  if (version >= 0)
    return [{ transformation: rest.slice(0, version), source: rest.slice(version + 1) }];
  const found: Reading[] = [{ transformation: [], source: rest }];
  for (let k = 0; k < rest.length - 1 && isTransformation(rest[k] ?? ''); k++) {
    found.push({ transformation: rest.slice(0, k + 1), source: rest.slice(k + 1) });
  }
  return found;
}

/** The strings a delivery signature may sign for a reading: as sent, and percent-decoded. */
function signedStrings(reading: Reading): string[] {
  const raw = [...reading.transformation, ...reading.source].join('/');
  const decoded = [...reading.transformation, ...reading.source].map(decodeSegment).join('/');
  return raw === decoded ? [raw] : [raw, decoded];
}

/** The stored asset a source names, and the format the URL asks for. */
function lookup(
  state: EmulatorState,
  resourceType: ResourceType,
  type: DeliveryType,
  source: string[],
): { asset: StoredAsset; requestedFormat: string | undefined } | undefined {
  const name = source.map(decodeSegment).join('/');
  const extension = extensionOf(name);
  if (resourceType !== 'raw' && extension) {
    const asset = state.store.get(resourceType, type, name.slice(0, -extension.length - 1));
    if (asset) return { asset, requestedFormat: extension };
  }
  const asset = state.store.get(resourceType, type, name);
  return asset ? { asset, requestedFormat: undefined } : undefined;
}

/**
 * `GET|HEAD /{cloud}/{rt}/{type}/[s--SIG--/][transformation/][v123/]{public_id}[.fmt]`.
 * The transformation is named in `X-Emulator-Transformation` (plus `f_<fmt>` when the URL asks for
 * another format) and applied by transform.ts when it can be; otherwise the original is served.
 */
export function handleDelivery(
  state: EmulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  segments: string[],
): void {
  const [cloud, resourceType, type, ...afterType] = segments;
  const notFound = new EmulatorError(404, 'Resource not found', {
    'X-Cld-Error': 'Resource not found',
  });
  if (req.method !== 'GET' && req.method !== 'HEAD')
    throw new EmulatorError(404, 'Unsupported method');
  if (cloud !== state.cloudName || !resourceType || !type) throw notFound;
  if (!isResourceType(resourceType) || !isDeliveryType(type)) throw notFound;
  let rest = afterType;
  const signature = /^s--([A-Za-z0-9_-]{8}|[A-Za-z0-9_-]{32})--$/.exec(rest[0] ?? '')?.[1];
  if (signature) rest = rest.slice(1);
  if (rest.length === 0 || rest.some((s) => s === '')) throw notFound;

  let candidates = readings(rest);
  if (signature) {
    candidates = candidates.filter((reading) =>
      verifyDeliverySignature(signedStrings(reading), signature, state.apiSecret, state.algorithms),
    );
    if (candidates.length === 0) throw unauthorized('Invalid signature');
  } else if (type !== 'upload') {
    throw unauthorized('Signature required');
  }

  for (const reading of candidates) {
    const found = lookup(state, resourceType, type, reading.source);
    if (!found) continue;
    const { asset, requestedFormat } = found;
    const delivered = requestedFormat ?? asset.format ?? extensionOf(asset.publicId);
    if (!state.account.allowPdfZipDelivery && isPdfOrZip(delivered)) {
      // New accounts block delivery URLs of PDF and ZIP files, signed or not (account.ts); the
      // download API (private_download_url) still serves them. 401 vs 404 varies in the reports:
      // 401 is modelled, as it tells the caller why.
      throw unauthorized('Delivery of PDF and ZIP files is not allowed for this account');
    }
    const unapplied = reading.transformation.map(decodeSegment);
    if (requestedFormat && requestedFormat !== asset.format) unapplied.push(`f_${requestedFormat}`);
    const headers: Record<string, string> = {};
    // encodeURI keeps the header ASCII whatever the URL carried.
    if (unapplied.length > 0) headers['X-Emulator-Transformation'] = encodeURI(unapplied.join('/'));
    if (unapplied.some((t) => t.split(',').includes('fl_attachment'))) {
      const base = asset.publicId.slice(asset.publicId.lastIndexOf('/') + 1);
      headers['Content-Disposition'] = attachmentDisposition(
        asset.format ? `${base}.${asset.format}` : base,
      );
    }
    const extension = asset.format ?? extensionOf(asset.publicId);
    const send = () => sendAsset(req, res, asset, contentTypeForExtension(extension), headers);
    if (!sendTransformed(req, res, asset, unapplied, headers, send)) send();
    return;
  }
  throw notFound;
}

function unauthorized(reason: string): EmulatorError {
  return new EmulatorError(401, reason, { 'X-Cld-Error': reason });
}
