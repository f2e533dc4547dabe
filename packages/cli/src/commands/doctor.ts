import { randomBytes } from 'node:crypto';
import { type Env, isStorageError, type Storage, StorageError, selectDriver } from '@stowage/core';
import { parseCommandArgs } from '../args.js';
import {
  ALL_VARIABLES,
  adviceFor,
  driverVariables,
  isFatal,
  type ProbeStep,
  publicUrlAdvice,
} from '../doctor-advice.js';
import { formatDuration } from '../format.js';
import type { CommandContext, Output } from '../io.js';
import { maskValue } from '../secrets.js';
import { envOf, storageFromEnvLazy } from '../source.js';

export const doctorHelp = `Usage: stowage doctor [env file]

Checks the storage configuration your app would use, then tries it for real:
  - which driver the environment selects, and why
  - the driver's variables (secrets are masked) and whether they are well-formed
  - live checks: list, write a probe object (.stowage-doctor/<random>.txt), read it back,
    fetch its public URL and a signed URL (where the storage has them), delete it
Every failure says what to fix and names the variable to look at.

Without a file, what the storage spec \`env\` selects is checked: this process's environment,
with a ./.env file filling in what it does not set (as dotenv and your app do); with a file
(e.g. .env.production), only the variables in that file.

Exit status: 0 all checks passed (warnings allowed), 1 a check failed, 2 usage error.`;

/** How long a fetch of a public or signed URL may take. */
const FETCH_TIMEOUT_MS = 10_000;
const LABEL_WIDTH = 14;

type Status = 'ok' | 'FAIL' | 'warn' | 'skip';

/** Writes the check lines and counts failures. */
class Report {
  failures = 0;
  warnings = 0;

  constructor(private readonly out: Output) {}

  line(status: Status, label: string, text: string, fix?: string): void {
    if (status === 'FAIL') this.failures++;
    if (status === 'warn') this.warnings++;
    this.out.line(`  ${status.padEnd(5)} ${label.padEnd(LABEL_WIDTH)} ${text}`);
    if (fix) this.out.line(`        ${' '.repeat(LABEL_WIDTH)} fix: ${fix}`);
  }
}

/** `stowage doctor`: checks the environment's storage configuration, then probes it live. */
export async function doctorCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'doctor',
    args,
    { help: { type: 'boolean', short: 'h' } },
    1,
  );
  if (values.help) {
    ctx.out.line(doctorHelp);
    return 0;
  }
  const file = positionals[0];
  // What `env` (or `env:<file>`) selects for `migrate` and `ls`: the same variables.
  const { env, withDotenv } = await envOf(file, ctx.env, ctx.cwd);
  ctx.redactor.addEnv(env);
  const out = ctx.out;
  const report = new Report(out);

  out.line('Stowage doctor');
  out.line(
    `  environment: ${file !== undefined ? `${file} (${Object.keys(env).length} variables, the process environment is ignored)` : withDotenv ? 'this process and .env (the process wins where both set a variable)' : 'this process'}`,
  );

  let driver: string;
  let reason: string;
  try {
    ({ driver, reason } = selectDriver(env));
  } catch (error) {
    if (!isStorageError(error, 'CONFIG')) throw error;
    out.line('');
    printVariables(out, env, ALL_VARIABLES);
    out.line('');
    out.line('Checks');
    report.line('FAIL', 'driver', 'the environment does not select a driver', error.message);
    return finish(report, out);
  }
  out.line(`  driver:      ${driver} (${reason})`);
  out.line('');
  printVariables(out, env, driverVariables(driver, env).names);
  out.line('');
  out.line('Checks');

  const warnings: string[] = [];
  let storage: Storage;
  try {
    ({ storage } = await storageFromEnvLazy(env, {
      cwd: ctx.cwd,
      warn: (message) => warnings.push(message),
    }));
  } catch (error) {
    if (!isStorageError(error, 'CONFIG')) throw error;
    report.line('FAIL', 'configuration', `the ${driver} storage cannot be built`, error.message);
    return finish(report, out);
  }
  report.line('ok', 'configuration', `every variable the ${driver} driver needs is set and valid`);
  for (const warning of warnings) report.line('warn', 'configuration', warning);
  try {
    await probe(storage, driver, env, report);
  } finally {
    await storage.close().catch(() => {});
  }
  return finish(report, out);
}

function printVariables(out: Output, env: Env, names: readonly string[]): void {
  out.line('Variables');
  const width = Math.max(...names.map((n) => n.length));
  for (const name of names) {
    const value = env[name];
    const shown =
      value === undefined || value.trim() === '' ? '(not set)' : maskValue(name, value.trim());
    out.line(`  ${name.padEnd(width)}  ${shown}`);
  }
}

function finish(report: Report, out: Output): number {
  out.line('');
  if (report.failures === 0) {
    out.line(
      `All checks passed${report.warnings > 0 ? ` (${report.warnings} warning${report.warnings === 1 ? '' : 's'})` : ''}.`,
    );
    return 0;
  }
  out.line(`${report.failures} check${report.failures === 1 ? '' : 's'} failed.`);
  return 1;
}

/** The live checks: list, write, read back, public URL, signed URL, delete. */
async function probe(storage: Storage, driver: string, env: Env, report: Report): Promise<void> {
  const token = randomBytes(6).toString('hex');
  const key = `.stowage-doctor/${token}.txt`;
  const content = `stowage doctor probe ${token} ${new Date().toISOString()}\n`;

  /** Runs one check; a StorageError becomes a FAIL line with the fix. */
  const check = async (
    step: ProbeStep,
    run: () => Promise<string>,
  ): Promise<StorageError | 'failed' | 'ok'> => {
    const started = performance.now();
    try {
      const text = await run();
      report.line('ok', step, `${text} (${formatDuration(performance.now() - started)})`);
      return 'ok';
    } catch (error) {
      if (error instanceof CheckFailure) {
        report.line(error.status, step, error.message, error.fix);
        return error.status === 'FAIL' ? 'failed' : 'ok';
      }
      if (!isStorageError(error)) throw error;
      report.line(
        'FAIL',
        step,
        `${error.code}: ${error.message}`,
        adviceFor(error, step, driver, env),
      );
      return error;
    }
  };
  const skipRest = (steps: ProbeStep[], why: string): void => {
    for (const step of steps) report.line('skip', step, why);
  };

  const listed = await check('list', async () => {
    if (!storage.capabilities.list) {
      await storage.exists(key);
      return 'reached the storage (it cannot list, so a HEAD request was sent)';
    }
    const page = await storage.list({ limit: 1 });
    const empty = page.objects.length === 0 && page.prefixes.length === 0;
    return `reached the storage and listed it (${empty ? 'empty' : 'not empty'})`;
  });
  if (listed instanceof StorageError && isFatal(listed)) {
    skipRest(
      ['write', 'read back', 'public URL', 'signed URL', 'delete'],
      'skipped: the storage cannot be reached with this configuration',
    );
    return;
  }

  const written = await check('write', async () => {
    await storage.put(key, content, { contentType: 'text/plain; charset=utf-8' });
    return `wrote ${key}`;
  });
  if (written !== 'ok') {
    skipRest(['read back', 'public URL', 'signed URL', 'delete'], 'skipped: nothing was written');
    return;
  }

  await check('read back', async () => {
    const text = await storage.getText(key);
    if (text !== content) {
      throw new CheckFailure(
        'FAIL',
        `read ${text.length} characters that differ from the ${content.length} written`,
        'Something between the app and the storage changes objects (a proxy, a transformation, a prefix mismatch).',
      );
    }
    return 'read the probe back, same content';
  });

  if (!storage.capabilities.publicUrl) {
    report.line(
      'skip',
      'public URL',
      driver === 's3'
        ? 'signed URLs only: buckets are private by default; for public URLs set AWS_S3_CUSTOM_DOMAIN (a CDN in front of the bucket) or AWS_QUERYSTRING_AUTH=false (a bucket that allows public reads)'
        : 'this storage has no public URLs (signed URLs only)',
    );
  } else {
    await check('public URL', async () => {
      const url = storage.url(key);
      return fetchCheck(url, content, {
        onHttpError: (status) =>
          new CheckFailure(
            // Public URLs exist only where configured, so one that does not work is a failure.
            'FAIL',
            `${url.replace(/\?.*$/s, '')} answered HTTP ${status}`,
            status === 403 || status === 404
              ? publicUrlAdvice(driver, env, status)
              : `The public URL does not work: check ${driverVariables(driver, env).publicUrl}.`,
          ),
        unreachableFix: `check ${driverVariables(driver, env).publicUrl} (the host must resolve and answer)${driver === 'disk' ? ', and that your app is running' : ''}.`,
        unreachableStatus: driver === 'disk' ? 'warn' : 'FAIL',
        publicVariables: driverVariables(driver, env).publicUrl,
      });
    });
  }

  if (!storage.capabilities.signedUrl) {
    report.line('skip', 'signed URL', 'this storage has no signed URLs');
  } else {
    await check('signed URL', async () => {
      const url = await storage.signedUrl(key, { expiresIn: 300 });
      const v = driverVariables(driver, env);
      return fetchCheck(url, content, {
        onHttpError: (status) =>
          new CheckFailure(
            'FAIL',
            `the signed URL answered HTTP ${status}`,
            status === 403
              ? `The service refused the signature: check ${v.secret} and this machine's clock.`
              : `Check ${v.endpoint}.`,
          ),
        unreachableFix: `check ${v.endpoint}${driver === 'disk' ? ' and STORAGE_PUBLIC_BASE_URL, and that your app is running' : ''}.`,
        unreachableStatus: driver === 'disk' ? 'warn' : 'FAIL',
        publicVariables: v.publicUrl,
      });
    });
  }

  await check('delete', async () => {
    await storage.delete(key);
    if (await storage.exists(key)) {
      throw new CheckFailure(
        'FAIL',
        `${key} is still there after delete`,
        'The storage accepted the delete but kept the object: check for object lock or versioning rules.',
      );
    }
    return 'deleted the probe';
  });
}

/** A check that failed (or only warns) without a StorageError. */
class CheckFailure extends Error {
  constructor(
    readonly status: 'FAIL' | 'warn' | 'skip',
    message: string,
    readonly fix?: string,
  ) {
    super(message);
  }
}

interface FetchCheckOptions {
  onHttpError: (status: number) => CheckFailure;
  unreachableFix: string;
  unreachableStatus: 'FAIL' | 'warn';
  publicVariables: string;
}

/** Fetches a URL and compares the body with the probe; relative URLs are served by the app. */
async function fetchCheck(url: string, content: string, o: FetchCheckOptions): Promise<string> {
  // The query of a signed URL is a credential for a few minutes: never shown.
  const shown = url.replace(/\?.*$/s, '');
  if (!/^https?:\/\//i.test(url)) {
    throw new CheckFailure(
      'skip',
      `${shown} is a path your app serves (createFileHandler), not fetched; set an absolute base URL to check it`,
    );
  }
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new CheckFailure(
      o.unreachableStatus,
      `${shown} could not be fetched (${why})`,
      o.unreachableFix,
    );
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw o.onHttpError(response.status);
  }
  const body = await response.text();
  if (body !== content) {
    throw new CheckFailure(
      'FAIL',
      `${shown} served different content (${body.length} characters)`,
      `The URL does not lead to this storage's objects: check ${o.publicVariables}.`,
    );
  }
  return `fetched ${shown} (HTTP ${response.status}, same content)`;
}
