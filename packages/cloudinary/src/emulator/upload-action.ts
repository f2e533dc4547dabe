import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { checkContextSize, checkExtension, checkTags, sanitizePublicId } from './account.js';
import { deliveryTypeOf, normalizePublicId } from './asset-params.js';
import { parseContentRange } from './chunked-uploads.js';
import { parseContext, parseTags } from './context.js';
import type { EmulatorState } from './emulator-state.js';
import { EmulatorError } from './http-util.js';
import { detectMedia, extensionOf, imageSize } from './media.js';
import { MAX_BODY_BYTES, type ParsedBody, type UploadedFile } from './request-body.js';
import type { RequestParams } from './request-params.js';
import { uploadResponse } from './resource-json.js';
import type { ResourceType, StoredAsset } from './types.js';

/** Seconds the emulator waits for a remote `file` URL. */
const REMOTE_TIMEOUT_MS = 30_000;

/** Lowercase letters and digits, like Cloudinary's generated ids. */
function randomId(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** `POST /v1_1/C/{rt}/upload`, including chunked uploads (`Content-Range` + `X-Unique-Upload-Id`). */
export async function handleUpload(
  state: EmulatorState,
  req: IncomingMessage,
  urlResourceType: string,
  body: ParsedBody,
): Promise<Record<string, unknown>> {
  const { params } = body;
  let file: UploadedFile;
  const contentRange = req.headers['content-range'];
  if (typeof contentRange === 'string') {
    const uploadId = req.headers['x-unique-upload-id'];
    if (typeof uploadId !== 'string' || uploadId === '') {
      throw new EmulatorError(400, 'Missing X-Unique-Upload-Id header for a chunked upload');
    }
    if (!body.file) throw new EmulatorError(400, 'Missing required parameter - file');
    const range = parseContentRange(contentRange);
    const whole = state.chunks.add(uploadId, range, body.file.data);
    // Intermediate chunks: the SDK only looks for `error` before sending the next one.
    if (!whole) return { done: false, upload_id: uploadId, bytes: state.chunks.received(uploadId) };
    file = { data: whole, filename: body.file.filename };
  } else {
    file = await resolveFile(params, body.file);
  }
  return storeUpload(state, urlResourceType, params, file);
}

/** The uploaded bytes: a file part, a `data:` URI, or a remote http(s) URL fetched now. */
async function resolveFile(
  params: RequestParams,
  part: UploadedFile | undefined,
): Promise<UploadedFile> {
  if (part) return part;
  const source = params.get('file');
  if (!source) throw new EmulatorError(400, 'Missing required parameter - file');
  if (source.startsWith('data:')) return { data: decodeDataUri(source), filename: 'file' };
  if (/^https?:\/\//i.test(source)) return fetchRemote(source);
  throw new EmulatorError(
    400,
    'Invalid file parameter: expected a file, a data URI or an http(s) URL',
  );
}

function decodeDataUri(uri: string): Buffer {
  const comma = uri.indexOf(',');
  if (comma < 0) throw new EmulatorError(400, 'Invalid data URI in file parameter');
  const meta = uri.slice(5, comma);
  const payload = uri.slice(comma + 1);
  if (/;base64$/i.test(meta)) return Buffer.from(payload.replace(/\s+/g, ''), 'base64');
  try {
    return Buffer.from(decodeURIComponent(payload), 'utf8');
  } catch {
    throw new EmulatorError(400, 'Invalid data URI in file parameter');
  }
}

async function fetchRemote(url: string): Promise<UploadedFile> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(REMOTE_TIMEOUT_MS) });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EmulatorError(400, `Error in loading ${url} - ${reason}`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new EmulatorError(
      400,
      `Error in loading ${url} - ${response.status} ${response.statusText}`,
    );
  }
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) {
    await response.body?.cancel();
    throw new EmulatorError(
      400,
      `File size too large. Got ${declared}. Maximum is ${MAX_BODY_BYTES}.`,
    );
  }
  const data = Buffer.from(await response.arrayBuffer());
  const path = new URL(url).pathname;
  let filename = path.slice(path.lastIndexOf('/') + 1);
  try {
    filename = decodeURIComponent(filename);
  } catch {
    // keep the encoded name
  }
  return { data, filename: filename || 'file' };
}

const withoutExtension = (name: string): string => {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
};

/** Picks the resource type and format from the bytes, as Cloudinary does; refuses mismatches. */
function classify(
  urlResourceType: string,
  data: Buffer,
): { resourceType: ResourceType; format: string | undefined } {
  const detected = detectMedia(data);
  if (urlResourceType === 'auto') {
    return detected
      ? { resourceType: detected.kind, format: detected.format }
      : { resourceType: 'raw', format: undefined };
  }
  if (urlResourceType === 'raw') return { resourceType: 'raw', format: undefined };
  if (urlResourceType === 'image') {
    if (detected?.kind !== 'image') throw new EmulatorError(400, 'Invalid image file');
    return { resourceType: 'image', format: detected.format };
  }
  if (urlResourceType === 'video') {
    if (detected?.kind !== 'video')
      throw new EmulatorError(400, 'Unsupported video format or file');
    return { resourceType: 'video', format: detected.format };
  }
  throw new EmulatorError(400, `Invalid resource type ${urlResourceType}`);
}

/** The public id of a new upload: `public_id`, else from the file name or random; `folder` first. */
function publicIdFor(
  state: EmulatorState,
  params: RequestParams,
  filename: string,
  resourceType: ResourceType,
): string {
  let publicId = params.get('public_id');
  if (!publicId) {
    const base = withoutExtension(filename).replace(/[^\p{L}\p{N}._-]+/gu, '_');
    publicId =
      params.bool('use_filename', false) && base
        ? base + (params.bool('unique_filename', true) ? `_${randomId(6)}` : '')
        : randomId(20);
    // Raw public ids keep the file's extension.
    const extension = extensionOf(filename);
    if (resourceType === 'raw' && extension) publicId += `.${extension}`;
  }
  const folder = params.get('folder')?.replace(/^[\s/]+|[\s/]+$/g, '');
  const asked = normalizePublicId(folder ? `${folder}/${publicId}` : publicId);
  // Forbidden characters were refused above; other special characters are replaced (account.ts).
  const stored = sanitizePublicId(asked, state.account.replacedCharacters);
  if (stored === '') throw new EmulatorError(400, `Invalid public_id (${asked})`);
  return stored;
}

function storeUpload(
  state: EmulatorState,
  urlResourceType: string,
  params: RequestParams,
  file: UploadedFile,
): Record<string, unknown> {
  const type = deliveryTypeOf(params.get('type'));
  const { resourceType, format } = classify(urlResourceType, file.data);
  const publicId = publicIdFor(state, params, file.filename, resourceType);
  checkExtension([file.filename, publicId, params.get('format')]);
  const encodedContext = params.get('context');
  checkContextSize(encodedContext, state.account.contextLimit);
  const tags = parseTags(params.get('tags') ?? '');
  checkTags(tags);
  const existing = state.store.get(resourceType, type, publicId);
  if (existing && !params.bool('overwrite', true)) {
    // Cloudinary keeps the stored asset and says so, rather than failing.
    return uploadResponse(state, existing, { existing: true });
  }
  let context = parseContext(encodedContext ?? '');
  if (existing && state.account.retainContextOnOverwrite) {
    // An account set to retain context keeps the old entries; whether what an upload sends
    // replaces or merges is not documented: merged (stricter: stale entries survive).
    context = { ...existing.context, ...context };
  }
  const segments = publicId.split('/');
  const size = resourceType === 'image' && format ? imageSize(file.data, format) : undefined;
  const asset: StoredAsset = {
    assetId: existing?.assetId ?? randomBytes(16).toString('hex'),
    publicId,
    resourceType,
    type,
    format,
    data: file.data,
    version: state.store.nextVersion(),
    versionId: randomBytes(16).toString('hex'),
    createdAt: state.store.nextCreatedAt(),
    etag: createHash('md5').update(file.data).digest('hex'),
    width: size?.width,
    height: size?.height,
    context,
    tags,
    originalFilename: withoutExtension(file.filename),
    // Dynamic folders: the Media Library folder comes from asset_folder (or folder), not from the
    // public id; the display name defaults to the public id's last segment
    // (https://cloudinary.com/documentation/folder_modes).
    assetFolder: (
      params.get('asset_folder') ??
      params.get('folder') ??
      existing?.assetFolder ??
      ''
    ).replace(/^\/+|\/+$/g, ''),
    displayName: params.get('display_name') || segments[segments.length - 1] || publicId,
  };
  state.store.put(asset);
  return uploadResponse(state, asset);
}
