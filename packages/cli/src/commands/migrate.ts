import { existsSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import {
  createStorage,
  isStorageError,
  memory,
  type Storage,
  type StorageErrorCode,
} from '@stowage/core';
import { parseCommandArgs, wholeNumberOption } from '../args.js';
import { formatBytes, formatDuration, plural } from '../format.js';
import { trimHeap } from '../heap-trim.js';
import { type CommandContext, CommandFailure, UsageError } from '../io.js';
import { type MigrateSummary, migrate } from '../migrate.js';
import { checkPrefix } from '../prefix.js';
import { createProgress } from '../progress.js';
import {
  assertFolder,
  type OpenedStorage,
  openStorage,
  parseSourceSpec,
  type SourceSpec,
} from '../source.js';

export const migrateHelp = `Usage: stowage migrate --from <storage> --to <storage> [options]

Copies every object from one storage to another: body, content type, cache control,
content disposition, visibility and metadata. Objects the target already has with the
same size and MD5 checksum (from the ETags, or by hashing the side on this machine) are
skipped, so an interrupted migration resumes by running the same command again.

Storages:
  disk:<folder>       a folder on this machine, e.g. disk:./media or disk:/var/data/media
  env                 the storage your app's environment variables select (USE_S3, USE_R2,
                      CLOUDINARY_URL, ...), read from this process's environment and, for
                      the variables it does not set, from ./.env
  env:<file>          the same, read from a dotenv file only, e.g. env:.env.production

Options:
  --from <storage>    where to copy from (only read)
  --to <storage>      where to copy to
  --prefix <p>        only keys starting with <p> (keys are kept as they are)
  --dry-run           list what would be copied; write nothing
  --force             copy even the objects the target already has
  --keep-existing     never replace an object the target has (while the app writes to the
                      target through a mirror: see docs/migrating.md)
  --concurrency <n>   objects copied at once (default 8, at most 64)
  -h, --help          show this help

Progress goes to stderr (a bar on a terminal, plain lines otherwise); the summary to stdout.
Keys no storage could address (an S3 console folder marker "photos/", "a//b") are left
out and counted in the summary.

Exit status: 0 all copied or skipped, 1 some objects failed (listed with the reason),
2 usage error, 130 interrupted (run it again to resume).

Example:
  stowage migrate --from disk:./media --to env:.env.production --dry-run`;

/** Errors that point at the configuration rather than at one object. */
const CONFIGURATION_CODES: readonly StorageErrorCode[] = [
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'CONFIG',
  'NETWORK',
];

/** `stowage migrate`: copies one storage into another. */
export async function migrateCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommandArgs(
    'migrate',
    args,
    {
      from: { type: 'string' },
      to: { type: 'string' },
      prefix: { type: 'string' },
      'dry-run': { type: 'boolean' },
      force: { type: 'boolean' },
      'keep-existing': { type: 'boolean' },
      concurrency: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    0,
  );
  if (values.help) {
    ctx.out.line(migrateHelp);
    return 0;
  }
  if (values.from === undefined) throw new UsageError('Missing --from <storage>.', 'migrate');
  if (values.to === undefined) throw new UsageError('Missing --to <storage>.', 'migrate');
  const fromSpec = parseSourceSpec(values.from, 'source');
  const toSpec = parseSourceSpec(values.to, 'target');
  const prefix = checkPrefix('migrate', values.prefix);
  const concurrency = wholeNumberOption('migrate', 'concurrency', values.concurrency, 8, 1, 64);
  const dryRun = values['dry-run'] === true;

  const opened: OpenedStorage[] = [];
  try {
    const from = await open(fromSpec, 'source', true, ctx);
    opened.push(from);
    const to = await open(toSpec, 'target', false, ctx);
    opened.push(to);
    if (from.diskRoot !== undefined && from.diskRoot === to.diskRoot) {
      throw new UsageError(`The source and the target are the same folder (${from.diskRoot}).`);
    }
    // A file where the target folder should be would fail at the first write (EEXIST, mkdir).
    if (to.diskRoot !== undefined) {
      const spec = toSpec.kind === 'disk' ? `disk:${toSpec.path}` : 'the target';
      await assertFolder(to.diskRoot, spec, false);
    }
    // One inside the other: each run would copy the last run's copy again, a level deeper.
    if (from.diskRoot !== undefined && to.diskRoot !== undefined) {
      const nested = isInside(to.diskRoot, from.diskRoot)
        ? `The target folder ${to.diskRoot} is inside the source folder ${from.diskRoot}`
        : isInside(from.diskRoot, to.diskRoot)
          ? `The source folder ${from.diskRoot} is inside the target folder ${to.diskRoot}`
          : undefined;
      if (nested) throw new UsageError(`${nested}: choose folders apart.`, 'migrate');
    }
    if (fromSpec.kind === 'env' && toSpec.kind === 'env' && fromSpec.file === toSpec.file) {
      throw new UsageError('The source and the target are the same environment.', 'migrate');
    }
    // A dry run must not even create the target folder: a missing one is an empty target.
    const target =
      dryRun && to.diskRoot !== undefined && !existsSync(to.diskRoot)
        ? createStorage(memory())
        : to.storage;
    ctx.err.line(
      `${dryRun ? 'Dry run: would copy' : 'Copying'} from ${from.label} to ${to.label}${prefix ? `, keys starting with ${JSON.stringify(prefix)}` : ''}`,
    );
    const progress = createProgress({ stream: ctx.err, tty: ctx.err.isTTY, dryRun });
    let summary: MigrateSummary;
    const stopTrimming = trimHeap();
    try {
      summary = await migrate({
        from: from.storage,
        to: target,
        prefix,
        dryRun,
        force: values.force === true,
        overwrite: values['keep-existing'] !== true,
        concurrency,
        signal: ctx.signal,
        onProgress: (event) => {
          progress.onProgress(event);
          if (event.type === 'copied' && event.dryRun) {
            ctx.out.line(`would copy  ${event.key} (${formatBytes(event.size)})`);
          }
        },
      });
    } catch (error) {
      progress.finish();
      stopTrimming();
      if (!isStorageError(error)) throw error;
      ctx.err.line(`error: the migration stopped: ${error.code} ${error.message}`);
      if (CONFIGURATION_CODES.includes(error.code)) {
        ctx.err.line(doctorHint(fromSpec, toSpec));
      }
      return 1;
    }
    progress.finish();
    stopTrimming();
    printSummary(summary, to.storage, ctx);
    if (summary.failed > 0) {
      ctx.err.line('');
      ctx.err.line(`Failed (${summary.failed}):`);
      for (const failure of summary.failures) {
        ctx.err.line(`  ${failure.key}: ${failure.code} ${failure.message}`);
      }
      ctx.err.line('Run the same command again to retry them; objects already copied are skipped.');
      if (summary.failures.some((f) => CONFIGURATION_CODES.includes(f.code))) {
        ctx.err.line(doctorHint(fromSpec, toSpec));
      }
    }
    if (summary.aborted) return 130;
    return summary.failed > 0 ? 1 : 0;
  } finally {
    await Promise.all(opened.map((o) => o.storage.close().catch(() => {})));
  }
}

async function open(
  spec: SourceSpec,
  role: 'source' | 'target',
  mustExist: boolean,
  ctx: CommandContext,
): Promise<OpenedStorage> {
  try {
    const opened = await openStorage(spec, {
      env: ctx.env,
      cwd: ctx.cwd,
      mustExist,
      warn: (message) => ctx.err.line(`warning: ${message}`),
    });
    if (opened.env) ctx.redactor.addEnv(opened.env);
    return opened;
  } catch (error) {
    if (isStorageError(error, 'CONFIG')) {
      const where = spec.kind === 'env' && spec.file ? ` (${spec.file})` : '';
      throw new CommandFailure(
        `The ${role}${where} is not configured correctly: ${error.message}\nCheck it with: stowage doctor${spec.kind === 'env' && spec.file ? ` ${spec.file}` : ''}`,
      );
    }
    throw error;
  }
}

function printSummary(s: MigrateSummary, target: Storage, ctx: CommandContext): void {
  const out = ctx.out;
  const rate = s.durationMs > 0 ? s.copiedBytes / (s.durationMs / 1000) : 0;
  out.line('');
  if (s.dryRun) {
    out.line(`would copy: ${plural(s.copied, 'object')}, ${formatBytes(s.copiedBytes)}`);
  } else {
    out.line(`copied:     ${plural(s.copied, 'object')}, ${formatBytes(s.copiedBytes)}`);
  }
  out.line(
    `skipped:    ${plural(s.skipped, 'object')}, ${formatBytes(s.skippedBytes)} (already in the target)`,
  );
  out.line(`failed:     ${plural(s.failed, 'object')}`);
  if (s.unaddressable.count > 0) out.line(unaddressableNote(s.unaddressable));
  out.line(
    `time:       ${formatDuration(s.durationMs)}${s.dryRun || s.copied === 0 ? '' : ` (${formatBytes(rate)}/s)`}`,
  );
  if (s.dropped.metadata > 0) {
    out.line(
      `note: ${plural(s.dropped.metadata, 'object')} had custom metadata, which the ${target.driver} target cannot store; it was left out.`,
    );
  }
  if (s.dropped.visibility > 0) {
    out.line(
      `note: ${plural(s.dropped.visibility, 'object')} had a per-object visibility (public/private), which the ${target.driver} target does not keep; access follows the bucket's settings.`,
    );
  }
  if (s.dryRun) out.line('Dry run: nothing was written.');
  if (s.aborted) {
    out.line(
      `Interrupted${s.interrupted > 0 ? `: ${plural(s.interrupted, 'object')} in flight abandoned (puts are atomic, nothing half-written is left)` : ''}. Run the same command again to copy the rest.`,
    );
  }
}

/** `skipped 2 keys Stowage cannot address: "a//b", "photos/"` (names quoted, control characters visible). */
export function unaddressableNote(found: { count: number; keys: readonly string[] }): string {
  const shown = found.keys.map((key) => JSON.stringify(key)).join(', ');
  const more =
    found.count > found.keys.length ? `, and ${found.count - found.keys.length} more` : '';
  return `note: skipped ${plural(found.count, 'key')} Stowage cannot address: ${shown}${more} (folder markers, empty segments or control characters, written by other tools; rename them with those tools to copy them).`;
}

function doctorHint(from: SourceSpec, to: SourceSpec): string {
  const env = [from, to].find((s) => s.kind === 'env');
  if (env?.kind !== 'env') return 'Check the storage configuration.';
  return `Check the configuration with: stowage doctor${env.file ? ` ${env.file}` : ''}`;
}

/** Whether `path` is strictly inside the folder `folder` (both absolute). */
function isInside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}
