import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { createQrMatrix, renderQrPng } from '../src/qr.js';
import { decodeQrPng } from './helpers.js';

function reference(payload: string): {
  size: number;
  data: Uint8Array;
  maskPattern: number | undefined;
} {
  const symbol = QRCode.create([{ data: Buffer.from(payload), mode: 'byte' }], {
    errorCorrectionLevel: 'M',
  });
  return { size: symbol.modules.size, data: symbol.modules.data, maskPattern: symbol.maskPattern };
}

function modulesOf(payload: string): Uint8Array {
  const qr = createQrMatrix(payload);
  const out = new Uint8Array(qr.size * qr.size);
  for (let row = 0; row < qr.size; row++) {
    for (let col = 0; col < qr.size; col++) out[row * qr.size + col] = qr.isDark(row, col) ? 1 : 0;
  }
  return out;
}

describe('QR matrix', () => {
  it('is exactly the symbol qrcode.create() makes, best mask included', () => {
    const masks = new Set<number | undefined>();
    const versions = new Set<number>();
    for (let i = 0; i < 400; i++) {
      // Lengths from 1 to ~230 bytes: versions 1 to 10, including version information (>= 7).
      const payload = randomBytes(1 + (i % 173))
        .toString('base64url')
        .slice(0, 1 + ((i * 7) % 230));
      const expected = reference(payload);
      masks.add(expected.maskPattern);
      versions.add(expected.size);
      expect(Buffer.from(modulesOf(payload)).equals(Buffer.from(expected.data)), payload).toBe(
        true,
      );
    }
    expect(masks.size).toBe(8); // every mask got chosen at least once
    expect(versions.size).toBeGreaterThan(8);
  });

  it('renders a PNG any scale and margin decode', () => {
    const qr = createQrMatrix('stw1.E.T.AAAAAAAAAAAAAAAAAAAAAA');
    for (const options of [{}, { scale: 3, margin: 2 }, { scale: 10, margin: 4 }]) {
      expect(decodeQrPng(renderQrPng(qr, options))).toBe(qr.payload);
    }
  });
});
