import { type SignedParams, verifySignedQuery } from '../signing.js';

/** The outcome of checking a request's signature. */
export type SignatureCheck =
  | { state: 'unsigned' }
  | { state: 'valid'; params: SignedParams }
  | { state: 'refused'; message: string };

/** `signingSecret` as a list: several secrets let a secret be rotated without breaking URLs. */
export function secretList(secret: string | readonly string[] | undefined): string[] {
  if (secret === undefined) return [];
  const list = typeof secret === 'string' ? [secret] : [...secret];
  if (list.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw new TypeError('signingSecret must be a non-empty string or a list of non-empty strings');
  }
  return list;
}

/**
 * Checks the HMAC query of a request. A URL that carries a signature must be genuine and
 * unexpired, whatever it addresses: a tampered URL is refused rather than served as unsigned.
 */
export function checkSignature(
  query: URLSearchParams,
  method: 'GET' | 'PUT',
  key: string,
  secrets: readonly string[],
): SignatureCheck {
  if (!query.has('sig') && !query.has('expires')) return { state: 'unsigned' };
  if (secrets.length === 0)
    return { state: 'refused', message: 'Forbidden: signed URLs are not accepted here.' };
  const result = verifySignedQuery(query, method, key, secrets);
  if (result.ok) return { state: 'valid', params: result.params };
  if (result.reason === 'expired')
    return { state: 'refused', message: 'Forbidden: this signed URL has expired.' };
  if (result.reason === 'missing')
    return { state: 'refused', message: 'Forbidden: the signed URL is incomplete.' };
  return { state: 'refused', message: 'Forbidden: invalid signature.' };
}
