// A camera for Chromium that films a QR code: a Y4M video file (Chromium's fake capture device
// plays it in a loop), made from a QR symbol (`createQrMatrix` of @stowage/tickets).
import { writeFile } from 'node:fs/promises';

const SIDE = 480;

/** A QR symbol: `size` modules a side. */
export interface QrSymbol {
  size: number;
  isDark(row: number, col: number): boolean;
}

/** Writes a Y4M file of one frame showing the QR symbol, black on white. */
export async function writeQrVideo(path: string, qr: QrSymbol): Promise<void> {
  const modules = qr.size + 8; // a quiet zone of 4 modules each side
  const scale = Math.floor(SIDE / modules);
  const offset = Math.floor((SIDE - modules * scale) / 2) + 4 * scale;
  const luma = Buffer.alloc(SIDE * SIDE, 235);
  for (let row = 0; row < qr.size; row++) {
    for (let col = 0; col < qr.size; col++) {
      if (!qr.isDark(row, col)) continue;
      for (let y = 0; y < scale; y++) {
        const start = (offset + row * scale + y) * SIDE + offset + col * scale;
        luma.fill(16, start, start + scale);
      }
    }
  }
  const chroma = Buffer.alloc((SIDE / 2) * (SIDE / 2) * 2, 128); // no colour
  const header = Buffer.from(`YUV4MPEG2 W${SIDE} H${SIDE} F10:1 Ip A1:1 C420jpeg\nFRAME\n`);
  await writeFile(path, Buffer.concat([header, luma, chroma]));
}
