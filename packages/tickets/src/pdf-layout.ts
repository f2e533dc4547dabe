/** A glyph as fontkit gives it, and as pdfkit's text drawing reads it. */
export interface LayoutGlyph {
  id: number;
  advanceWidth: number;
  codePoints: number[];
}

interface LayoutFont {
  glyphForCodePoint(codePoint: number): LayoutGlyph;
}

/** What pdfkit's `EmbeddedFont.layoutRun` returns, positions already in 1/1000 em. */
export interface LayoutRun {
  glyphs: LayoutGlyph[];
  positions: {
    xAdvance: number;
    yAdvance: number;
    xOffset: number;
    yOffset: number;
    advanceWidth: number;
  }[];
  advanceWidth: number;
}

/**
 * Scripts set one glyph per character with no shaping: Latin, Greek, Cyrillic and Armenian
 * (precomposed: ticket text is NFC), general punctuation and currency signs. Combining marks and
 * the scripts that need shaping (Hebrew, Arabic, Indic...) are not in it.
 */
function isSimple(code: number): boolean {
  if (code < 0x0300) return true;
  if (code < 0x0370) return false; // combining diacritical marks
  if (code < 0x0483) return true;
  if (code < 0x048a) return false; // Cyrillic combining marks
  if (code < 0x0591) return true;
  if (code >= 0x1e00 && code < 0x2000) return true; // Latin Extended Additional, Greek Extended
  if (code >= 0x2000 && code < 0x20d0) return code < 0x200b || code > 0x200f; // no bidi marks
  return false;
}

/**
 * Lays out text of simple scripts directly from the font's cmap and advance widths: fontkit's
 * OpenType shaping costs about 0.2 ms per new word with DejaVu's tables, more than the rest of a
 * ticket, and these scripts need none of it. Kerning is left out. `undefined` for other text.
 */
export function simpleLayout(font: LayoutFont, text: string, scale: number): LayoutRun | undefined {
  const glyphs: LayoutGlyph[] = [];
  const positions: LayoutRun['positions'] = [];
  let advanceWidth = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (!isSimple(code)) return undefined;
    const glyph = font.glyphForCodePoint(code);
    const width = glyph.advanceWidth * scale;
    glyphs.push(glyph);
    positions.push({ xAdvance: width, yAdvance: 0, xOffset: 0, yOffset: 0, advanceWidth: width });
    advanceWidth += width;
  }
  return { glyphs, positions, advanceWidth };
}
