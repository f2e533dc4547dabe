import {
  isStorageError,
  type ObjectInfo,
  type PutOptions,
  type Storage,
  StorageError,
} from '@stowage/core';
import { concurrencyOf, mapLimit } from './concurrency.js';
import { layoutPrefixes } from './layout.js';
import type { RenderedTicket } from './render.js';
import type {
  MigrateOptions,
  MigrateProgress,
  MigrateSummary,
  Ticket,
  TicketInput,
  TicketLayout,
} from './types.js';

const DEFAULT_CONCURRENCY = 4;

/** What the service lends to a migration. */
export interface MigrateContext {
  defaultTarget: Storage;
  layout: TicketLayout;
  normalize(input: TicketInput): Ticket;
  renderFiles(ticket: Ticket): Promise<RenderedTicket>;
  putOptions(target: Storage, contentType: string): PutOptions;
}

/** One file to bring over: copied from the source, or rendered from ticket data. */
type Job =
  | { kind: 'copy'; key: string; source: ObjectInfo }
  | { kind: 'render'; key: string; ticket: Ticket; file: 'png' | 'pdf' };

/**
 * Copies ticket files from `from` to `to`: every object under the layout's prefixes, plus the
 * files of the given `tickets`; a ticket file missing from `from` is rendered from its data.
 * A file already in `to` is skipped (for a copy: when its size is the same) unless `force`.
 * Failures are collected, not thrown, so one bad file does not stop the rest.
 */
export async function migrateTickets(
  options: MigrateOptions,
  context: MigrateContext,
): Promise<MigrateSummary> {
  const { from, dryRun = false, force = false, onProgress } = options;
  const to = options.to ?? context.defaultTarget;
  if (!from || typeof from.get !== 'function') {
    throw new StorageError('INVALID_INPUT', 'migrate needs a `from` storage.');
  }
  if (from === to)
    throw new StorageError('INVALID_INPUT', 'migrate needs two different storages (from === to).');
  const concurrency = concurrencyOf(options.concurrency, DEFAULT_CONCURRENCY);
  // Bad ticket data fails the migration before anything is written.
  const tickets = [...(options.tickets ?? [])].map((ticket) => context.normalize(ticket));

  const jobs = await planJobs(from, tickets, context.layout, concurrency);
  const summary: MigrateSummary = { copied: 0, skipped: 0, rendered: 0, failed: [], dryRun };
  let done = 0;
  const report = (key: string, action: MigrateProgress['action'], error?: unknown) => {
    done += 1;
    if (action === 'failed') summary.failed.push({ key, error });
    else summary[action] += 1;
    onProgress?.({
      key,
      action,
      done,
      total: jobs.length,
      ...(error === undefined ? {} : { error }),
    });
  };

  // One rendering per ticket, shared by its two files.
  const renders = new Map<Ticket, Promise<RenderedTicket>>();
  const rendered = (ticket: Ticket) => {
    let files = renders.get(ticket);
    if (!files) {
      files = context.renderFiles(ticket);
      renders.set(ticket, files);
    }
    return files;
  };

  await mapLimit(jobs, concurrency, async (job) => {
    try {
      const existing = await headOrUndefined(to, job.key);
      if (existing && !force && (job.kind === 'render' || existing.size === job.source.size)) {
        report(job.key, 'skipped');
        return;
      }
      if (job.kind === 'copy') {
        if (!dryRun) await copyAcross(from, to, job.key, context);
        report(job.key, 'copied');
      } else {
        const files = await rendered(job.ticket);
        if (!dryRun) {
          const body = job.file === 'png' ? files.png : files.pdf;
          const type = job.file === 'png' ? 'image/png' : 'application/pdf';
          await to.put(job.key, body, context.putOptions(to, type));
        }
        report(job.key, 'rendered');
      }
    } catch (error) {
      report(job.key, 'failed', error);
    }
  });
  return summary;
}

/** Lists the source and decides, key by key, what to do. Keys in UTF-8 order, for stable runs. */
async function planJobs(
  from: Storage,
  tickets: Ticket[],
  layout: TicketLayout,
  concurrency: number,
): Promise<Job[]> {
  const sources = new Map<string, ObjectInfo>();
  if (from.capabilities.list) {
    for (const prefix of layoutPrefixes(layout)) {
      for await (const info of from.listAll(prefix)) sources.set(info.key, info);
    }
  } else if (tickets.length === 0) {
    throw new StorageError(
      'UNSUPPORTED',
      `The source storage (${from.driver}) cannot list its files: pass the tickets' data as \`tickets\`.`,
      { driver: from.driver, operation: 'list' },
    );
  }

  const jobs = new Map<string, Job>();
  for (const [key, source] of sources) jobs.set(key, { kind: 'copy', key, source });
  const wanted: Array<{ key: string; ticket: Ticket; file: 'png' | 'pdf' }> = [];
  for (const ticket of tickets) {
    for (const [file, key] of [
      ['png', layout.qrKey(ticket)],
      ['pdf', layout.pdfKey(ticket)],
    ] as const) {
      if (!jobs.has(key)) wanted.push({ key, ticket, file });
    }
  }
  // A listed source has no other files; one that cannot list is asked file by file.
  const found = from.capabilities.list
    ? wanted.map(() => undefined)
    : await mapLimit(wanted, concurrency, ({ key }) => headOrUndefined(from, key));
  wanted.forEach(({ key, ticket, file }, i) => {
    const source = found[i];
    jobs.set(key, source ? { kind: 'copy', key, source } : { kind: 'render', key, ticket, file });
  });
  return [...jobs.values()].sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
}

async function headOrUndefined(storage: Storage, key: string): Promise<ObjectInfo | undefined> {
  try {
    return await storage.head(key);
  } catch (error) {
    if (isStorageError(error, 'NOT_FOUND')) return undefined;
    throw error;
  }
}

/** Streams one object across, keeping its content type and what else the target can hold. */
async function copyAcross(
  from: Storage,
  to: Storage,
  key: string,
  context: MigrateContext,
): Promise<void> {
  const object = await from.get(key);
  const options: PutOptions = context.putOptions(to, object.contentType);
  if (object.cacheControl) options.cacheControl = object.cacheControl;
  if (object.contentDisposition) options.contentDisposition = object.contentDisposition;
  if (to.capabilities.metadata && Object.keys(object.metadata).length > 0)
    options.metadata = object.metadata;
  if (options.visibility === undefined && object.visibility && to.capabilities.visibility) {
    options.visibility = object.visibility;
  }
  await to.put(key, object.body(), options);
}
