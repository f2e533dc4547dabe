/**
 * Removes TrueType hinting from a font subset before it is embedded: the `fpgm`, `prep` and
 * `cvt ` tables and every glyph's instructions. Hinting adjusts outlines to a screen's pixel grid;
 * PDF viewers scale and anti-alias text instead, and DejaVu Sans spends about half of each glyph's
 * bytes on it: a ticket's two subsets shrink from ~19 KB to ~9 KB each. Outlines, metrics and glyph
 * ids are untouched (the tests compare every glyph's path). Anything that is not a TrueType
 * font with `glyf` outlines, or that does not parse as one, is returned as it was.
 *
 * Formats: the OpenType specification's table directory, `head`, `loca` and `glyf` chapters.
 */

const DROPPED = new Set(['fpgm', 'prep', 'cvt ']);
// Composite glyph flags (glyf chapter).
const ARG_1_AND_2_ARE_WORDS = 0x0001;
const WE_HAVE_A_SCALE = 0x0008;
const MORE_COMPONENTS = 0x0020;
const WE_HAVE_AN_X_AND_Y_SCALE = 0x0040;
const WE_HAVE_A_TWO_BY_TWO = 0x0080;
const WE_HAVE_INSTRUCTIONS = 0x0100;

interface Table {
  tag: string;
  data: Uint8Array;
}

export function stripTrueTypeHinting(font: Uint8Array): Uint8Array {
  try {
    return strip(font) ?? font;
  } catch {
    return font; // a font fontkit wrote but this reader does not follow: embed it as it is
  }
}

function strip(font: Uint8Array): Uint8Array | undefined {
  const view = new DataView(font.buffer, font.byteOffset, font.byteLength);
  // 0x00010000, or 'true' (what fontkit writes): TrueType outlines.
  const version = view.getUint32(0);
  if (version !== 0x00010000 && version !== 0x74727565) return undefined;
  const tables: Table[] = [];
  for (let i = 0, count = view.getUint16(4); i < count; i++) {
    const entry = 12 + 16 * i;
    const tag = String.fromCharCode(...font.subarray(entry, entry + 4));
    const offset = view.getUint32(entry + 8);
    const length = view.getUint32(entry + 12);
    if (offset + length > font.byteLength) return undefined;
    tables.push({ tag, data: font.subarray(offset, offset + length) });
  }
  const find = (tag: string) => tables.find((t) => t.tag === tag);
  const head = find('head');
  const loca = find('loca');
  const glyf = find('glyf');
  if (!head || !loca || !glyf) return undefined;
  const longOffsets = new DataView(head.data.buffer, head.data.byteOffset).getInt16(50) === 1;
  const locaView = new DataView(loca.data.buffer, loca.data.byteOffset, loca.data.byteLength);
  const glyphs = loca.data.byteLength / (longOffsets ? 4 : 2) - 1;
  const offsetOf = (i: number) =>
    longOffsets ? locaView.getUint32(4 * i) : 2 * locaView.getUint16(2 * i);

  const out = new Uint8Array(glyf.data.byteLength + glyphs + 2); // room for padding
  const newLoca = new Uint8Array(loca.data.byteLength);
  const newLocaView = new DataView(newLoca.buffer);
  let at = 0;
  for (let i = 0; i < glyphs; i++) {
    if (longOffsets) newLocaView.setUint32(4 * i, at);
    else newLocaView.setUint16(2 * i, at / 2);
    const glyph = glyf.data.subarray(offsetOf(i), offsetOf(i + 1));
    if (glyph.byteLength === 0) continue;
    const bytes = withoutInstructions(glyph);
    out.set(bytes, at);
    at += bytes.byteLength + (bytes.byteLength % 2); // glyphs start at even offsets
  }
  if (longOffsets) newLocaView.setUint32(4 * glyphs, at);
  else newLocaView.setUint16(2 * glyphs, at / 2);

  const kept = tables
    .filter((t) => !DROPPED.has(t.tag))
    .map((t) => {
      if (t.tag === 'glyf') return { tag: t.tag, data: out.subarray(0, at) };
      if (t.tag === 'loca') return { tag: t.tag, data: newLoca };
      return t;
    });
  return assemble(version, kept);
}

/** A glyph's bytes with no instructions (instructionLength 0, or no WE_HAVE_INSTRUCTIONS). */
function withoutInstructions(glyph: Uint8Array): Uint8Array {
  const view = new DataView(glyph.buffer, glyph.byteOffset, glyph.byteLength);
  const contours = view.getInt16(0);
  if (contours >= 0) {
    // Header (10 bytes), endPtsOfContours, instructionLength, instructions, then the points.
    const lengthAt = 10 + 2 * contours;
    const instructions = view.getUint16(lengthAt);
    const result = new Uint8Array(glyph.byteLength - instructions);
    result.set(glyph.subarray(0, lengthAt));
    result.set(glyph.subarray(lengthAt + 2 + instructions), lengthAt + 2); // length stays 0
    return result;
  }
  // Composite: components until MORE_COMPONENTS is clear; instructions may follow the last.
  const result = glyph.slice();
  const resultView = new DataView(result.buffer);
  let at = 10;
  let flags: number;
  do {
    flags = view.getUint16(at);
    resultView.setUint16(at, flags & ~WE_HAVE_INSTRUCTIONS);
    at += 4 + (flags & ARG_1_AND_2_ARE_WORDS ? 4 : 2);
    if (flags & WE_HAVE_A_SCALE) at += 2;
    else if (flags & WE_HAVE_AN_X_AND_Y_SCALE) at += 4;
    else if (flags & WE_HAVE_A_TWO_BY_TWO) at += 8;
  } while (flags & MORE_COMPONENTS);
  return result.subarray(0, at);
}

/** A font file from its tables: directory sorted by tag, tables 4-byte aligned, checksums set. */
function assemble(version: number, tables: Table[]): Uint8Array {
  tables.sort((a, b) => (a.tag < b.tag ? -1 : 1));
  const count = tables.length;
  let size = 12 + 16 * count;
  for (const t of tables) size += (t.data.byteLength + 3) & ~3;
  const font = new Uint8Array(size);
  const view = new DataView(font.buffer);
  const power = 2 ** Math.floor(Math.log2(count));
  view.setUint32(0, version);
  view.setUint16(4, count);
  view.setUint16(6, power * 16); // searchRange
  view.setUint16(8, Math.log2(power)); // entrySelector
  view.setUint16(10, count * 16 - power * 16); // rangeShift
  let offset = 12 + 16 * count;
  let headOffset = -1;
  tables.forEach((t, i) => {
    const entry = 12 + 16 * i;
    for (let c = 0; c < 4; c++) font[entry + c] = t.tag.charCodeAt(c);
    font.set(t.data, offset);
    if (t.tag === 'head') {
      headOffset = offset;
      view.setUint32(offset + 8, 0); // checkSumAdjustment, computed below
    }
    view.setUint32(entry + 4, checksum(view, offset, t.data.byteLength));
    view.setUint32(entry + 8, offset);
    view.setUint32(entry + 12, t.data.byteLength);
    offset += (t.data.byteLength + 3) & ~3;
  });
  if (headOffset >= 0) {
    view.setUint32(headOffset + 8, (0xb1b0afba - checksum(view, 0, size)) >>> 0);
  }
  return font;
}

function checksum(view: DataView, offset: number, length: number): number {
  let sum = 0;
  const end = offset + ((length + 3) & ~3);
  for (let i = offset; i < end; i += 4) sum = (sum + view.getUint32(i)) >>> 0;
  return sum;
}
