import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestParams } from './request-params.js';
import type { SignatureAlgorithm } from './types.js';

/** Parameters Cloudinary leaves out of the string to sign. */
const UNSIGNED = new Set(['file', 'api_key', 'resource_type', 'cloud_name', 'signature']);

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Cloudinary's string to sign: non-empty parameters sorted by name, `k=v` joined with `&`.
 * Signature version 2 (the SDK default) also escapes `&` inside each pair as `%26`.
 */
export function apiStringToSign(
  params: RequestParams,
  options: { version?: 1 | 2; localeOrder?: boolean } = {},
): string {
  const pairs = params.joined().filter(([name, value]) => !UNSIGNED.has(name) && value !== '');
  // The SDK sorts with localeCompare; for parameter names (a-z and _) both orders almost always agree.
  pairs.sort((a, b) => (options.localeOrder ? a[0].localeCompare(b[0]) : byCodeUnit(a[0], b[0])));
  return pairs
    .map(([name, value]) => {
      const pair = `${name}=${value}`;
      return options.version === 1 ? pair : pair.replace(/&/g, '%26');
    })
    .join('&');
}

function hash(input: string, algorithm: SignatureAlgorithm, encoding: 'hex' | 'base64'): string {
  return createHash(algorithm).update(input).digest(encoding);
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The algorithm a hex signature was made with, told apart by its length. */
function algorithmOfHex(signature: string): SignatureAlgorithm | undefined {
  if (!/^[0-9a-f]+$/i.test(signature)) return undefined;
  if (signature.length === 40) return 'sha1';
  if (signature.length === 64) return 'sha256';
  return undefined;
}

/**
 * Checks an Upload API signature. Accepts signature versions 1 and 2 and either sort order, like
 * the SDK can produce; `toSign` is the canonical version-2 string for the error message.
 */
export function verifyApiSignature(
  params: RequestParams,
  secret: string,
  algorithms: readonly SignatureAlgorithm[],
): { ok: boolean; toSign: string } {
  const signature = (params.get('signature') ?? '').toLowerCase();
  const toSign = apiStringToSign(params);
  const algorithm = algorithmOfHex(signature);
  if (!algorithm || !algorithms.includes(algorithm)) return { ok: false, toSign };
  const candidates = new Set([
    toSign,
    apiStringToSign(params, { localeOrder: true }),
    apiStringToSign(params, { version: 1 }),
    apiStringToSign(params, { version: 1, localeOrder: true }),
  ]);
  for (const candidate of candidates) {
    if (sameText(hash(candidate + secret, algorithm, 'hex'), signature))
      return { ok: true, toSign };
  }
  return { ok: false, toSign };
}

/** The `signature` field of upload responses (what `verify_api_response_signature` checks). */
export function responseSignature(
  publicId: string,
  version: number,
  secret: string,
  algorithm: SignatureAlgorithm,
): string {
  return hash(`public_id=${publicId}&version=${version}${secret}`, algorithm, 'hex');
}

/** The `XXXXXXXX` of a delivery URL's `s--XXXXXXXX--` component (32 chars for long signatures). */
export function deliverySignature(
  toSign: string,
  secret: string,
  algorithm: SignatureAlgorithm,
  length = 8,
): string {
  return hash(toSign + secret, algorithm, 'base64')
    .slice(0, length)
    .replace(/\//g, '_')
    .replace(/\+/g, '-');
}

/**
 * Whether `signature` signs one of `candidates` (the same path, encoded or decoded). 8 characters
 * are SHA-1 or SHA-256 (`signature_algorithm`); 32 are SHA-256 (`long_url_signature`).
 */
export function verifyDeliverySignature(
  candidates: readonly string[],
  signature: string,
  secret: string,
  algorithms: readonly SignatureAlgorithm[],
): boolean {
  const usable =
    signature.length === 32
      ? algorithms.filter((a) => a === 'sha256')
      : signature.length === 8
        ? algorithms
        : [];
  return usable.some((algorithm) =>
    candidates.some((toSign) =>
      sameText(deliverySignature(toSign, secret, algorithm, signature.length), signature),
    ),
  );
}
