import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticateBasic, handleAdmin } from './admin-api.js';
import { handleDestroy, handleExplicit, handleRename } from './asset-actions.js';
import { handleDelivery } from './delivery.js';
import { handleDownload } from './download.js';
import type { EmulatorState } from './emulator-state.js';
import { EmulatorError, sendError, sendJson } from './http-util.js';
import { parseBody, readBody } from './request-body.js';
import { RequestParams } from './request-params.js';
import type { EmulatorApiKind, RecordedRequest } from './types.js';
import { handleUpload } from './upload-action.js';
import { authenticateSigned } from './upload-auth.js';

const UPLOAD_ACTIONS = new Set(['upload', 'destroy', 'rename', 'explicit']);

/** Which API a path belongs to: `/v1_1/C/resources/...` and `/v1_1/C/ping` are Admin API. */
function apiKindOf(segments: string[]): EmulatorApiKind {
  if (segments[0] === 'v1_1') {
    if (segments[2] === 'resources' || segments[2] === 'ping') return 'admin';
    if (segments.length === 4) return 'upload';
    return 'unknown';
  }
  return segments.length >= 4 ? 'delivery' : 'unknown';
}

/**
 * The emulator's request listener. Every request is recorded (path without query, so no
 * signature); every failure becomes a JSON error, never an exception that escapes.
 */
export function createRequestListener(
  state: EmulatorState,
  log: RecordedRequest[],
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt >= 0 ? url.slice(0, queryAt) : url;
    const query = queryAt >= 0 ? url.slice(queryAt + 1) : '';
    const segments = path.split('/').slice(1);
    const entry: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      apiKind: apiKindOf(segments),
    };
    log.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    route(state, req, res, entry.apiKind, segments, query).catch((error: unknown) => {
      try {
        if (error instanceof EmulatorError) {
          sendError(res, error.status, error.message, error.headers);
        } else {
          const reason = error instanceof Error ? error.message : String(error);
          sendError(res, 500, `Internal emulator error: ${reason}`);
        }
      } catch {
        // Even the error answer failed (the socket is gone): drop the connection, keep serving.
        res.destroy();
      }
    });
  };
}

async function route(
  state: EmulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  kind: EmulatorApiKind,
  segments: string[],
  query: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  if (kind === 'delivery') {
    handleDelivery(state, req, res, segments);
    return;
  }
  if (kind === 'unknown') throw new EmulatorError(404, `Unknown path ${segments.join('/')}`);
  const cloud = segments[1];
  if (cloud !== state.cloudName) throw new EmulatorError(401, `Invalid cloud_name ${cloud}`);
  const queryParams = new RequestParams(new URLSearchParams(query));

  if (kind === 'admin') {
    authenticateBasic(state, req);
    const rateHeaders = state.rateLimit.consume();
    state.failures.throwIfPending('admin');
    try {
      const params =
        method === 'GET' || method === 'HEAD'
          ? queryParams
          : mergeParams(
              queryParams,
              (await parseBody(req.headers['content-type'], await readBody(req))).params,
            );
      sendJson(res, 200, handleAdmin(state, method, segments.slice(2), params), rateHeaders);
    } catch (error) {
      // Admin answers carry the rate-limit headers, errors included.
      if (error instanceof EmulatorError) {
        throw new EmulatorError(error.status, error.message, { ...rateHeaders, ...error.headers });
      }
      throw error;
    }
    return;
  }

  const [, , resourceType = '', action = ''] = segments;
  if (action === 'download' && (method === 'GET' || method === 'HEAD')) {
    state.failures.throwIfPending('upload');
    handleDownload(state, req, res, resourceType, queryParams);
    return;
  }
  if (!UPLOAD_ACTIONS.has(action) || method !== 'POST') {
    throw new EmulatorError(404, `Unsupported Upload API route ${method} ${action}`);
  }
  state.failures.throwIfPending('upload');
  const body = await parseBody(req.headers['content-type'], await readBody(req));
  authenticateSigned(state, body.params);
  if (action === 'upload') {
    sendJson(res, 200, await handleUpload(state, req, resourceType, body));
  } else if (action === 'destroy') {
    sendJson(res, 200, handleDestroy(state, resourceType, body.params));
  } else if (action === 'rename') {
    sendJson(res, 200, handleRename(state, resourceType, body.params));
  } else {
    sendJson(res, 200, handleExplicit(state, resourceType, body.params));
  }
}

function mergeParams(first: RequestParams, second: RequestParams): RequestParams {
  const merged = new RequestParams();
  for (const source of [first, second]) {
    for (const [name] of source.joined()) {
      for (const value of source.all(name)) merged.add(name, value);
    }
  }
  return merged;
}
