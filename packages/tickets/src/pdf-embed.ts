import { deflateSync } from 'node:zlib';
import { stripTrueTypeHinting } from './ttf-hinting.js';

/** The pdfkit 0.17 `EmbeddedFont` fields the embedding reads. */
export interface EmbeddableFont {
  id: string;
  document: { ref(data?: object): PdfRef };
  dictionary: PdfRef;
  subset: { glyphs: number[]; encode(): Uint8Array };
  widths: number[];
  unicode: number[][];
  scale: number;
  ascender: number;
  descender: number;
  font: {
    postscriptName?: string;
    italicAngle: number;
    capHeight: number;
    ascent: number;
    xHeight: number;
    bbox: { minX: number; minY: number; maxX: number; maxY: number };
    post: { isFixedPitch: number | boolean };
    head: { macStyle: { italic: boolean } };
    'OS/2'?: { sFamilyClass?: number };
  };
}
interface PdfRef {
  data: Record<string, unknown>;
  end(chunk?: Uint8Array | string): unknown;
}

/** A subset as stored in every document that uses the same glyphs: deflated once. */
export interface EncodedSubset {
  file: Uint8Array;
  length: number;
  cmap: string;
  /** The glyph widths (the W array), written out once. */
  widths: PdfText;
}

/**
 * PDF syntax pdfkit writes as it is: its PDFObject.convert ends with `${value}` for an object
 * that Object.prototype.toString does not call a plain Object (hence the tag). Used for the W
 * array, a hundred numbers or more that pdfkit would format again in every document.
 */
class PdfText {
  constructor(private readonly text: string) {}
  get [Symbol.toStringTag]() {
    return 'PdfText';
  }
  toString() {
    return this.text;
  }
}

/** The W array `[0 [w0 w1 ...]]`, numbers as pdfkit writes them (PDFObject.number: at most six decimals). */
export function widthsArray(widths: readonly number[]): PdfText {
  return new PdfText(`[0 [${widths.map((n) => Math.round(n * 1e6) / 1e6).join(' ')}]]`);
}

/**
 * Writes the font into its document as pdfkit's `EmbeddedFont.embed` does (a CIDFontType2 with
 * Identity-H encoding and a ToUnicode map, so that text can be copied and searched), except that
 * the font file has no TrueType hinting (ttf-hinting.ts) and is deflated whatever the document's
 * `compress`, and that the encoded subset comes from `subsets` when the same glyphs were embedded
 * before: the subset is then encoded once for all documents instead of once each (fontkit needs
 * milliseconds for it).
 */
export function embedFont(font: EmbeddableFont, subsets: Map<string, EncodedSubset> | undefined) {
  const doc = font.document;
  const key = `${font.subset.glyphs.join(',')}|${font.unicode.map((c) => c.join('.')).join(',')}`;
  let encoded = subsets?.get(key);
  if (!encoded) {
    const raw = stripTrueTypeHinting(font.subset.encode());
    encoded = {
      file: deflateSync(raw),
      length: raw.byteLength,
      cmap: toUnicodeCmap(font.unicode),
      widths: widthsArray(font.widths),
    };
    if (subsets) {
      if (subsets.size >= 500) subsets.clear();
      subsets.set(key, encoded);
    }
  }
  const fontFile = doc.ref({ Filter: 'FlateDecode', Length1: encoded.length });
  fontFile.end(encoded.file);

  const f = font.font;
  const familyClass = (f['OS/2']?.sFamilyClass ?? 0) >> 8;
  let flags = 1 << 2; // symbolic: glyphs are addressed by id, not by a standard encoding
  if (f.post.isFixedPitch) flags |= 1 << 0;
  if (familyClass >= 1 && familyClass <= 7) flags |= 1 << 1;
  if (familyClass === 10) flags |= 1 << 3;
  if (f.head.macStyle.italic) flags |= 1 << 6;
  // A subset's name starts with six capital letters; pdfkit derives them from the font's id.
  const tag = [1, 2, 3, 4, 5, 6]
    .map((i) => String.fromCharCode((font.id.charCodeAt(i) || 73) + 17))
    .join('');
  const name = `${tag}+${(f.postscriptName ?? 'Font').replaceAll(' ', '_')}`;
  const descriptor = doc.ref({
    Type: 'FontDescriptor',
    FontName: name,
    Flags: flags,
    FontBBox: [f.bbox.minX, f.bbox.minY, f.bbox.maxX, f.bbox.maxY].map((v) => v * font.scale),
    ItalicAngle: f.italicAngle,
    Ascent: font.ascender,
    Descent: font.descender,
    CapHeight: (f.capHeight || f.ascent) * font.scale,
    XHeight: (f.xHeight || 0) * font.scale,
    StemV: 0,
    FontFile2: fontFile,
  });
  descriptor.end();
  const descendant = doc.ref({
    Type: 'Font',
    Subtype: 'CIDFontType2',
    BaseFont: name,
    CIDSystemInfo: {
      Registry: new String('Adobe'),
      Ordering: new String('Identity'),
      Supplement: 0,
    },
    FontDescriptor: descriptor,
    W: encoded.widths,
    CIDToGIDMap: 'Identity',
  });
  descendant.end();
  const cmap = doc.ref();
  cmap.end(encoded.cmap);
  font.dictionary.data = {
    Type: 'Font',
    Subtype: 'Type0',
    BaseFont: name,
    Encoding: 'Identity-H',
    DescendantFonts: [descendant],
    ToUnicode: cmap,
  };
  return font.dictionary.end();
}

const hex = (n: number) => n.toString(16).padStart(4, '0');

/** The ToUnicode CMap of pdfkit: glyph id -> the characters it was drawn for. */
function toUnicodeCmap(unicode: number[][]): string {
  const entries = unicode.map((codePoints) => {
    const units: string[] = [];
    for (const code of codePoints) {
      if (code > 0xffff) {
        const v = code - 0x10000;
        units.push(hex(((v >>> 10) & 0x3ff) | 0xd800), hex(0xdc00 | (v & 0x3ff)));
      } else units.push(hex(code));
    }
    return `<${units.join(' ')}>`;
  });
  const ranges: string[] = [];
  for (let start = 0; start < entries.length; start += 256) {
    const end = Math.min(start + 256, entries.length);
    ranges.push(`<${hex(start)}> <${hex(end - 1)}> [${entries.slice(start, end).join(' ')}]`);
  }
  return `/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo <<
  /Registry (Adobe)
  /Ordering (UCS)
  /Supplement 0
>> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000><ffff>
endcodespacerange
${ranges.length} beginbfrange
${ranges.join('\n')}
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end`;
}
