import {
  createTicketDocument,
  type FontWeight,
  pdfBytes,
  type TicketFont,
  TicketTypeface,
} from './pdf-fonts.js';
import { type FittedText, fitText } from './pdf-text.js';
import { QR_QUIET_ZONE } from './qr.js';
import type { QrMatrix, Ticket } from './types.js';

// A5 landscape, in points: prints on A5 or half an A4, reads well on a phone.
const PAGE_WIDTH = 595.28;
const PAGE_HEIGHT = 419.53;
const HEADER_HEIGHT = 64;
const STUB_X = 400;
const MARGIN = 32;
const MAIN_WIDTH = STUB_X - 2 * MARGIN;
const QR_BOX = 160;

const INK = '#111827';
const MUTED = '#6b7280';
const ACCENT = '#1e2a47';
const STUB_FILL = '#f3f4f6';
const WHITE = '#ffffff';

const REGULAR: FontWeight = 'regular';
const BOLD: FontWeight = 'bold';

/** The part of a pdfkit document `drawQrVector` uses (so that its type needs no @types/pdfkit). */
export interface VectorCanvas {
  save(): unknown;
  transform(m11: number, m12: number, m21: number, m22: number, dx: number, dy: number): unknown;
  addContent(data: string): unknown;
  fill(color: string): unknown;
  restore(): unknown;
}

/**
 * Draws the QR symbol into a pdfkit document as vector rectangles (one per horizontal run of
 * dark modules, one fill), so it prints sharp at any resolution. `x`, `y` is the symbol's top
 * left corner and `side` its width in points, quiet zone not included: keep 4 light modules of
 * space around it.
 */
export function drawQrVector(
  doc: VectorCanvas,
  qr: QrMatrix,
  x: number,
  y: number,
  side: number,
): void {
  // In a coordinate system of one unit per module, every rectangle is a few small integers: a
  // content stream several times shorter than with point coordinates, and faster to compress.
  let path = '';
  for (let row = 0; row < qr.size; row++) {
    let col = 0;
    while (col < qr.size) {
      if (!qr.isDark(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < qr.size && qr.isDark(row, col)) col++;
      path += `${start} ${row} ${col - start} 1 re\n`;
    }
  }
  const module = side / qr.size;
  doc.save();
  doc.transform(module, 0, 0, module, x, y);
  doc.addContent(path.slice(0, -1));
  doc.fill('#000000');
  doc.restore();
}

/** Options of {@link renderTicketPdf}. */
export interface TicketPdfOptions {
  /**
   * Deflate the page content (default false). A compressed ticket is ~3.5 KB instead of ~9 KB,
   * for about 10% more time per render.
   */
  compress?: boolean;
  /**
   * Fonts tried in order for each character before the built-in DejaVu Sans (Latin, Greek,
   * Cyrillic and more), e.g. a Noto Sans CJK or Arabic font for names in those scripts. A
   * character that no font has prints as U+FFFD (a question mark in a diamond).
   */
  fonts?: readonly TicketFont[];
}

/**
 * The default PDF ticket: event title, date, venue, holder, quantity and ids on the left, the QR
 * code (vector) on a tear-off stub on the right. Deterministic: no clock, no random id, so one
 * ticket always gives the same bytes. The fonts are embedded, subset to the glyphs used. Text too
 * long for its box even at its smallest size is cut with an ellipsis: no name blocks a ticket.
 */
export async function renderTicketPdf(
  ticket: Ticket,
  qr: QrMatrix,
  options: TicketPdfOptions = {},
): Promise<Uint8Array> {
  const doc = createTicketDocument({
    size: [PAGE_WIDTH, PAGE_HEIGHT],
    margin: 0,
    compress: options.compress ?? false,
    // pdfkit stamps the current time and derives the trailer /ID from the info it is given: a
    // fixed date (the epoch, as SOURCE_DATE_EPOCH=0 builds do) and the ticket's ids make the /ID
    // the same for every rendering of one ticket, and different between tickets.
    info: {
      Title: `Ticket ${ticket.ticketId} (event ${ticket.eventId})`,
      Creator: 'Stowage tickets',
      CreationDate: new Date(0),
    },
  });
  // Set afterwards, so that pdfkit does not hash it (in JavaScript MD5) into the /ID. No creation
  // date is written: the ticket has no moment of its own, and 1970 would be a wrong one.
  doc.info.Subject = `${ticket.eventTitle}, ${ticket.eventDateText}`;
  delete (doc.info as { CreationDate?: Date }).CreationDate;
  // pdfkit copies the info into XMP metadata, which it writes only for PDF 1.4 and later (tickets
  // are 1.3), and which needs a creation date: skip that copy.
  (doc as unknown as { _addInfo(): void })._addInfo = () => {};
  const face = new TicketTypeface(doc, options.fonts);

  // Measure everything before drawing anything (text too long for its box is cut, never refused).
  const title = fitText(face, ticket.eventTitle, {
    font: BOLD,
    maxSize: 26,
    minSize: 15,
    width: MAIN_WIDTH,
    maxLines: 3,
  });
  const venue =
    ticket.venue === undefined
      ? undefined
      : fitText(face, ticket.venue, { ...VALUE_SPEC, maxLines: 2 });
  const holder = fitText(face, ticket.buyerName, { ...VALUE_SPEC, maxLines: 2 });
  const date = fitText(face, ticket.eventDateText, { ...VALUE_SPEC, maxLines: 1 });
  const stubId = fitText(face, ticket.ticketId, {
    font: BOLD,
    maxSize: 13,
    minSize: 6,
    width: QR_BOX,
    maxLines: 3,
  });

  drawFrame(doc, face, ticket);

  let y = HEADER_HEIGHT + 26;
  y = drawLines(face, title, BOLD, INK, MARGIN, y, 1.12) + 16;
  y = drawField(face, 'DATE & TIME', date, MARGIN, y);
  if (venue) y = drawField(face, 'VENUE', venue, MARGIN, y);
  drawField(face, 'TICKET HOLDER', holder, MARGIN, y);

  // Footer: a note, and the ids (on up to three lines for the longest) at the bottom.
  const ids = fitText(face, `Ticket ${ticket.ticketId}  |  Event ${ticket.eventId}`, {
    font: REGULAR,
    maxSize: 7.5,
    minSize: 5,
    width: MAIN_WIDTH,
    maxLines: 4,
  });
  const idsY = PAGE_HEIGHT - 20 - ids.lines.length * ids.size * 1.2;
  face.use(REGULAR).fontSize(8.5).fillColor(MUTED);
  doc.text('Show this ticket at the entrance, printed or on your phone.', MARGIN, idsY - 18, {
    lineBreak: false,
  });
  drawLines(face, ids, REGULAR, MUTED, MARGIN, idsY, 1.2);

  // The stub: QR on a white square (its quiet zone), the ticket id below.
  const stubCenter = STUB_X + (PAGE_WIDTH - STUB_X) / 2;
  const boxX = stubCenter - QR_BOX / 2;
  const boxY = HEADER_HEIGHT + 36;
  doc.roundedRect(boxX, boxY, QR_BOX, QR_BOX, 6).fill(WHITE);
  const quiet = (QR_BOX * QR_QUIET_ZONE) / (qr.size + 2 * QR_QUIET_ZONE);
  drawQrVector(doc, qr, boxX + quiet, boxY + quiet, QR_BOX - 2 * quiet);
  let stubY = boxY + QR_BOX + 12;
  face.use(REGULAR).fontSize(8).fillColor(MUTED);
  centered(doc, 'SCAN AT THE ENTRANCE', stubCenter, stubY, 1);
  stubY += 16;
  face.use(BOLD).fontSize(stubId.size).fillColor(INK);
  for (const line of stubId.lines) {
    centered(doc, line, stubCenter, stubY, 0);
    stubY += stubId.size * 1.15;
  }

  return pdfBytes(doc);
}

const VALUE_SPEC = { font: REGULAR, maxSize: 14, minSize: 9, width: MAIN_WIDTH };

/** Header band, stub background and the perforation between the two parts. */
function drawFrame(doc: PDFKit.PDFDocument, face: TicketTypeface, ticket: Ticket): void {
  doc.rect(0, 0, PAGE_WIDTH, HEADER_HEIGHT).fill(ACCENT);
  doc.rect(STUB_X, HEADER_HEIGHT, PAGE_WIDTH - STUB_X, PAGE_HEIGHT - HEADER_HEIGHT).fill(STUB_FILL);
  face.use(BOLD).fontSize(11).fillColor(WHITE);
  doc.text('ADMISSION TICKET', MARGIN, 27, { lineBreak: false, characterSpacing: 2 });
  const admit = `ADMIT ${ticket.quantity}`;
  const admitWidth = doc.fontSize(15).widthOfString(admit);
  doc.text(admit, PAGE_WIDTH - 24 - admitWidth, 24, { lineBreak: false });
  // Perforation: a dashed line with a notch at each end.
  doc
    .moveTo(STUB_X, HEADER_HEIGHT + 14)
    .lineTo(STUB_X, PAGE_HEIGHT - 14)
    .dash(4, { space: 4 })
    .lineWidth(1)
    .stroke('#9ca3af')
    .undash();
  doc.circle(STUB_X, HEADER_HEIGHT, 9).fill(WHITE);
  doc.circle(STUB_X, PAGE_HEIGHT, 9).fill(WHITE);
}

/** An upper-case label above a value; returns the y below the value. */
function drawField(
  face: TicketTypeface,
  label: string,
  value: FittedText,
  x: number,
  y: number,
): number {
  face
    .use(BOLD)
    .fontSize(7.5)
    .fillColor(MUTED)
    .text(label, x, y, { lineBreak: false, characterSpacing: 1.2 });
  return drawLines(face, value, REGULAR, INK, x, y + 13, 1.2) + 16;
}

function drawLines(
  face: TicketTypeface,
  text: FittedText,
  weight: FontWeight,
  color: string,
  x: number,
  y: number,
  leading: number,
): number {
  face.use(weight).fontSize(text.size).fillColor(color);
  let at = y;
  for (const line of text.lines) {
    face.draw(line, weight, x, at);
    at += text.size * leading;
  }
  return at;
}

function centered(
  doc: PDFKit.PDFDocument,
  text: string,
  centerX: number,
  y: number,
  spacing: number,
): void {
  const width = doc.widthOfString(text, { characterSpacing: spacing });
  doc.text(text, centerX - width / 2, y, { lineBreak: false, characterSpacing: spacing });
}
