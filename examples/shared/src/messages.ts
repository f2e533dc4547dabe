import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Messages carried in a URL after a refused form (post, redirect, get): signed by the server, so
 * that a page shows only messages this app wrote, never text put in a link by someone else.
 */
export function signedMessage(secret: string, text: string): { error: string; error_sig: string } {
  return { error: text, error_sig: mac(secret, text) };
}

/** The message of a page's query when its signature is genuine; otherwise undefined. */
export function verifiedMessage(
  secret: string,
  text: string | undefined,
  signature: string | undefined,
): string | undefined {
  if (!text || !signature) return undefined;
  const expected = Buffer.from(mac(secret, text));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? text : undefined;
}

function mac(secret: string, text: string): string {
  return createHmac('sha256', secret).update(`page-message\0${text}`).digest('base64url');
}
