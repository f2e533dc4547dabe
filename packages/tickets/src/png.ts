/** A minimal PNG writer for 1-bit grayscale images such as QR codes. */
import { zlibCompress } from './deflate.js';

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let crcTable: Uint32Array | undefined;

// zlib.crc32 exists only from Node 20.15: the PNG specification's table-driven CRC.
function crc32(bytes: Uint8Array, start: number, end: number): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = crcTable[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * A 1-bit grayscale PNG (bit 1 is white) of `width` x `height` from its scanlines: `height`
 * rows of a filter type byte and `ceil(width / 8)` bytes. `similarRows`: how many rows down a
 * row tends to repeat the one above it (a QR's module height in pixels), a distance the
 * compressor tries besides the byte before and the row above.
 */
export function encodeGrayPng(
  width: number,
  height: number,
  scanlines: Uint8Array,
  similarRows = 1,
): Uint8Array {
  const stride = Math.ceil(width / 8) + 1;
  const idat = zlibCompress(scanlines, [1, stride, stride * similarRows]);
  const png = new Uint8Array(SIGNATURE.length + 25 + 12 + idat.length + 12);
  const view = new DataView(png.buffer);
  png.set(SIGNATURE);
  let at = SIGNATURE.length;
  const chunk = (type: string, fill: (offset: number) => number) => {
    const start = at;
    for (let i = 0; i < 4; i++) png[start + 4 + i] = type.charCodeAt(i);
    const length = fill(start + 8);
    view.setUint32(start, length);
    view.setUint32(start + 8 + length, crc32(png, start + 4, start + 8 + length));
    at = start + 12 + length;
  };
  chunk('IHDR', (offset) => {
    view.setUint32(offset, width);
    view.setUint32(offset + 4, height);
    png[offset + 8] = 1; // bit depth
    png[offset + 9] = 0; // grayscale; compression, filter and interlace methods 0
    return 13;
  });
  chunk('IDAT', (offset) => {
    png.set(idat, offset);
    return idat.length;
  });
  chunk('IEND', () => 0);
  return png;
}
