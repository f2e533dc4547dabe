import PDFDocument from 'pdfkit';

/** The standard (non-embedded) fonts tickets use, in the order they get their ids F1, F2. */
export const TICKET_FONTS = ['Helvetica', 'Helvetica-Bold'] as const;

/** The pdfkit 0.17 internals this module relies on; checked before use. */
interface PdfkitFontState {
  _fontFamilies?: Record<string, object>;
  _fontCount?: number;
}

const templates = new Map<string, object>();
let cacheEnabled = true;

/**
 * Turns the font cache on or off (for tests that prove the cache changes no byte).
 * @internal
 */
export function setFontCache(enabled: boolean): void {
  cacheEnabled = enabled;
  templates.clear();
}

/**
 * A pdfkit document with Helvetica and Helvetica-Bold loaded, without parsing their metrics again.
 *
 * pdfkit reads and parses the font's AFM metrics file for every document that uses a standard
 * font (and for Helvetica even when none is used, as the default font): about 80% of the time
 * of a small document. The parsed metrics never change, so each document here gets its own
 * font object (own id and PDF reference) sharing the metrics parsed once by the first document.
 * If pdfkit's internals ever differ from what is expected, fonts load the ordinary way.
 */
export function createTicketDocument(options: PDFKit.PDFDocumentOptions): PDFKit.PDFDocument {
  // `font: null` skips pdfkit's default Helvetica; its types only know strings.
  const doc = new PDFDocument({ ...options, font: null as unknown as string });
  const state = doc as unknown as PdfkitFontState;
  for (const name of TICKET_FONTS) {
    const template = cacheEnabled ? templates.get(name) : undefined;
    if (
      template &&
      typeof state._fontFamilies === 'object' &&
      typeof state._fontCount === 'number'
    ) {
      state._fontCount += 1;
      state._fontFamilies[name] = Object.assign(
        Object.create(Object.getPrototypeOf(template)),
        template,
        {
          document: doc,
          id: `F${state._fontCount}`,
          dictionary: null,
          embedded: false,
        },
      );
      continue;
    }
    doc.font(name);
    const loaded = (doc as unknown as { _font?: { font?: unknown; document?: unknown } })._font;
    if (
      cacheEnabled &&
      loaded?.document === doc &&
      typeof loaded.font === 'object' &&
      loaded.font !== null
    ) {
      fastKerning(loaded.font);
      templates.set(name, loaded);
    }
  }
  return doc;
}

/**
 * pdfkit looks kerning up as `kernPairs[left + '\0' + right]` for every pair of glyphs, a new
 * string to hash each time: the costliest step of setting text. The shared metrics get the same
 * table as nested maps keyed by glyph name. Only fonts of this module's documents are changed.
 */
function fastKerning(metrics: object): void {
  const { kernPairs } = metrics as { kernPairs?: unknown };
  if (typeof kernPairs !== 'object' || kernPairs === null) return;
  const table = new Map<string, Map<string, number>>();
  for (const [pair, value] of Object.entries(kernPairs)) {
    const [left, right] = pair.split('\0');
    if (left === undefined || right === undefined || typeof value !== 'number') return;
    let row = table.get(left);
    if (!row) {
      row = new Map();
      table.set(left, row);
    }
    row.set(right, value);
  }
  Object.defineProperty(metrics, 'getKernPair', {
    value: (left: string, right: string): number => table.get(left)?.get(right) ?? 0,
  });
}

/** Reads a finished pdfkit document into one buffer. */
export function pdfBytes(doc: PDFKit.PDFDocument): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.end();
  });
}
