/** What the first bytes of a file say it is. */
export interface DetectedMedia {
  kind: 'image' | 'video';
  format: string;
}

const startsWith = (data: Buffer, bytes: number[], offset = 0): boolean =>
  data.length >= offset + bytes.length && bytes.every((b, i) => data[offset + i] === b);

const ascii = (data: Buffer, start: number, end: number): string =>
  data.subarray(start, Math.min(end, data.length)).toString('latin1');

/**
 * Detects the image and video formats Cloudinary accepts as `image` or `video` resources from
 * magic bytes. Audio counts as video, as on Cloudinary; PDF counts as an image, as on Cloudinary.
 */
export function detectMedia(data: Buffer): DetectedMedia | undefined {
  if (startsWith(data, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return image('png');
  if (startsWith(data, [0xff, 0xd8, 0xff])) return image('jpg');
  if (ascii(data, 0, 6) === 'GIF87a' || ascii(data, 0, 6) === 'GIF89a') return image('gif');
  if (ascii(data, 0, 4) === 'RIFF' && ascii(data, 8, 12) === 'WEBP') return image('webp');
  if (ascii(data, 0, 4) === 'RIFF' && ascii(data, 8, 12) === 'WAVE') return video('wav');
  if (ascii(data, 0, 4) === 'RIFF' && ascii(data, 8, 12) === 'AVI ') return video('avi');
  if (ascii(data, 0, 5) === '%PDF-') return image('pdf');
  if (looksLikeBmp(data)) return image('bmp');
  if (startsWith(data, [0x49, 0x49, 0x2a, 0x00]) || startsWith(data, [0x4d, 0x4d, 0x00, 0x2a])) {
    return image('tiff');
  }
  if (
    startsWith(data, [0x00, 0x00, 0x01, 0x00]) &&
    data.length > 6 &&
    (data[4] ?? 0) + (data[5] ?? 0) > 0
  ) {
    return image('ico');
  }
  if (ascii(data, 4, 8) === 'ftyp') {
    const brand = ascii(data, 8, 12);
    if (brand === 'avif' || brand === 'avis') return image('avif');
    if (brand === 'heic' || brand === 'heix' || brand === 'mif1') return image('heic');
    if (brand === 'qt  ') return video('mov');
    if (brand.startsWith('M4A')) return video('m4a');
    return video('mp4');
  }
  if (startsWith(data, [0x1a, 0x45, 0xdf, 0xa3])) return video('webm');
  if (ascii(data, 0, 4) === 'OggS') return video('ogg');
  if (ascii(data, 0, 3) === 'ID3' || startsWith(data, [0xff, 0xfb])) return video('mp3');
  if (looksLikeSvg(data)) return image('svg');
  return undefined;
}

const image = (format: string): DetectedMedia => ({ kind: 'image', format });
const video = (format: string): DetectedMedia => ({ kind: 'video', format });

/** The root element is `<svg`, after an optional XML declaration, comments and SVG doctype. */
function looksLikeSvg(data: Buffer): boolean {
  const head = data
    .subarray(0, 4096)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  return /^(?:<\?xml[^>]*>\s*|<!--[\s\S]*?-->\s*|<!DOCTYPE\s+svg[^>]*>\s*)*<svg[\s>]/i.test(head);
}

/** `BM`, the file size in the header, and a known DIB header size: plain text starting "BM" is not. */
function looksLikeBmp(data: Buffer): boolean {
  if (ascii(data, 0, 2) !== 'BM' || data.length < 26) return false;
  return (
    data.readUInt32LE(2) === data.length &&
    [12, 40, 52, 56, 64, 108, 124].includes(data.readUInt32LE(14))
  );
}

/** Pixel size read from the image header, for the formats where that is cheap. */
export function imageSize(
  data: Buffer,
  format: string,
): { width: number; height: number } | undefined {
  try {
    switch (format) {
      case 'png':
        return data.length >= 24
          ? { width: data.readUInt32BE(16), height: data.readUInt32BE(20) }
          : undefined;
      case 'gif':
        return data.length >= 10
          ? { width: data.readUInt16LE(6), height: data.readUInt16LE(8) }
          : undefined;
      case 'jpg':
        return jpegSize(data);
      case 'webp':
        return webpSize(data);
      case 'bmp':
        return { width: data.readInt32LE(18), height: Math.abs(data.readInt32LE(22)) };
      default:
        return undefined;
    }
  } catch {
    // a truncated header: no dimensions rather than an error
    return undefined;
  }
}

function jpegSize(data: Buffer): { width: number; height: number } | undefined {
  let offset = 2;
  while (offset + 9 < data.length) {
    if (data[offset] !== 0xff) return undefined;
    const marker = data[offset + 1] ?? 0;
    // SOF0..SOF15 carry the size, except DHT (C4), JPG (C8) and DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: data.readUInt16BE(offset + 5), width: data.readUInt16BE(offset + 7) };
    }
    offset += 2 + data.readUInt16BE(offset + 2);
  }
  return undefined;
}

function webpSize(data: Buffer): { width: number; height: number } | undefined {
  const chunk = ascii(data, 12, 16);
  if (chunk === 'VP8 ' && data.length >= 30) {
    return { width: data.readUInt16LE(26) & 0x3fff, height: data.readUInt16LE(28) & 0x3fff };
  }
  if (chunk === 'VP8L' && data.length >= 25) {
    const bits = data.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X' && data.length >= 30) {
    return { width: data.readUIntLE(24, 3) + 1, height: data.readUIntLE(27, 3) + 1 };
  }
  return undefined;
}

const CONTENT_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  bmp: 'image/bmp',
  tiff: 'image/tiff',
  tif: 'image/tiff',
  ico: 'image/x-icon',
  avif: 'image/avif',
  heic: 'image/heic',
  mp4: 'video/mp4',
  m4a: 'audio/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  ogg: 'video/ogg',
  avi: 'video/x-msvideo',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  txt: 'text/plain',
  csv: 'text/csv',
  html: 'text/html',
  htm: 'text/html',
  css: 'text/css',
  js: 'application/javascript',
  json: 'application/json',
  xml: 'application/xml',
  zip: 'application/zip',
  gz: 'application/gzip',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
};

/** Content-Type for a file extension (without dot); `application/octet-stream` when unknown. */
export function contentTypeForExtension(extension: string | undefined): string {
  return (extension && CONTENT_TYPES[extension.toLowerCase()]) || 'application/octet-stream';
}

/** The extension of the last path segment of `name`, lowercased, without dot. */
export function extensionOf(name: string): string | undefined {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 && dot < base.length - 1 ? base.slice(dot + 1).toLowerCase() : undefined;
}
