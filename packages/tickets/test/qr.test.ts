import { randomBytes } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { zlibCompress } from '../src/deflate.js';
import { createQrMatrix, renderQrPng } from '../src/qr.js';
import { formatBits } from '../src/qr-mask.js';
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

  it('computes the format information of the QR specification', () => {
    // ISO 18004 Annex C example: level M (bits 00), mask 101 -> 100000011001110.
    expect(formatBits(0, 5)).toBe(0b100000011001110);
  });

  it('renders a PNG any scale and margin decode', () => {
    const qr = createQrMatrix('stw1.E.T.AAAAAAAAAAAAAAAAAAAAAA');
    for (const options of [{}, { scale: 3, margin: 2 }, { scale: 10, margin: 4 }]) {
      expect(decodeQrPng(renderQrPng(qr, options))).toBe(qr.payload);
    }
  });
});

describe('QR PNG compression', () => {
  it('round-trips any bytes through zlib, whatever the distances tried', () => {
    for (let i = 0; i < 200; i++) {
      const length = (i * 997) % 70_000; // past the 32 KiB window and 5552-byte Adler-32 blocks
      const bytes = randomBytes(length);
      // Mostly runs and repeats, some noise: every match length and distance code gets used.
      for (let j = 0; j < length; j++) if (j % 11 !== 0) bytes[j] = bytes[j % (1 + (i % 300))]! & 3;
      const distances = [1, 1 + (i % 40), 1 + ((i * 131) % 40_000), 0, -3];
      expect(inflateSync(zlibCompress(bytes, distances)).equals(bytes), `case ${i}`).toBe(true);
    }
  });

  it('keeps a ticket QR PNG small, and readable by a PNG decoder', () => {
    const qr = createQrMatrix(`stw1.${'E'.repeat(22)}.${'T'.repeat(22)}.${'S'.repeat(22)}`);
    const png = renderQrPng(qr);
    expect(decodeQrPng(png)).toBe(qr.payload);
    // Literal bytes only would be ~14 KB; zlib at level 1 makes ~0.7 KB.
    expect(png.byteLength).toBeLessThan(1500);
  });
});
