import { isStorageError } from '@stowage/core';
import { parseCommandArgs } from '../args.js';
import { formatBytes, plural } from '../format.js';
import { type CommandContext, CommandFailure, UsageError } from '../io.js';
import { checkPrefix } from '../prefix.js';
import { type OpenedStorage, openStorage, parseSourceSpec } from '../source.js';
import { unaddressableNote } from './migrate.js';

export const lsHelp = `Usage: stowage ls <storage> [prefix] [--json]

Lists the objects of a storage: size in bytes, content type and key, one per line.

Storages: disk:<folder>, env (this process's environment) or env:<dotenv file>.

Options:
  --json       one JSON array of { key, size, contentType, etag, lastModified }
  -h, --help   show this help

Example:
  stowage ls env:.env.production avatars/`;

const SIZE_WIDTH = 12;
const TYPE_WIDTH = 28;

/** `stowage ls`: lists keys, sizes and content types. */
export async function lsCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'ls',
    args,
    { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    2,
  );
  if (values.help) {
    ctx.out.line(lsHelp);
    return 0;
  }
  const [specText, prefixText] = positionals;
  if (specText === undefined) throw new UsageError('Missing the storage to list.', 'ls');
  const prefix = checkPrefix('ls', prefixText);
  const spec = parseSourceSpec(specText);
  let opened: OpenedStorage;
  try {
    opened = await openStorage(spec, {
      env: ctx.env,
      cwd: ctx.cwd,
      mustExist: true,
      warn: (message) => ctx.err.line(`warning: ${message}`),
    });
  } catch (error) {
    if (isStorageError(error, 'CONFIG')) throw new CommandFailure(error.message);
    throw error;
  }
  if (opened.env) ctx.redactor.addEnv(opened.env);
  const json = values.json === true;
  let count = 0;
  let bytes = 0;
  const unaddressable = { count: 0, keys: [] as string[] };
  const onSkipped = ({ key }: { key: string }): void => {
    unaddressable.count++;
    if (unaddressable.keys.length < 20) unaddressable.keys.push(key);
  };
  try {
    if (json) ctx.out.write('[');
    else ctx.out.line(`${'SIZE'.padStart(SIZE_WIDTH)}  ${'CONTENT-TYPE'.padEnd(TYPE_WIDTH)}  KEY`);
    for await (const info of opened.storage.listAll(prefix, { onSkipped })) {
      if (json) {
        const item = {
          key: info.key,
          size: info.size,
          contentType: info.contentType,
          ...(info.etag !== undefined ? { etag: info.etag } : {}),
          ...(info.lastModified ? { lastModified: info.lastModified.toISOString() } : {}),
        };
        await ctx.out.writeAsync(`${count === 0 ? '\n' : ',\n'}  ${JSON.stringify(item)}`);
      } else {
        await ctx.out.writeAsync(
          `${String(info.size).padStart(SIZE_WIDTH)}  ${info.contentType.padEnd(TYPE_WIDTH)}  ${info.key}\n`,
        );
      }
      count++;
      bytes += info.size;
    }
    if (json) ctx.out.line(count === 0 ? ']' : '\n]');
  } catch (error) {
    if (json) ctx.out.line(']');
    if (!isStorageError(error)) throw error;
    throw new CommandFailure(`Listing failed: ${error.code} ${error.message}`);
  } finally {
    await opened.storage.close().catch(() => {});
  }
  ctx.err.line(`${plural(count, 'object')}, ${formatBytes(bytes)}`);
  if (unaddressable.count > 0) ctx.err.line(unaddressableNote(unaddressable));
  return 0;
}
