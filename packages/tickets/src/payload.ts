import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { StorageError } from '@stowage/core';
import type { TicketIds, VerifyResult } from './types.js';
import { MAX_ID_LENGTH } from './validate.js';

/** The format tag that starts every payload; a new format gets a new tag. */
export const PAYLOAD_VERSION = 'stw1';

/** Bytes of HMAC-SHA256 kept: 128 bits, 22 characters of base64url. */
const SIGNATURE_BYTES = 16;
const MIN_SECRET_LENGTH = 16;

const ID = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_ID_LENGTH}}$`);
// 16 bytes in base64url, unpadded.
const SIGNATURE = /^[A-Za-z0-9_-]{22}$/;
const VERSION_LIKE = /^stw\d+$/;

/**
 * Signs and checks QR payloads: `stw1.<eventId>.<ticketId>.<signature>`.
 *
 * Ids hold only `A-Z a-z 0-9 - _`, so `.` separates the fields unambiguously. The signature is
 * HMAC-SHA256 over `stw1.<eventId>.<ticketId>`, truncated to 16 bytes, in base64url.
 */
export interface PayloadSigner {
  sign(ids: TicketIds): string;
  verify(scanned: string): VerifyResult;
}

/** Checks the secrets (CONFIG when unusable) and returns a signer; the first secret signs. */
export function createPayloadSigner(signingSecret: string | readonly string[]): PayloadSigner {
  const secrets = typeof signingSecret === 'string' ? [signingSecret] : [...(signingSecret ?? [])];
  if (secrets.length === 0) {
    throw new StorageError(
      'CONFIG',
      'createTicketService needs a signingSecret (a string or a non-empty array).',
    );
  }
  const keys: KeyObject[] = secrets.map((secret, index) => {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
      // Never echo the secret itself.
      throw new StorageError(
        'CONFIG',
        `signingSecret${secrets.length > 1 ? `[${index}]` : ''} must be a string of at least ${MIN_SECRET_LENGTH} characters.`,
      );
    }
    return createSecretKey(Buffer.from(secret, 'utf8'));
  });

  const mac = (key: KeyObject, eventId: string, ticketId: string): Buffer =>
    createHmac('sha256', key)
      .update(`${PAYLOAD_VERSION}.${eventId}.${ticketId}`)
      .digest()
      .subarray(0, SIGNATURE_BYTES);

  return {
    sign({ eventId, ticketId }) {
      const signature = mac(keys[0]!, eventId, ticketId).toString('base64url');
      return `${PAYLOAD_VERSION}.${eventId}.${ticketId}.${signature}`;
    },

    verify(scanned) {
      if (typeof scanned !== 'string') return { valid: false, reason: 'malformed' };
      // Scanners often append a newline.
      const parts = scanned.trim().split('.');
      if (parts.length !== 4) return { valid: false, reason: 'malformed' };
      const [version, eventId, ticketId, signature] = parts as [string, string, string, string];
      if (version !== PAYLOAD_VERSION) {
        return {
          valid: false,
          reason: VERSION_LIKE.test(version) ? 'unsupported-version' : 'malformed',
        };
      }
      if (!ID.test(eventId) || !ID.test(ticketId) || !SIGNATURE.test(signature)) {
        return { valid: false, reason: 'malformed' };
      }
      const given = Buffer.from(signature, 'base64url');
      // Re-encoding rejects non-canonical spellings of the same bytes (the last character's
      // unused bits), so one ticket has exactly one valid payload.
      if (given.length !== SIGNATURE_BYTES || given.toString('base64url') !== signature) {
        return { valid: false, reason: 'malformed' };
      }
      // Every key is tried, so the time taken does not tell which one matched.
      let matched = false;
      for (const key of keys) {
        if (timingSafeEqual(mac(key, eventId, ticketId), given)) matched = true;
      }
      return matched
        ? { valid: true, ticketId, eventId }
        : { valid: false, reason: 'bad-signature' };
    },
  };
}
