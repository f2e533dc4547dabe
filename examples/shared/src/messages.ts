import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a refused form's message link shows its message. */
const MESSAGE_SECONDS = 10 * 60;

/**
 * Messages carried in a URL after a refused form (post, redirect, get): signed by the server, so
 * that a page shows only messages this app wrote, never text put in a link by someone else, and
 * only for a few minutes (an old link shows none). The text must not quote what the user typed
 * (see `messageFor`): whatever it says, the app vouches for it.
 */
export function signedMessage(
  secret: string,
  text: string,
  now = Date.now(),
): { error: string; error_sig: string } {
  return {
    error: text,
    error_sig: expiringSignature(secret, 'page-message', [text], MESSAGE_SECONDS, now),
  };
}

/** The message of a page's query when its signature is genuine and not expired; else undefined. */
export function verifiedMessage(
  secret: string,
  text: string | undefined,
  signature: string | undefined,
  now = Date.now(),
): string | undefined {
  if (!text) return undefined;
  return isGenuineSignature(secret, 'page-message', [text], signature, now) ? text : undefined;
}

/**
 * A signature over `parts` for one `purpose` (so that one link's signature is never valid for
 * another), valid for `seconds`: `<expiry in Unix seconds>.<HMAC-SHA256, base64url>`.
 */
export function expiringSignature(
  secret: string,
  purpose: string,
  parts: readonly string[],
  seconds: number,
  now = Date.now(),
): string {
  const expires = String(Math.floor(now / 1000) + seconds);
  return `${expires}.${mac(secret, purpose, expires, parts)}`;
}

/** Whether `signature` is one `expiringSignature` made for these parts, and not expired. */
export function isGenuineSignature(
  secret: string,
  purpose: string,
  parts: readonly string[],
  signature: string | undefined,
  now = Date.now(),
): boolean {
  const match = /^(\d{1,12})\.([\w-]+)$/.exec(signature ?? '');
  if (!match) return false;
  const [, expires = '', given = ''] = match;
  if (Number(expires) * 1000 <= now) return false;
  const expected = Buffer.from(mac(secret, purpose, expires, parts));
  const received = Buffer.from(given);
  return received.length === expected.length && timingSafeEqual(received, expected);
}

function mac(secret: string, purpose: string, expires: string, parts: readonly string[]): string {
  // JSON keeps the parts apart: no two lists of parts sign the same bytes.
  return createHmac('sha256', secret)
    .update(JSON.stringify([purpose, expires, ...parts]))
    .digest('base64url');
}
