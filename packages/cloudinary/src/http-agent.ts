import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { RateLimitHeaders } from './map-error.js';

/** How long the headers of a rate-limited answer are used for errors that follow it. */
const RATE_LIMIT_MEMORY_MS = 30_000;

/** An agent for the SDK's API calls that remembers the last rate-limit headers it saw. */
export interface ObservingAgent {
  agent: http.Agent;
  /** Headers of the most recent 420/429 answer, if it came in the last 30 seconds. */
  lastRateLimit(): RateLimitHeaders | undefined;
}

type AddRequest = (request: ClientRequest, options: unknown) => void;

const headerText = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

/**
 * A keep-alive agent for `uploadPrefix`: `http.Agent` for http:// prefixes (the SDK's https module
 * refuses plain http without one: ERR_INVALID_PROTOCOL), `https.Agent` otherwise.
 *
 * The SDK drops response headers from its errors, so the agent watches responses: a 420/429's
 * `X-FeatureRateLimit-Reset` and `Retry-After` give the error its `retryAfter`.
 */
export function createObservingAgent(uploadPrefix: string): ObservingAgent {
  const agent = uploadPrefix.startsWith('http:')
    ? new http.Agent({ keepAlive: true })
    : new https.Agent({ keepAlive: true });
  let last: { at: number; headers: RateLimitHeaders } | undefined;
  const record = (response: IncomingMessage) => {
    if (response.statusCode !== 420 && response.statusCode !== 429) return;
    last = {
      at: Date.now(),
      headers: {
        reset: headerText(response.headers['x-featureratelimit-reset']),
        retryAfter: headerText(response.headers['retry-after']),
      },
    };
  };
  // `addRequest` is how every ClientRequest reaches its agent (proxy agents hook it the same way).
  const target = agent as unknown as { addRequest: AddRequest };
  const addRequest = target.addRequest.bind(agent);
  target.addRequest = (request, options) => {
    request.once('response', record);
    addRequest(request, options);
  };
  return {
    agent,
    lastRateLimit: () =>
      last && Date.now() - last.at <= RATE_LIMIT_MEMORY_MS ? last.headers : undefined,
  };
}
