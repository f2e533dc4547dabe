import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StoredAsset } from './types.js';

/** One satisfiable byte range, inclusive. */
interface ByteRange {
  start: number;
  end: number;
}

/**
 * A single `bytes=` range: the range, `'unsatisfiable'`, or undefined for none (a malformed or
 * multi-range header is ignored and the whole asset is sent, as RFC 9110 allows).
 */
function parseRange(
  header: string | undefined,
  size: number,
): ByteRange | 'unsatisfiable' | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** Whether an If-None-Match header lists this ETag (or `*`). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

/** Sends an asset's bytes: Range (206/416), HEAD, ETag with If-None-Match (304), Last-Modified. */
export function sendAsset(
  req: IncomingMessage,
  res: ServerResponse,
  asset: StoredAsset,
  contentType: string,
  headers: Record<string, string> = {},
  options: { ranges: boolean } = { ranges: true },
): void {
  const size = asset.data.length;
  const etag = `"${asset.etag}"`;
  const common: Record<string, string> = {
    ...headers,
    'Content-Type': contentType,
    ETag: etag,
    'Last-Modified': asset.createdAt.toUTCString(),
    ...(options.ranges && { 'Accept-Ranges': 'bytes' }),
    'Cache-Control': 'public, max-age=2592000',
  };
  if (matchesEtag(req.headers['if-none-match'], etag)) {
    res.writeHead(304, common);
    res.end();
    return;
  }
  const range = options.ranges ? parseRange(req.headers.range, size) : undefined;
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...common, 'Content-Range': `bytes */${size}`, 'Content-Length': '0' });
    res.end();
    return;
  }
  const head = req.method === 'HEAD';
  if (range) {
    res.writeHead(206, {
      ...common,
      'Content-Range': `bytes ${range.start}-${range.end}/${size}`,
      'Content-Length': String(range.end - range.start + 1),
    });
    res.end(head ? undefined : asset.data.subarray(range.start, range.end + 1));
    return;
  }
  res.writeHead(200, { ...common, 'Content-Length': String(size) });
  res.end(head ? undefined : asset.data);
}

/** `attachment; filename="..."` with an RFC 5987 form for non-ASCII names. */
export function attachmentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
