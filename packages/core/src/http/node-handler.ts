import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline, Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { TLSSocket } from 'node:tls';
import type { WebHandler } from './file-handler.js';

/** A `node:http` / Express / Connect handler. */
export type NodeHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/**
 * Request body read and discarded after the response (so the client reads the response, and a
 * keep-alive connection stays usable); past either bound, the connection is closed.
 */
const DRAIN_LIMIT = 8 * 1024 * 1024;
const DRAIN_TIME = 5_000;
/** Request body buffered ahead of the handler before the socket is paused. */
const BODY_HIGH_WATER_MARK = 64 * 1024;
/** Size of each of the two buffers a byte-stream response body is served through. */
const SERVE_BUFFER = 256 * 1024;
const HOST = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

/**
 * Adapts a web handler (`createFileHandler`, `createUploadHandler`, your own) to `node:http` and
 * Express. Bodies stream both ways; when the client goes away, the request's `signal` aborts
 * and the response stream is cancelled, so the storage read stops.
 *
 * Under Express the full path is used (`req.originalUrl`), so `basePath` is the mount path:
 * `app.use('/media', toNodeHandler(createFileHandler(storage, { basePath: '/media' })))`.
 * A handler that throws is passed to `next` when there is one, else answered with a 500.
 */
export function toNodeHandler(handler: WebHandler): NodeHandler {
  return (req, res, next) => {
    const aborter = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) aborter.abort();
    });
    let request: Request;
    try {
      request = toWebRequest(req, res, aborter.signal);
    } catch (error) {
      fail(res, error, next);
      return;
    }
    handler(request).then(
      (response) => writeResponse(response, req, res),
      (error: unknown) => fail(res, error, next),
    );
  };
}

function toWebRequest(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Request {
  const method = (req.method ?? 'GET').toUpperCase();
  const path = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  // A forged Host must not be able to move the path (`Host: a/b`): only a plain host is used.
  const hostHeader = req.headers.host;
  const host = hostHeader !== undefined && HOST.test(hostHeader) ? hostHeader : 'localhost';
  const protocol = (req.socket as Partial<TLSSocket>).encrypted ? 'https' : 'http';
  // Concatenated, not resolved: `//evil/x` must stay a path, not become a host.
  const url = path.startsWith('/')
    ? `${protocol}://${host}${path}`
    : new URL(path, `${protocol}://${host}`).href;

  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    if (name.startsWith(':')) continue; // HTTP/2 pseudo-headers
    try {
      headers.append(name, req.rawHeaders[i + 1]!);
    } catch {
      // A header the Fetch API refuses is dropped rather than failing the request.
    }
  }
  const init: RequestInit & { duplex?: 'half' } = { method, headers, signal };
  if (method !== 'GET' && method !== 'HEAD') {
    init.body = requestBody(req, res);
    init.duplex = 'half'; // required by Node's fetch for a streamed body
  }
  return new Request(url, init);
}

/**
 * The request body as a web stream with backpressure (the socket is paused while the handler is
 * not reading). Unlike `Readable.toWeb`, cancelling it drains the rest instead of destroying the
 * socket, so the client still receives the response (say a 413) sent before the body was read.
 */
function requestBody(req: IncomingMessage, res: ServerResponse): ReadableStream<Uint8Array> {
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let done = false;
  const onData = (chunk: Buffer) => {
    controller?.enqueue(chunk);
    if ((controller?.desiredSize ?? 0) <= 0) req.pause();
  };
  const onEnd = () => settle(() => controller?.close());
  const onError = (error: Error) => settle(() => controller?.error(error));
  const onClose = () =>
    settle(() => controller?.error(new Error('The client closed the connection.')));
  const settle = (action: () => void) => {
    if (done) return;
    done = true;
    detach();
    try {
      action();
    } catch {
      // Already closed by a cancel.
    }
  };
  const detach = () => {
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('error', onError);
    req.off('close', onClose);
  };
  // Once the handler gives up on the body (a 413 on the way), nothing more is read until the
  // response is sent: the client's writes wait, and no byte counts against the drain below before
  // the client could have the answer.
  const stopReading = () => {
    settle(() => controller?.error(new Error('The request body was cancelled.')));
    if (req.complete || req.destroyed) return;
    req.on('error', () => {}); // a client going away now is no failure of anyone's
    req.pause();
  };
  // Whatever the handler did with the body, nothing of it is wanted once the response is sent:
  // the rest is read and dropped for a bounded while, so that a client still sending gets to read
  // the response; past the bound the connection is closed.
  const drain = () => {
    settle(() => controller?.error(new Error('The response was already sent.')));
    if (req.complete || req.destroyed) return;
    let drained = 0;
    const close = () => req.destroy();
    const timer = setTimeout(close, DRAIN_TIME);
    timer.unref();
    req.on('data', (chunk: Buffer) => {
      drained += chunk.byteLength;
      if (drained > DRAIN_LIMIT) close();
    });
    req.once('close', () => clearTimeout(timer));
    req.on('error', () => {});
    req.resume();
  };
  res.once('finish', drain);

  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        req.pause();
        req.on('data', onData);
        req.once('end', onEnd);
        req.once('error', onError);
        req.once('close', onClose);
      },
      pull() {
        req.resume();
      },
      cancel() {
        stopReading();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: BODY_HIGH_WATER_MARK }),
  );
}

function writeResponse(response: Response, req: IncomingMessage, res: ServerResponse): void {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('Set-Cookie', cookies);

  const body = response.body;
  if (body === null || req.method === 'HEAD' || res.destroyed) {
    body?.cancel().catch(() => {});
    res.end();
    return;
  }
  let reader: ReadableStreamBYOBReader | undefined;
  try {
    reader = body.getReader({ mode: 'byob' });
  } catch {
    // Not a byte stream (a TypeError): piped below, chunk by chunk as the source makes them.
  }
  if (reader) {
    void serveBytes(reader, res);
    return;
  }
  // When the client disconnects, pipeline destroys the readable, which cancels the web stream
  // and with it the storage read.
  const readable = Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>);
  pipeline(readable, res, (error) => {
    if (error && !res.destroyed) res.destroy(error);
  });
}

/**
 * Serves a byte stream (the disk driver's bodies are) through two buffers that take turns: one
 * is read into while the other is being sent, and a buffer is read into again only once the
 * socket has taken all of its bytes. Memory stays flat however large the file; piping a default
 * reader instead allocates a new chunk per read and leaves tens of MiB of them to the garbage
 * collector. A client that goes away cancels the read, and with it the storage read.
 */
async function serveBytes(reader: ReadableStreamBYOBReader, res: ServerResponse): Promise<void> {
  // A client that goes away: the read is cancelled (a pending read then ends) and a pending
  // send is failed, whichever is waited for.
  let failSend: ((error: Error) => void) | undefined;
  const onClose = () => {
    const error = new Error('the client went away');
    reader.cancel(error).catch(() => {});
    failSend?.(error);
  };
  res.once('close', onClose);
  const send = (chunk: Uint8Array) =>
    new Promise<ArrayBuffer>((resolve, reject) => {
      failSend = reject;
      res.write(chunk, (error) => (error ? reject(error) : resolve(chunk.buffer as ArrayBuffer)));
    });
  let next = new ArrayBuffer(SERVE_BUFFER);
  let sending: Promise<ArrayBuffer> | undefined;
  try {
    for (;;) {
      // Reading transfers `next` into the stream; `value` is a view of it, filled.
      const { value, done } = await reader.read(new Uint8Array(next));
      if (done || res.destroyed) break;
      // The other buffer (made at the first turn) is free again once the socket has taken it.
      const free = sending ? await sending : new ArrayBuffer(SERVE_BUFFER);
      sending = send(value);
      // Observed here, so that a send failing after a read failed (and nobody awaits it any
      // more) is no unhandled rejection, which would end the process; awaited above otherwise.
      sending.catch(() => {});
      next = free;
    }
    if (sending) await sending;
    res.off('close', onClose);
    if (!res.destroyed) res.end();
  } catch (error) {
    res.off('close', onClose);
    reader.cancel(error).catch(() => {});
    if (!res.destroyed) res.destroy(error as Error);
  }
}

function fail(
  res: ServerResponse,
  error: unknown,
  next: ((error?: unknown) => void) | undefined,
): void {
  if (next) {
    next(error);
    return;
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = 500;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end('Internal Server Error\n');
}
