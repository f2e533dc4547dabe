import type { Storage } from '@stowage/core';
import type { TicketFont } from './pdf-fonts.js';

/** An id as the caller's database has it: letters, digits, `-` and `_`, or a non-negative integer. */
export type TicketIdInput = string | number;

/** The ticket as the caller's app describes it; what `issue()` renders. */
export interface TicketInput {
  ticketId: TicketIdInput;
  eventId: TicketIdInput;
  eventTitle: string;
  /**
   * A `Date` (shown in the service's `timeZone`, UTC by default) or an ISO 8601 string, shown with
   * the wall-clock date and time as written: `2025-06-14T19:30:00+02:00` shows 19:30. A date
   * without a time (`2025-06-14`) shows no time.
   */
  eventDate: Date | string;
  buyerName: string;
  /** How many people the ticket admits: a positive integer. */
  quantity: number;
  venue?: string;
}

/** The two ids that locate a ticket's files. */
export interface TicketRef {
  ticketId: TicketIdInput;
  eventId: TicketIdInput;
}

/** Ids after validation: always strings. */
export interface TicketIds {
  ticketId: string;
  eventId: string;
}

/** A ticket after validation, as renderers receive it. */
export interface Ticket extends TicketIds {
  eventTitle: string;
  /** The instant, for renderers that format dates themselves. */
  eventDate: Date;
  /** The date as printed on the ticket, e.g. `Saturday 14 June 2025, 19:30`. */
  eventDateText: string;
  buyerName: string;
  quantity: number;
  venue: string | undefined;
}

/** The QR symbol of a ticket's payload: a square of dark and light modules. */
export interface QrMatrix {
  /** The text encoded: the signed payload. */
  readonly payload: string;
  /** Modules per side (21 for version 1, +4 per version). */
  readonly size: number;
  /** True when the module at `row`, `col` (0-based, from the top left) is dark. */
  isDark(row: number, col: number): boolean;
}

/** Where a ticket's files live in a storage. */
export interface TicketLayout {
  /** The QR PNG's key, e.g. `tickets/qr_codes/{eventId}/ticket_{ticketId}.png`. */
  qrKey(ids: TicketIds): string;
  /** The PDF's key, e.g. `tickets/pdf/{eventId}/ticket_{ticketId}.pdf`. */
  pdfKey(ids: TicketIds): string;
  /**
   * Key prefixes under which every ticket file lives, listed by `migrate()`. Defaults to the
   * common directory of each key (`tickets/qr_codes/`, `tickets/pdf/`).
   */
  prefixes?: string[];
}

/** Overrides of how the files are drawn. Each must be deterministic for idempotent regenerates. */
export interface TicketRenderer {
  /** Draws the PDF ticket. The default draws with pdfkit and the QR as vector rectangles. */
  pdf?(ticket: Ticket, qr: QrMatrix): Promise<Uint8Array> | Uint8Array;
  /** Draws the QR PNG. The default is a 1-bit PNG of about 300 px with a 4-module quiet zone. */
  png?(qr: QrMatrix): Promise<Uint8Array> | Uint8Array;
  /**
   * Fonts of the default PDF, tried in order for each character before the built-in DejaVu Sans
   * (Latin, Greek, Cyrillic and more): e.g. `[{ regular: '/fonts/NotoSansSC-Regular.ttf' }]` for
   * Chinese names. A character no font has prints as U+FFFD; no text is refused for its script.
   */
  fonts?: readonly TicketFont[];
}

/** Options of {@link createTicketService}. */
export interface TicketServiceOptions {
  /** Where tickets are kept. */
  storage: Storage;
  /**
   * HMAC key(s) for QR payloads, at least 16 characters. With several, the first signs and all
   * verify: add the new key first, keep the old one until its tickets are used.
   */
  signingSecret: string | readonly string[];
  /** Keys of the files; defaults to the Django service's paths. */
  layout?: TicketLayout;
  render?: TicketRenderer;
  /** Lifetime in seconds of signed URLs, when the storage has no public URLs (default 3600). */
  urlExpiresIn?: number;
  /**
   * `public` (default): files are stored as the storage stores them and URLs are public where the
   * storage has public URLs. `private`: files are stored private (where the storage has
   * per-object visibility) and URLs are always signed.
   */
  access?: 'public' | 'private';
  /** IANA time zone in which a `Date` event date is printed (default `UTC`). */
  timeZone?: string;
}

/** A stored file of a ticket. */
export interface TicketFile {
  key: string;
  /**
   * Where a browser can fetch it: the storage's public URL (the QR resized to 300x300 where the
   * storage transforms images), else a signed URL, else `undefined` when the storage has neither
   * (memory, disk without a public base URL or signing secret): serve the key yourself.
   */
  url: string | undefined;
}

/** What `issue()`, `regenerate()` and `get()` answer. */
export interface IssuedTicket extends TicketIds {
  qrCode: TicketFile;
  pdf: TicketFile;
  /** The text in the QR code. */
  payload: string;
}

/** What `verify()` answers. */
export type VerifyResult =
  | { valid: true; ticketId: string; eventId: string }
  | { valid: false; reason: VerifyFailure };

/**
 * Why a scanned code is not a genuine ticket: `malformed` (not a Stowage ticket payload),
 * `unsupported-version` (a payload format this version does not know), `bad-signature` (altered
 * or forged, or signed with a key no longer configured).
 */
export type VerifyFailure = 'malformed' | 'unsupported-version' | 'bad-signature';

/** Options of `issueMany()`. */
export interface IssueManyOptions {
  /** Tickets rendered and uploaded at once (default 4). */
  concurrency?: number;
}

/** One step of a migration, as reported to `onProgress`. */
export interface MigrateProgress {
  key: string;
  /** `copied`/`rendered` are also reported in a dry run, for what would be written. */
  action: 'copied' | 'skipped' | 'rendered' | 'failed';
  /** Files handled so far, this one included. */
  done: number;
  total: number;
  error?: unknown;
}

/** Options of `migrate()`. */
export interface MigrateOptions {
  /** Where the files are now. */
  from: Storage;
  /** Where they go; defaults to the service's storage. */
  to?: Storage;
  /** Report what would be done, write nothing. */
  dryRun?: boolean;
  /** Copy even when the target already holds a file of the same size. */
  force?: boolean;
  onProgress?(progress: MigrateProgress): void;
  /**
   * The tickets' data. Their files are migrated even when `from` cannot list, and a file missing
   * from `from` is rendered anew instead of being left out.
   */
  tickets?: Iterable<TicketInput>;
  /** Files handled at once (default 4). */
  concurrency?: number;
}

/** What `migrate()` did (or, in a dry run, would do), counted in files. */
export interface MigrateSummary {
  copied: number;
  skipped: number;
  rendered: number;
  failed: Array<{ key: string; error: unknown }>;
  dryRun: boolean;
}
