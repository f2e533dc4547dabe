import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { StorageError } from '@stowage/core';
import PDFDocument from 'pdfkit';
import { type EmbeddableFont, type EncodedSubset, embedFont } from './pdf-embed.js';
import { type LayoutGlyph, simpleLayout } from './pdf-layout.js';

/** A TrueType/OpenType font: a file path or the file's bytes. */
export type FontSource = string | Uint8Array;

/** A font family given to the ticket renderer: its regular face, and a bold one if it has it. */
export interface TicketFont {
  regular: FontSource;
  /** Used for titles and labels; the regular face when absent. */
  bold?: FontSource;
}

export type FontWeight = 'regular' | 'bold';

/** A piece of text set in one font. */
export interface TextRun {
  font: string;
  text: string;
}

/** What a character no font has prints as: the replacement character, or `?` without it. */
const REPLACEMENT = 0xfffd;

/**
 * The pdfkit internals this module relies on. pdfkit is pinned to an exact version in package.json;
 * test/pdfkit-internals.test.ts fails when an upgrade moves any of them.
 */
interface PdfkitDocumentState {
  _fontFamilies: Record<string, EmbeddedFontLike>;
  _fontCount: number;
  _font: EmbeddedFontLike | null;
}
interface FontkitFont {
  hasGlyphForCodePoint(codePoint: number): boolean;
  glyphForCodePoint(codePoint: number): LayoutGlyph;
}
interface SubsetLike {
  glyphs: number[];
  includeGlyph(id: number): number;
  encode(): Uint8Array;
}
interface EmbeddedFontLike {
  font: FontkitFont;
  subset: SubsetLike;
  widths: number[];
  unicode: number[][];
  scale: number;
  layoutRun(text: string, features?: unknown): unknown;
  layoutCached(text: string): unknown;
  widthOfString(text: string, size: number): number;
}
type EmbeddedFontClass = new (doc: unknown, font: FontkitFont, id: string) => EmbeddedFontLike;

/** A font loaded once, shared by every document that uses it. */
interface SharedFont {
  key: string;
  make: EmbeddedFontClass;
  font: FontkitFont;
  /** pdfkit lays each word out once per document; the layout of a word never changes. */
  layouts: Map<string, unknown>;
  /** Widths at 1 pt of the texts measured. */
  widths: Map<string, number>;
  /** Encoded subsets by glyph list: a subset is the same bytes whatever the document. */
  subsets: Map<string, EncodedSubset>;
  covers: Map<number, boolean>;
  /** The printable ASCII glyphs, in every subset first (see `prepare`). */
  base: { id: number; width: number; codePoint: number }[];
}

const MAX_LAYOUTS = 20_000;
const shared = new Map<FontSource, SharedFont>();
let cacheEnabled = true;

/**
 * Turns the font caches on or off (for tests that prove the caches change no byte).
 * @internal
 */
export function setFontCache(enabled: boolean): void {
  cacheEnabled = enabled;
  shared.clear();
}

const requireHere = createRequire(import.meta.url);

/**
 * DejaVu Sans (Bitstream Vera licence, free to embed and redistribute): Latin with its
 * extensions, Greek, Cyrillic, Armenian, Georgian, Hebrew and more, in one file per weight.
 */
export const DEFAULT_TICKET_FONT: TicketFont = {
  regular: requireHere.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  bold: requireHere.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
};

/** A pdfkit document with no font loaded yet (fonts are embedded on first use, see {@link TicketTypeface}). */
export function createTicketDocument(options: PDFKit.PDFDocumentOptions): PDFKit.PDFDocument {
  // `font: null` skips pdfkit's default Helvetica; its types only know strings.
  return new PDFDocument({ ...options, font: null as unknown as string });
}

/**
 * The fonts of one document: for each character, the first of the caller's fonts that has it,
 * then DejaVu Sans; a character none has prints as U+FFFD, so no text is ever refused.
 */
export class TicketTypeface {
  private readonly chains: Record<FontWeight, FontSource[]>;
  private readonly loaded = new Map<FontSource, SharedFont>();
  private readonly loadedChains: Partial<Record<FontWeight, SharedFont[]>> = {};

  constructor(
    private readonly doc: PDFKit.PDFDocument,
    fonts: readonly TicketFont[] = [],
  ) {
    const all = [...fonts, DEFAULT_TICKET_FONT];
    this.chains = {
      regular: all.map((f) => f.regular),
      bold: all.map((f) => f.bold ?? f.regular),
    };
  }

  /** Sets the document's font to the weight's first font (for text known to be ASCII). */
  use(weight: FontWeight): PDFKit.PDFDocument {
    const first = this.chains[weight][0] as FontSource;
    return this.doc.font(this.load(first).key);
  }

  /** The text cut into runs, each set in the first font that has its characters. */
  runs(text: string, weight: FontWeight): TextRun[] {
    return this.split(text, weight).map((run) => ({ font: run.font.key, text: run.text }));
  }

  /** The width of the text at `size` points. */
  widthOf(text: string, weight: FontWeight, size: number): number {
    let width = 0;
    for (const run of this.split(text, weight)) width += this.unitWidth(run.font, run.text);
    return width * size;
  }

  /** Draws the text on one line from `x`, `y` at the document's current size and colour. */
  draw(text: string, weight: FontWeight, x: number, y: number): void {
    let at = x;
    for (const run of this.split(text, weight)) {
      this.doc.font(run.font.key);
      this.doc.text(run.text, at, y, { lineBreak: false });
      at += this.doc.widthOfString(run.text);
    }
  }

  private chain(weight: FontWeight): SharedFont[] {
    let chain = this.loadedChains[weight];
    if (!chain) {
      chain = this.chains[weight].map((source) => this.load(source));
      this.loadedChains[weight] = chain;
    }
    return chain;
  }

  private split(text: string, weight: FontWeight): { font: SharedFont; text: string }[] {
    const chain = this.chain(weight);
    const last = chain[chain.length - 1] as SharedFont;
    const runs: { font: SharedFont; text: string }[] = [];
    let current: { font: SharedFont; text: string } | undefined;
    for (const char of text) {
      const code = char.codePointAt(0) ?? 0;
      // A space stays in the run it is in; other characters go to the first font that has them.
      if (current && (code === 0x20 || covers(current.font, code))) {
        current.text += char;
        continue;
      }
      const font = chain.find((f) => covers(f, code));
      const piece = font
        ? char
        : covers(last, REPLACEMENT)
          ? String.fromCodePoint(REPLACEMENT)
          : '?';
      const into = font ?? last;
      if (current?.font === into) current.text += piece;
      else {
        current = { font: into, text: piece };
        runs.push(current);
      }
    }
    return runs;
  }

  /** The width of a run at 1 pt, measured once for all documents. */
  private unitWidth(font: SharedFont, text: string): number {
    let width = font.widths.get(text);
    if (width === undefined) {
      const instance = (this.doc as unknown as PdfkitDocumentState)._fontFamilies[font.key];
      width = (instance as EmbeddedFontLike).widthOfString(text, 1);
      if (font.widths.size >= MAX_LAYOUTS) font.widths.clear();
      font.widths.set(text, width);
    }
    return width;
  }

  /** The shared font, made part of this document on first use. */
  private load(source: FontSource): SharedFont {
    let font = this.loaded.get(source);
    if (font) return font;
    font = shared.get(source);
    if (font) {
      const doc = this.doc as unknown as PdfkitDocumentState;
      doc._fontCount += 1;
      doc._fontFamilies[font.key] = prepare(
        new font.make(this.doc, font.font, `F${doc._fontCount}`),
        font,
      );
    } else {
      font = open(this.doc, source);
      if (cacheEnabled) shared.set(source, font);
    }
    this.loaded.set(source, font);
    return font;
  }
}

function covers(font: SharedFont, code: number): boolean {
  let has = font.covers.get(code);
  if (has === undefined) {
    has = font.font.hasGlyphForCodePoint(code);
    font.covers.set(code, has);
  }
  return has;
}

let opened = 0;

/** Loads a font the ordinary pdfkit way, into `doc`, and keeps what later documents can share. */
function open(doc: PDFKit.PDFDocument, source: FontSource): SharedFont {
  const state = doc as unknown as PdfkitDocumentState;
  let bytes: Uint8Array;
  try {
    bytes = typeof source === 'string' ? readFileSync(source) : source;
    doc.font(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    const what = typeof source === 'string' ? source : `a ${source.byteLength}-byte buffer`;
    throw new StorageError(
      'CONFIG',
      `The ticket font ${what} cannot be loaded: ${error instanceof Error ? error.message : String(error)}. Pass a TrueType or OpenType font file.`,
      { cause: error },
    );
  }
  const instance = state._font as EmbeddedFontLike;
  // pdfkit registers the font under its PostScript name; this module uses its own key, so that
  // the first document and the later ones hold the same entries.
  for (const [name, value] of Object.entries(state._fontFamilies)) {
    if (value === instance) delete state._fontFamilies[name];
  }
  const base = [];
  for (let code = 0x20; code <= 0x7e; code++) {
    if (!instance.font.hasGlyphForCodePoint(code)) continue;
    const glyph = instance.font.glyphForCodePoint(code);
    base.push({ id: glyph.id, width: glyph.advanceWidth * instance.scale, codePoint: code });
  }
  const font: SharedFont = {
    key: `stowage-font-${++opened}`,
    make: instance.constructor as EmbeddedFontClass,
    font: instance.font,
    layouts: new Map(),
    widths: new Map(),
    subsets: new Map(),
    covers: new Map(),
    base,
  };
  state._fontFamilies[font.key] = prepare(instance, font);
  return font;
}

/**
 * Makes a document's copy of a font cheap: pdfkit subsets the font for each document, which
 * costs more than the rest of the ticket. Every subset starts with the printable ASCII glyphs
 * (about 15 KB), so tickets in Latin script all embed the same subset, encoded once; glyphs
 * beyond ASCII follow, and their subsets are cached too. Word layouts are shared.
 */
function prepare(instance: EmbeddedFontLike, font: SharedFont): EmbeddedFontLike {
  for (const glyph of font.base) {
    const id = instance.subset.includeGlyph(glyph.id);
    instance.widths[id] = glyph.width;
    instance.unicode[id] = [glyph.codePoint];
  }
  const shape = instance.layoutRun.bind(instance);
  instance.layoutRun = (text, features) =>
    (features ? undefined : simpleLayout(font.font, text, instance.scale)) ?? shape(text, features);
  (instance as unknown as { embed(): unknown }).embed = () =>
    embedFont(instance as unknown as EmbeddableFont, cacheEnabled ? font.subsets : undefined);
  if (!cacheEnabled) return instance;
  instance.layoutCached = (text) => {
    let run = font.layouts.get(text);
    if (run === undefined) {
      run = instance.layoutRun(text);
      if (font.layouts.size >= MAX_LAYOUTS) font.layouts.clear();
      font.layouts.set(text, run);
    }
    return run;
  };
  return instance;
}

/**
 * Reads a finished pdfkit document into one buffer. pdfkit writes a document line by line through
 * its `_write`, each line a Buffer pushed into its Readable stream (a few hundred per ticket); a
 * profile of issue() had that buffer-and-stream traffic and the final concat at ~5% of rendering.
 * `_write` is replaced on this document by one that keeps the lines as text (latin1, as pdfkit
 * encodes them: one byte per character) and the streams as they are, and keeps pdfkit's byte
 * offset (its xref table is built from it) exactly as its own does. The stream only ends.
 * pdfkit-internals.test.ts checks the bytes are those of pdfkit's own stream.
 */
export function pdfBytes(doc: PDFKit.PDFDocument): Promise<Uint8Array> {
  const parts: (string | Buffer)[] = [];
  let text = '';
  let size = 0;
  const internal = doc as unknown as { _write(data: unknown): void; _offset: number };
  // What pdfkit wrote before (its header, objects ended early) waits in the stream's buffer.
  const before = doc.read() as Buffer | null;
  if (before !== null) {
    parts.push(before);
    size += before.length;
  }
  internal._write = (data) => {
    if (Buffer.isBuffer(data)) {
      if (text !== '') parts.push(text);
      text = '';
      parts.push(data);
      size += data.length;
      internal._offset += data.length;
    } else {
      const line = `${String(data)}\n`;
      text += line;
      size += line.length;
      internal._offset += line.length;
    }
  };
  return new Promise((resolve, reject) => {
    doc.on('end', () => {
      if (text !== '') parts.push(text);
      const out = Buffer.allocUnsafe(size);
      let at = 0;
      for (const part of parts) {
        at += typeof part === 'string' ? out.write(part, at, 'latin1') : part.copy(out, at);
      }
      resolve(out);
    });
    doc.on('error', reject);
    doc.resume();
    doc.end();
  });
}
