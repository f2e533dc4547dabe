import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import { widthsArray } from '../src/pdf-embed.js';
import {
  createTicketDocument,
  DEFAULT_TICKET_FONT,
  pdfBytes,
  TicketTypeface,
} from '../src/pdf-fonts.js';

/**
 * pdf-fonts.ts and pdf-embed.ts write pdfkit's private fields and replace methods of its
 * EmbeddedFont (layoutRun, layoutCached, embed) to share fonts between documents. pdfkit is pinned
 * to an exact version for that; these tests fail when an upgrade moves what they rely on.
 */

const requireHere = createRequire(import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
};

/** A fresh document with DejaVu Sans loaded the plain pdfkit way (what pdf-fonts.ts `open` does). */
function plainDocument() {
  const doc = createTicketDocument({ size: 'A6' });
  doc.font(readFileSync(DEFAULT_TICKET_FONT.regular as string));
  return doc as unknown as Record<string, unknown> & PDFKit.PDFDocument;
}

/** Each text item of the PDF's first page with its width in points. */
async function textItems(pdf: Uint8Array): Promise<Array<{ str: string; width: number }>> {
  const document = await getDocument({ data: new Uint8Array(pdf), verbosity: 0 }).promise;
  try {
    const content = await (await document.getPage(1)).getTextContent();
    return content.items.flatMap((item) =>
      'str' in item && item.str !== '' ? [{ str: item.str, width: item.width }] : [],
    );
  } finally {
    await document.destroy();
  }
}

describe('pdfkit, as pdf-fonts.ts patches it', () => {
  it('is pinned to the exact version installed', () => {
    const pinned = manifest.dependencies.pdfkit;
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect((requireHere('pdfkit/package.json') as { version: string }).version).toBe(pinned);
  });

  it('keeps the document and font fields the patch reads and writes', () => {
    const doc = plainDocument();
    expect(typeof doc._fontCount).toBe('number');
    expect(doc._fontFamilies).toBeTypeOf('object');
    const font = doc._font as Record<string, unknown> & { font: Record<string, unknown> };
    expect(Object.values(doc._fontFamilies as object)).toContain(font);
    // The EmbeddedFont: what prepare() patches and embedFont() reads.
    for (const method of ['layoutRun', 'layoutCached', 'widthOfString', 'embed']) {
      expect(font[method], method).toBeTypeOf('function');
    }
    expect(font.widths).toBeInstanceOf(Array);
    expect(font.unicode).toBeInstanceOf(Array);
    expect(font.scale).toBeTypeOf('number');
    expect(font.id).toBeTypeOf('string');
    expect(font.ascender).toBeTypeOf('number');
    expect(font.descender).toBeTypeOf('number');
    expect((font.document as { ref?: unknown }).ref).toBeTypeOf('function');
    // embedFont() writes into the dictionary pdfkit's ref() makes when the font is first used.
    expect(font.ref).toBeTypeOf('function');
    expect((font.ref as () => unknown)()).toBe(font.dictionary);
    const subset = font.subset as Record<string, unknown>;
    expect(subset.glyphs).toBeInstanceOf(Array);
    expect(subset.includeGlyph).toBeTypeOf('function');
    expect(subset.encode).toBeTypeOf('function');
    // The fontkit font: cmap lookups, and the metrics the font descriptor is written from.
    expect(font.font.hasGlyphForCodePoint).toBeTypeOf('function');
    expect(font.font.glyphForCodePoint).toBeTypeOf('function');
    for (const metric of ['italicAngle', 'ascent']) {
      expect(font.font[metric], metric).toBeTypeOf('number');
    }
    expect(font.font.bbox).toMatchObject({ minX: expect.any(Number), maxY: expect.any(Number) });
    expect(font.font.post).toHaveProperty('isFixedPitch');
    expect(font.font.head).toMatchObject({ macStyle: { italic: expect.any(Boolean) } });
    // Later documents make their copy with the constructor: (document, fontkit font, id).
    const Embedded = font.constructor as new (d: unknown, f: unknown, id: string) => object;
    const copy = new Embedded(plainDocument(), font.font, 'F9') as Record<string, unknown>;
    expect(copy.id).toBe('F9');
    expect(copy.scale).toBe(font.scale);
  });

  it('draws text as wide as the typeface measured it, one advance per character', async () => {
    const doc = createTicketDocument({ size: 'A6' });
    const face = new TicketTypeface(doc);
    // "AV", "Wa" and "To" are kerned pairs in DejaVu Sans: pdfkit's own shaping would narrow them.
    const text = 'AVATAR Wave Today Łódź';
    const measured = face.widthOf(text, 'regular', 20);
    doc.fontSize(20);
    face.draw(text, 'regular', 10, 10);
    const items = await textItems(await pdfBytes(doc));
    expect(items.map((i) => i.str).join('')).toBe(text);
    const drawn = items.reduce((sum, i) => sum + i.width, 0);
    expect(drawn).toBeCloseTo(measured, 2);

    const plain = plainDocument();
    const fontkit = plain._font as {
      font: { glyphForCodePoint(c: number): { advanceWidth: number } };
      scale: number;
    };
    let advances = 0;
    for (const char of text)
      advances += fontkit.font.glyphForCodePoint(char.codePointAt(0)!).advanceWidth;
    expect(measured).toBeCloseTo((advances * fontkit.scale * 20) / 1000, 6);
    // Unpatched pdfkit kerns: the patch is what makes the widths above plain advances.
    expect(plain.fontSize(20).widthOfString(text)).not.toBeCloseTo(measured, 2);
  });

  it('pdfBytes gives the bytes pdfkit streams itself, header and xref offsets included', async () => {
    // pdfBytes replaces the document's _write; no font here, so the subset tags (random) are out.
    const draw = () => {
      const doc = createTicketDocument({ size: 'A6', info: { CreationDate: new Date(0) } });
      doc.rect(10, 10, 50, 50).fill('#123456');
      const ref = doc.ref({ Type: 'XObject' }) as unknown as {
        write(chunk: Buffer): void;
        end(): void;
      };
      ref.write(Buffer.from('stream bytes \xff\x00\x80 over 0x7f', 'latin1'));
      ref.end(); // written before pdfBytes is called: waits in the stream's buffer
      doc.addPage();
      doc.circle(40, 40, 20).stroke();
      return doc;
    };
    const streamed = await new Promise<Buffer>((resolve) => {
      const doc = draw();
      const chunks: Buffer[] = [];
      doc.on('data', (chunk: Buffer) => chunks.push(chunk));
      doc.on('end', () => resolve(Buffer.concat(chunks)));
      doc.end();
    });
    const ours = Buffer.from(await pdfBytes(draw()));
    expect(ours.toString('latin1')).toMatch(/^%PDF-1\.\d\n%\xFF\xFF\xFF\xFF\n/);
    expect(ours.equals(streamed)).toBe(true);
  });

  it('writes the cached W array as it writes an array of numbers itself', async () => {
    // embedFont() hands pdfkit the W array as ready text (widthsArray): its PDFObject.convert must
    // still write an object with its own toString tag as `${value}`, with numbers formatted alike.
    const widths = [0, 600, 317.871094, 1000 / 3, 2 / 3, 1e-7, 612.3456789];
    const text = async (W: unknown) => {
      const doc = createTicketDocument({ size: 'A6' });
      // @types/pdfkit wants a chunk; pdfkit's own end() takes none (embedFont's refs end so too).
      (doc.ref({ W }) as unknown as { end(): void }).end();
      return /\/W [^\n]*/.exec(Buffer.from(await pdfBytes(doc)).toString('latin1'))?.[0];
    };
    const own = await text([0, widths]);
    expect(own).toMatch(/^\/W \[0 \[0 600 317\.871094 /);
    expect(await text(widthsArray(widths))).toBe(own);
  });
});
