import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TICKET_FONT } from '../src/pdf-fonts.js';
import { stripTrueTypeHinting } from '../src/ttf-hinting.js';

// fontkit comes with pdfkit: the same parser and subsetter the PDFs are made with.
const requireFromPdfkit = createRequire(createRequire(import.meta.url).resolve('pdfkit'));

interface FontkitGlyph {
  id: number;
  advanceWidth: number;
  path: { toSVG(): string };
  _decode(): { numberOfContours: number } | null;
}
interface FontkitFont {
  numGlyphs: number;
  directory: { tables: Record<string, unknown> };
  glyphForCodePoint(code: number): FontkitGlyph;
  getGlyph(id: number): FontkitGlyph;
  createSubset(): { includeGlyph(id: number): number; encode(): Uint8Array };
}
const fontkit = requireFromPdfkit('fontkit') as { create(data: Buffer): FontkitFont };

/** A subset of `font` as pdfkit embeds it, with the glyphs of `text` (ids 1.. in that order). */
function subsetOf(file: string, text: string): Uint8Array {
  const font = fontkit.create(readFileSync(file));
  const subset = font.createSubset();
  for (const char of text) subset.includeGlyph(font.glyphForCodePoint(char.codePointAt(0)!).id);
  return subset.encode();
}

const TEXT = 'Admission 0123456789 Łódź Zoë Ørsted Şule ÅÉÎ Ωμέγα Дмитрий';

describe('TrueType hinting removed from embedded subsets', () => {
  for (const [weight, file] of Object.entries(DEFAULT_TICKET_FONT)) {
    it(`keeps every outline and advance of DejaVu Sans ${weight}, in half the bytes`, () => {
      const subset = subsetOf(file as string, TEXT);
      const stripped = stripTrueTypeHinting(subset);
      const before = fontkit.create(Buffer.from(subset));
      const after = fontkit.create(Buffer.from(stripped));
      expect(Object.keys(before.directory.tables)).toEqual(
        expect.arrayContaining(['fpgm', 'prep', 'cvt ']),
      );
      for (const tag of ['fpgm', 'prep', 'cvt '])
        expect(after.directory.tables).not.toHaveProperty(tag);
      expect(stripped.byteLength).toBeLessThan(subset.byteLength * 0.6);

      expect(after.numGlyphs).toBe(before.numGlyphs);
      let composites = 0;
      for (let id = 0; id < before.numGlyphs; id++) {
        const [a, b] = [before.getGlyph(id), after.getGlyph(id)];
        if ((a._decode()?.numberOfContours ?? 0) < 0) composites++;
        expect(b.path.toSVG(), `glyph ${id}`).toBe(a.path.toSVG());
        expect(b.advanceWidth).toBe(a.advanceWidth);
      }
      // Accented letters are built from other glyphs: the composite path is exercised too.
      expect(composites).toBeGreaterThan(0);
    });
  }

  it('leaves anything that is not a TrueType font as it was', () => {
    const notAFont = new TextEncoder().encode('OTTO and then some bytes that are no font at all');
    expect(stripTrueTypeHinting(notAFont)).toBe(notAFont);
    const truncated = subsetOf(DEFAULT_TICKET_FONT.regular as string, 'Ab').subarray(0, 200);
    expect(stripTrueTypeHinting(truncated)).toBe(truncated);
  });
});
