import type { EmulatorState } from './emulator-state.js';
import { EmulatorError } from './http-util.js';
import type { RequestParams } from './request-params.js';
import { verifyApiSignature } from './signing.js';

/** Upload API requests (and download URLs) older than this are stale. */
const MAX_AGE_SECONDS = 3600;

/**
 * Checks a signed Upload API request: `api_key`, `signature` over the other parameters, and a
 * `timestamp` under an hour old. Errors mirror Cloudinary's messages; none contains the secret.
 */
export function authenticateSigned(
  state: EmulatorState,
  params: RequestParams,
  options: { checkTimestamp?: boolean } = {},
): void {
  const apiKey = params.get('api_key');
  if (!apiKey) throw new EmulatorError(401, 'Must supply api_key');
  if (apiKey !== state.apiKey) throw new EmulatorError(401, `Unknown API key ${apiKey}`);
  const signature = params.get('signature');
  if (!signature) throw new EmulatorError(401, 'Missing required parameter - signature');
  const timestamp = params.get('timestamp');
  if (!timestamp) throw new EmulatorError(400, 'Missing required parameter - timestamp');
  if (!/^\d+$/.test(timestamp)) throw new EmulatorError(400, `Invalid timestamp ${timestamp}`);
  const check = verifyApiSignature(params, state.apiSecret, state.algorithms);
  if (!check.ok) {
    throw new EmulatorError(
      401,
      `Invalid Signature ${signature}. String to sign - '${check.toSign}'.`,
    );
  }
  const reported = Number(timestamp);
  if (options.checkTimestamp !== false && Date.now() / 1000 - reported > MAX_AGE_SECONDS) {
    throw new EmulatorError(
      401,
      `Stale request - reported time is ${new Date(reported * 1000).toISOString()} which is more than 1 hour ago`,
    );
  }
}
