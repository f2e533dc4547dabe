import type { ServerResponse } from 'node:http';

/** An error a handler throws to answer with a Cloudinary-shaped JSON error. */
export class EmulatorError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'EmulatorError';
  }
}

/** Writes `body` as JSON; a HEAD request gets the headers only. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

/** Writes Cloudinary's error shape, `{"error":{"message":...}}`. */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { message } }, headers);
}

/** `decodeURIComponent` that answers 400 instead of throwing URIError. */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new EmulatorError(400, `Malformed URL encoding in '${segment}'`);
  }
}
