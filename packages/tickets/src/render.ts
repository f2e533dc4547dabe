import type { PayloadSigner } from './payload.js';
import { renderTicketPdf } from './pdf.js';
import { createQrMatrix, renderQrPng } from './qr.js';
import type { QrMatrix, Ticket, TicketRenderer } from './types.js';

/** A ticket's two files, rendered but not stored. */
export interface RenderedTicket {
  /** The signed text in the QR code. */
  payload: string;
  png: Uint8Array;
  pdf: Uint8Array;
}

/** The steps of rendering a ticket, with the caller's overrides where given. */
export interface TicketRendering {
  /** Signs the ticket's ids and encodes the payload as a QR symbol. */
  qr(ticket: Ticket): QrMatrix;
  png(qr: QrMatrix): Promise<Uint8Array>;
  pdf(ticket: Ticket, qr: QrMatrix): Promise<Uint8Array>;
  /** Everything at once. */
  files(ticket: Ticket): Promise<RenderedTicket>;
}

/** The default steps (vector PDF, 1-bit PNG), each replaced by the caller's override if any. */
export function createTicketRendering(
  signer: PayloadSigner,
  overrides: TicketRenderer = {},
): TicketRendering {
  const steps: TicketRendering = {
    qr: (ticket) => createQrMatrix(signer.sign(ticket)),
    png: async (qr) => (overrides.png ? overrides.png(qr) : renderQrPng(qr)),
    pdf: async (ticket, qr) =>
      overrides.pdf
        ? overrides.pdf(ticket, qr)
        : renderTicketPdf(ticket, qr, { fonts: overrides.fonts }),
    async files(ticket) {
      const qr = steps.qr(ticket);
      const [png, pdf] = await Promise.all([steps.png(qr), steps.pdf(ticket, qr)]);
      return { payload: qr.payload, png, pdf };
    },
  };
  return steps;
}
