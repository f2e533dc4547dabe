import { essence, parseSingleMediaType } from '../media-type.js';

/**
 * Types a browser shows without running anything from them. Everything else (HTML, XHTML, SVG,
 * XML, JavaScript, unknown types, ...) counts as active: served from the app's origin it could
 * run script with the app's cookies.
 */
const PASSIVE_TYPES = new Set([
  'text/plain',
  'text/csv',
  'text/vtt',
  'application/json',
  'application/pdf',
  'application/octet-stream',
  'application/zip',
  'application/gzip',
]);

const PASSIVE_FAMILIES = ['image/', 'audio/', 'video/', 'font/'];

/**
 * True unless `contentType` is exactly one clearly passive type (images but SVG, audio, video,
 * fonts, plain text, PDF, ...). A list (`image/png, text/html`: browsers use its last type) or
 * a value that is no valid type is active.
 */
export function isActiveContent(contentType: string): boolean {
  const parsed = parseSingleMediaType(contentType);
  if (parsed === undefined) return true;
  const name = essence(parsed);
  if (PASSIVE_TYPES.has(name)) return false;
  // SVG and any XML flavour can carry script even under image/.
  if (name.includes('svg') || name.includes('xml')) return true;
  return !PASSIVE_FAMILIES.some((family) => name.startsWith(family));
}

/** True when a Content-Disposition value already makes the browser download. */
export function isAttachment(disposition: string | undefined): boolean {
  return disposition !== undefined && /^\s*attachment\b/i.test(disposition);
}
