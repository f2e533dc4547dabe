import { isStorageError, type PutOptions, type Storage, StorageError } from '@stowage/core';
import { concurrencyOf, mapLimit } from './concurrency.js';
import { checkTimeZone } from './date.js';
import { defaultLayout } from './layout.js';
import { migrateTickets } from './migrate.js';
import { createPayloadSigner } from './payload.js';
import { createTicketRendering, type RenderedTicket } from './render.js';
import type {
  IssuedTicket,
  IssueManyOptions,
  MigrateOptions,
  MigrateSummary,
  Ticket,
  TicketIdInput,
  TicketIds,
  TicketInput,
  TicketRef,
  TicketServiceOptions,
  VerifyResult,
} from './types.js';
import { fileUrl, type UrlPolicy } from './urls.js';
import { normalizeIds, normalizeTicket } from './validate.js';

const DEFAULT_URL_EXPIRES_IN = 3600;
const DEFAULT_CONCURRENCY = 4;

/** Issues, finds, re-renders, removes, verifies and migrates tickets. */
export interface TicketService {
  /** The storage tickets are kept in. */
  readonly storage: Storage;
  /**
   * Renders the QR PNG and the PDF, stores both (overwriting: the same ticket gives the same
   * bytes) and returns their keys and URLs. If either upload fails, the file this call did write
   * is deleted again and the error is thrown: a new ticket is never left with one file. (To
   * re-render a ticket that exists, use `regenerate()`, which deletes nothing.)
   */
  issue(ticket: TicketInput): Promise<IssuedTicket>;
  /**
   * Issues many tickets, `concurrency` at a time. Every ticket is validated before any is
   * stored. On the first failure no further ticket starts and the error is thrown; the tickets
   * issued by then stay issued (each complete), so calling again with the same list is safe.
   */
  issueMany(tickets: Iterable<TicketInput>, options?: IssueManyOptions): Promise<IssuedTicket[]>;
  /** Keys and URLs of a stored ticket; NOT_FOUND when either file is missing. */
  get(ticketId: TicketIdInput, eventId: TicketIdInput): Promise<IssuedTicket>;
  /**
   * Renders and stores the ticket again (after a change of its data or of the signing key).
   * Unlike `issue()`, a failed upload deletes nothing: the files there before stay usable.
   */
  regenerate(ticket: TicketInput): Promise<IssuedTicket>;
  /** Deletes both files of a ticket; a file already gone is not an error. */
  remove(ticket: TicketRef): Promise<void>;
  /** Checks a scanned QR payload: genuine (signed by one of the keys) or not, and why. */
  verify(scanned: string): VerifyResult;
  /** Renders a ticket's files without storing them (to send as a response, or to test). */
  render(ticket: TicketInput): Promise<RenderedTicket & TicketIds>;
  /** The signed QR payload of a ticket (what its QR code holds). */
  payloadFor(ticket: TicketRef): string;
  /** The keys of a ticket's files in this service's layout. */
  keys(ticket: TicketRef): { qrCode: string; pdf: string };
  /**
   * Copies the tickets' files (everything under the layout's prefixes) from one storage to
   * another: what the Django management command did, with `dryRun` and `force`.
   */
  migrate(options: MigrateOptions): Promise<MigrateSummary>;
}

/**
 * Creates the ticket service.
 *
 * @example
 * const tickets = createTicketService({ storage, signingSecret: process.env.TICKET_SECRET! });
 * const { qrCode, pdf } = await tickets.issue({ ticketId: 42, eventId: 7, eventTitle: 'Gala',
 *   eventDate: '2025-06-14T19:30:00+02:00', buyerName: 'Ada Lovelace', quantity: 2 });
 */
export function createTicketService(options: TicketServiceOptions): TicketService {
  const { storage } = options;
  if (!storage || typeof storage.put !== 'function') {
    throw new StorageError(
      'CONFIG',
      'createTicketService needs a storage (createStorage(driver)).',
    );
  }
  const signer = createPayloadSigner(options.signingSecret);
  const layout = options.layout ?? defaultLayout;
  const rendering = createTicketRendering(signer, options.render);
  const timeZone = checkTimeZone(options.timeZone ?? 'UTC');
  const access = options.access ?? 'public';
  if (access !== 'public' && access !== 'private') {
    throw new StorageError(
      'CONFIG',
      `access must be 'public' or 'private', got ${String(access)}.`,
    );
  }
  const expiresIn = options.urlExpiresIn ?? DEFAULT_URL_EXPIRES_IN;
  if (!Number.isSafeInteger(expiresIn) || expiresIn < 1) {
    throw new StorageError(
      'CONFIG',
      `urlExpiresIn must be a positive number of seconds, got ${expiresIn}.`,
    );
  }
  const policy: UrlPolicy = { access, expiresIn };
  if (access === 'private') checkKeepsPrivate(storage, 'storage');

  const keysOf = (ids: TicketIds) => ({ qrCode: layout.qrKey(ids), pdf: layout.pdfKey(ids) });

  const putOptions = (target: Storage, contentType: string): PutOptions =>
    access === 'private' && target.capabilities.visibility
      ? { contentType, visibility: 'private' }
      : { contentType };

  const describe = async (ids: TicketIds, payload: string): Promise<IssuedTicket> => {
    const keys = keysOf(ids);
    const [qrUrl, pdfUrl] = await Promise.all([
      fileUrl(storage, keys.qrCode, 'qr', policy),
      fileUrl(storage, keys.pdf, 'pdf', policy),
    ]);
    return {
      ticketId: ids.ticketId,
      eventId: ids.eventId,
      qrCode: { key: keys.qrCode, url: qrUrl },
      pdf: { key: keys.pdf, url: pdfUrl },
      payload,
    };
  };

  /**
   * Renders and stores one ticket. The PNG is uploaded while the PDF renders; a failure of
   * either upload, or of the PDF's rendering (text that does not fit), ends in an error, after
   * deleting what this call wrote when `rollback` (issue) is set.
   */
  const issueOne = async (ticket: Ticket, rollback: boolean): Promise<IssuedTicket> => {
    const keys = keysOf(ticket);
    const qr = rendering.qr(ticket);
    const pngPut = storage.put(
      keys.qrCode,
      await rendering.png(qr),
      putOptions(storage, 'image/png'),
    );
    const pdfPut = rendering
      .pdf(ticket, qr)
      .then((pdf) => storage.put(keys.pdf, pdf, putOptions(storage, 'application/pdf')));
    const done = await Promise.allSettled([pngPut, pdfPut]);
    const failure = done.find((result) => result.status === 'rejected');
    if (failure) {
      if (rollback) {
        const written = [keys.qrCode, keys.pdf].filter((_, i) => done[i]?.status === 'fulfilled');
        // Best effort: the first error is the one to report.
        if (written.length > 0) await storage.deleteMany(written).catch(() => undefined);
      }
      throw failure.reason;
    }
    return describe(ticket, qr.payload);
  };

  return {
    storage,

    issue: async (ticket) => issueOne(normalizeTicket(ticket, timeZone), true),

    async issueMany(tickets, manyOptions = {}) {
      const concurrency = concurrencyOf(manyOptions.concurrency, DEFAULT_CONCURRENCY);
      // Every ticket is validated first: bad data anywhere in the list stores nothing.
      const valid = [...tickets].map((ticket) => normalizeTicket(ticket, timeZone));
      return mapLimit(valid, concurrency, (ticket) => issueOne(ticket, true));
    },

    async get(ticketId, eventId) {
      const ids = normalizeIds({ ticketId, eventId });
      const keys = keysOf(ids);
      await Promise.all(
        [keys.qrCode, keys.pdf].map((key) =>
          storage.head(key).catch((error: unknown) => {
            if (!isStorageError(error, 'NOT_FOUND')) throw error;
            throw new StorageError(
              'NOT_FOUND',
              `Ticket ${ids.ticketId} of event ${ids.eventId} is not stored: nothing at ${JSON.stringify(key)}.`,
              { key, operation: 'head', driver: storage.driver, cause: error },
            );
          }),
        ),
      );
      return describe(ids, signer.sign(ids));
    },

    regenerate: async (ticket) => issueOne(normalizeTicket(ticket, timeZone), false),

    async remove(ticket) {
      const keys = keysOf(normalizeIds(ticket));
      await storage.deleteMany([keys.qrCode, keys.pdf]);
    },

    verify: (scanned) => signer.verify(scanned),

    async render(input) {
      const ticket = normalizeTicket(input, timeZone);
      return {
        ticketId: ticket.ticketId,
        eventId: ticket.eventId,
        ...(await rendering.files(ticket)),
      };
    },

    payloadFor: (ticket) => signer.sign(normalizeIds(ticket)),

    keys: (ticket) => keysOf(normalizeIds(ticket)),

    async migrate(migrateOptions) {
      if (access === 'private' && migrateOptions.to) checkKeepsPrivate(migrateOptions.to, 'to');
      return migrateTickets(migrateOptions, {
        defaultTarget: storage,
        layout,
        normalize: (input) => normalizeTicket(input, timeZone),
        renderFiles: rendering.files,
        putOptions,
      });
    },
  };
}

/**
 * CONFIG unless `storage` can keep a ticket private: either it sets visibility per object, or it
 * has no public URLs at all. A storage with public URLs but no per-object visibility serves every
 * file publicly (Cloudinary's default `upload` delivery type, R2 behind its media proxy or a
 * public domain): a private ticket there (the buyer's name, a valid QR payload) would answer 200
 * at a guessable URL.
 */
function checkKeepsPrivate(storage: Storage, option: string): void {
  const caps = storage.capabilities;
  if (caps.visibility || !caps.publicUrl) return;
  const fix =
    storage.driver === 'cloudinary'
      ? "create the cloudinary() driver with deliveryType: 'authenticated' (CLOUDINARY_DELIVERY_TYPE=authenticated), whose assets are served only through signed URLs"
      : storage.driver === 'r2'
        ? 'turn the media proxy and public URL off (USE_R2_MEDIA_PROXY=false, no R2_PUBLIC_URL / publicUrl), so that files are reached only through signed URLs'
        : 'use a storage without public URLs, or one that keeps objects private one by one';
  throw new StorageError(
    'CONFIG',
    `access: 'private' needs a storage that keeps ticket files private, but the ${storage.driver} storage passed as ${option} serves every file at a public URL and cannot make one private. To keep tickets private, ${fix}; or pass access: 'public'.`,
  );
}
