import { keyProblem } from '../keys.js';

/** A key read from a request path, or why there is none. */
export type KeyFromPath =
  | { ok: true; key: string }
  | { ok: false; status: 400 | 404; message: string };

/** `/media/` -> `/media`, `media` -> `/media`, `/` or `''` -> `''` (serve from the root). */
export function normalizeBasePath(basePath: string): string {
  const path = new URL(basePath.startsWith('/') ? basePath : `/${basePath}`, 'http://x').pathname;
  return path.replace(/\/+$/, '');
}

/**
 * The object key a URL addresses under `basePath` (already normalized): the rest of the path,
 * each segment percent-decoded. 404 for a path outside `basePath`; 400 for bad percent-encoding
 * or a key that breaks the key rules.
 */
export function keyFromPath(pathname: string, basePath: string): KeyFromPath {
  if (!pathname.startsWith(`${basePath}/`))
    return { ok: false, status: 404, message: 'Not found.' };
  const encoded = pathname.slice(basePath.length + 1);
  let key: string;
  try {
    // Segment by segment, as encodeKeyPath encodes them; an encoded "/" inside a segment still
    // becomes a separator and is then checked by the key rules like any other.
    key = encoded.split('/').map(decodeURIComponent).join('/');
  } catch {
    return {
      ok: false,
      status: 400,
      message: 'Bad request: invalid percent-encoding in the path.',
    };
  }
  const problem = keyProblem(key);
  if (problem !== undefined) return { ok: false, status: 400, message: `Bad request: ${problem}.` };
  return { ok: true, key };
}

/** `a/b/Été 1.png` -> `Été 1.png`. */
export function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/** `attachment; filename="..."; filename*=UTF-8''...` (RFC 6266), safe for any file name. */
export function attachmentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
