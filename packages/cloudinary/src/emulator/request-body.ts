import type { IncomingMessage } from 'node:http';
import { EmulatorError } from './http-util.js';
import { parseMultipart } from './multipart.js';
import { RequestParams } from './request-params.js';

/** Largest request body accepted (one upload, or one chunk of a chunked upload). */
export const MAX_BODY_BYTES = 128 * 1024 * 1024;

/** A file sent as a multipart file part. */
export interface UploadedFile {
  data: Buffer;
  filename: string;
}

/** A parsed request body. */
export interface ParsedBody {
  params: RequestParams;
  file: UploadedFile | undefined;
}

/**
 * Reads the whole body. Past `limit` it keeps reading (so the client sees an answer, not a reset
 * connection) but drops the bytes and then fails with Cloudinary's "File size too large".
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > limit) {
        reject(new EmulatorError(400, `File size too large. Got ${size}. Maximum is ${limit}.`));
      } else {
        resolve(Buffer.concat(chunks, size));
      }
    });
    req.on('error', reject);
  });
}

/** Parses multipart/form-data, urlencoded or JSON bodies into parameters and an optional file. */
export async function parseBody(
  contentType: string | undefined,
  body: Buffer,
): Promise<ParsedBody> {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (body.length === 0) return { params: new RequestParams(), file: undefined };
  if (type === 'multipart/form-data') {
    const params = new RequestParams();
    let file: UploadedFile | undefined;
    for (const part of await parseMultipart(body, contentType ?? '')) {
      if (part.name === 'file' && part.filename !== undefined) {
        file = { data: part.data, filename: part.filename };
      } else {
        params.add(part.name, part.data.toString('utf8'));
      }
    }
    return { params, file };
  }
  if (type === 'application/x-www-form-urlencoded' || type === '') {
    return {
      params: new RequestParams(new URLSearchParams(body.toString('utf8'))),
      file: undefined,
    };
  }
  if (type === 'application/json') return { params: jsonParams(body), file: undefined };
  throw new EmulatorError(400, `Unsupported Content-Type ${type}`);
}

function jsonParams(body: Buffer): RequestParams {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new EmulatorError(400, 'Malformed JSON body');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EmulatorError(400, 'Malformed JSON body: expected an object');
  }
  const params = new RequestParams();
  for (const [name, item] of Object.entries(value)) {
    for (const one of Array.isArray(item) ? item : [item]) {
      if (one === null || one === undefined) continue;
      params.add(name, typeof one === 'object' ? JSON.stringify(one) : String(one));
    }
  }
  return params;
}
