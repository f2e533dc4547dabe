import { isStorageError } from '@stowage/core';
import packageJson from '../package.json' with { type: 'json' };
import { doctorCommand, doctorHelp } from './commands/doctor.js';
import { lsCommand, lsHelp } from './commands/ls.js';
import { migrateCommand, migrateHelp } from './commands/migrate.js';
import {
  type CliIo,
  type CommandContext,
  CommandFailure,
  commandContext,
  UsageError,
} from './io.js';

export type { CliIo, OutputStream } from './io.js';

/** The version of `@stowage/cli`. */
export const VERSION: string = packageJson.version;

const HELP = `stowage ${VERSION}: move, list and check files across disk, S3, R2 and Cloudinary

Usage: stowage <command> [options]

Commands:
  migrate --from <storage> --to <storage>   copy every object (resumable; --dry-run first)
  ls <storage> [prefix]                     list keys, sizes and content types
  doctor [env file]                         check the storage configuration, live

Storages: disk:<folder>, env (this process's environment) or env:<dotenv file>.

Options:
  -h, --help       show help (also: stowage <command> --help)
  -v, --version    show the version

Examples:
  stowage doctor .env.production
  stowage migrate --from disk:./media --to env:.env.production --dry-run
  stowage migrate --from disk:./media --to env:.env.production
  stowage ls env:.env.production avatars/`;

type Command = (args: string[], ctx: CommandContext) => Promise<number>;

const COMMANDS: Readonly<Record<string, { run: Command; help: string }>> = {
  migrate: { run: migrateCommand, help: migrateHelp },
  ls: { run: lsCommand, help: lsHelp },
  doctor: { run: doctorCommand, help: doctorHelp },
};

/**
 * Runs the `stowage` command line with injected streams, environment and working directory, and
 * resolves to the exit code: 0 success, 1 failure, 2 usage error, 130 interrupted.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2), {
 *   stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(),
 * });
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const ctx = commandContext(io);
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help') {
    (first === undefined ? ctx.err : ctx.out).line(HELP);
    return first === undefined ? 2 : 0;
  }
  if (first === '-v' || first === '-V' || first === '--version') {
    ctx.out.line(VERSION);
    return 0;
  }
  if (first === 'help') {
    const asked = rest[0];
    if (asked !== undefined && !Object.hasOwn(COMMANDS, asked)) {
      ctx.err.line(
        `stowage: no help for ${JSON.stringify(asked)}: not a command. Run stowage --help.`,
      );
      return 2;
    }
    ctx.out.line(asked === undefined ? HELP : COMMANDS[asked]!.help);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!command) {
    ctx.err.line(`stowage: unknown command ${JSON.stringify(first)}. Run stowage --help.`);
    return 2;
  }
  try {
    return await command.run(rest, ctx);
  } catch (error) {
    if (error instanceof UsageError) {
      ctx.err.line(`stowage ${first}: ${error.message}`);
      ctx.err.line(`Run stowage ${first} --help for usage.`);
      return 2;
    }
    if (error instanceof CommandFailure) {
      ctx.err.line(`stowage ${first}: ${error.message}`);
      return 1;
    }
    if (isStorageError(error)) {
      ctx.err.line(`stowage ${first}: ${error.code} ${error.message}`);
      return 1;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    ctx.err.line(`stowage ${first}: unexpected error: ${message}`);
    return 1;
  }
}
