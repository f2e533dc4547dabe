import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HMAC-SHA256 signed URLs for storages served by this process (the disk driver's signed URLs and
 * direct uploads, private objects behind the R2 media proxy). One scheme, used by the drivers
 * that mint URLs and by the HTTP handlers that check them.
 *
 * Query parameters: `expires` (unix seconds), `sig` (base64url HMAC), and the signed overrides
 * `rcd` (response Content-Disposition), `rct` (response Content-Type), `ct` (upload Content-Type),
 * `max` (upload size limit).
 */
export interface SignedParams {
  method: 'GET' | 'PUT';
  key: string;
  /** Unix time in seconds after which the URL is refused. */
  expires: number;
  responseContentDisposition?: string;
  responseContentType?: string;
  uploadContentType?: string;
  maxSize?: number;
}

function stringToSign(p: SignedParams): string {
  return [
    'stowage-v1',
    p.method,
    p.key,
    String(p.expires),
    p.responseContentDisposition ?? '',
    p.responseContentType ?? '',
    p.uploadContentType ?? '',
    p.maxSize === undefined ? '' : String(p.maxSize),
  ].join('\n');
}

export function sign(params: SignedParams, secret: string): string {
  return createHmac('sha256', secret).update(stringToSign(params)).digest('base64url');
}

/** Encodes a key for a URL path: each segment percent-encoded, `/` kept. */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** `${base}/${key}?expires=..&sig=..`, with the signed overrides. */
export function signedUrlFor(baseUrl: string, params: SignedParams, secret: string): string {
  const query = new URLSearchParams();
  query.set('expires', String(params.expires));
  if (params.responseContentDisposition) query.set('rcd', params.responseContentDisposition);
  if (params.responseContentType) query.set('rct', params.responseContentType);
  if (params.uploadContentType) query.set('ct', params.uploadContentType);
  if (params.maxSize !== undefined) query.set('max', String(params.maxSize));
  query.set('sig', sign(params, secret));
  return `${joinUrl(baseUrl, encodeKeyPath(params.key))}?${query.toString()}`;
}

const SIGNED_QUERY = ['sig', 'expires', 'rcd', 'rct', 'ct', 'max'] as const;
const CANONICAL_EXPIRES = /^(?:0|[1-9]\d{0,11})$/;
const CANONICAL_MAX = /^(?:0|[1-9]\d{0,14})$/;

export type VerifyResult =
  | { ok: true; params: SignedParams }
  | { ok: false; reason: 'missing' | 'expired' | 'invalid' };

/**
 * Checks a request's query against the key and method it asks for. Several secrets may be given
 * so that a secret can be rotated without breaking URLs already handed out.
 */
export function verifySignedQuery(
  query: URLSearchParams,
  method: 'GET' | 'PUT',
  key: string,
  secrets: readonly string[],
  now: number = Date.now(),
): VerifyResult {
  // A repeated parameter could be read one way here and another way elsewhere: refused.
  for (const name of SIGNED_QUERY) {
    if (query.getAll(name).length > 1) return { ok: false, reason: 'invalid' };
  }
  // signedUrlFor writes no empty override; an empty one signs the same bytes as none, yet would
  // replace the stored header (an `attachment` served inline): refused.
  for (const name of ['rcd', 'rct', 'ct'] as const) {
    if (query.get(name) === '') return { ok: false, reason: 'invalid' };
  }
  const sig = query.get('sig');
  const expiresText = query.get('expires');
  if (!sig || !expiresText) return { ok: false, reason: 'missing' };
  // Numbers only as signedUrlFor writes them: no leading zero, sign or space.
  if (!CANONICAL_EXPIRES.test(expiresText)) return { ok: false, reason: 'invalid' };
  const maxText = query.get('max');
  if (maxText !== null && !CANONICAL_MAX.test(maxText)) return { ok: false, reason: 'invalid' };
  const params: SignedParams = {
    method,
    key,
    expires: Number(expiresText),
    responseContentDisposition: query.get('rcd') ?? undefined,
    responseContentType: query.get('rct') ?? undefined,
    uploadContentType: query.get('ct') ?? undefined,
    maxSize: maxText === null ? undefined : Number(maxText),
  };
  // The signature as given, compared with the one canonical base64url spelling of the expected
  // HMAC: decoding first would accept padding, junk, spaces, `+/` and changed unused bits.
  const given = Buffer.from(sig, 'utf8');
  const valid = secrets.some((secret) => {
    const expected = Buffer.from(sign(params, secret), 'utf8');
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!valid) return { ok: false, reason: 'invalid' };
  // Checked after the signature so that an expired URL is only reported as such when genuine.
  if (params.expires * 1000 < now) return { ok: false, reason: 'expired' };
  return { ok: true, params };
}

/** Joins a base URL (absolute or a path like `/media`) and a path without doubling slashes. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * Signed URLs are the same for every call within a window (a quarter of their lifetime, at most
 * 15 minutes), so browsers and CDNs cache what they point to: signed at the window's start, valid
 * until `expiresIn` seconds after its end. Unix seconds.
 */
export function signingWindow(
  expiresIn: number,
  now = Date.now(),
): { signedAt: number; expires: number } {
  const window = Math.min(900, Math.max(1, Math.floor(expiresIn / 4)));
  const signedAt = Math.floor(now / 1000 / window) * window;
  return { signedAt, expires: signedAt + window + expiresIn };
}
