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

/** `Text/HTML; charset=utf-8` -> `text/html`. */
export function mediaTypeEssence(contentType: string): string {
  return (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
}

/** True unless `contentType` is clearly passive (images but SVG, audio, video, fonts, plain text, PDF, ...). */
export function isActiveContent(contentType: string): boolean {
  const essence = mediaTypeEssence(contentType);
  if (PASSIVE_TYPES.has(essence)) return false;
  // SVG and any XML flavour can carry script even under image/.
  if (essence.includes('svg') || essence.includes('xml')) return true;
  return !PASSIVE_FAMILIES.some((family) => essence.startsWith(family));
}

/** True when a Content-Disposition value already makes the browser download. */
export function isAttachment(disposition: string | undefined): boolean {
  return disposition !== undefined && /^\s*attachment\b/i.test(disposition);
}
