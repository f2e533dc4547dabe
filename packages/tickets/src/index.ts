export { defaultLayout, layoutPrefixes } from './layout.js';
export { PAYLOAD_VERSION } from './payload.js';
export { drawQrVector, renderTicketPdf, type TicketPdfOptions, type VectorCanvas } from './pdf.js';
export {
  DEFAULT_TICKET_FONT,
  type FontSource,
  type TicketFont,
} from './pdf-fonts.js';
export { createQrMatrix, type QrPngOptions, renderQrPng } from './qr.js';
export type { RenderedTicket } from './render.js';
export { createTicketService, type TicketService } from './service.js';
export type {
  IssuedTicket,
  IssueManyOptions,
  MigrateOptions,
  MigrateProgress,
  MigrateSummary,
  QrMatrix,
  Ticket,
  TicketFile,
  TicketIdInput,
  TicketIds,
  TicketInput,
  TicketLayout,
  TicketRef,
  TicketRenderer,
  TicketServiceOptions,
  VerifyFailure,
  VerifyResult,
} from './types.js';
