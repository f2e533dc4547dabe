import type { Env } from '@stowage/core';
import { Redactor } from './secrets.js';

/** Where the CLI writes: `process.stdout` / `process.stderr`, or a collector in tests. */
export interface OutputStream {
  write(text: string): unknown;
  /** Set on a terminal: progress is drawn as a bar instead of plain lines. */
  isTTY?: boolean;
  /** Terminal width, when known. */
  columns?: number;
  once?(event: 'drain', listener: () => void): unknown;
}

/** What `main` needs from the process; injected so tests can run commands in-process. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: Env;
  cwd: string;
  /** Aborted on Ctrl-C: a migration stops taking new objects and reports what it did. */
  signal?: AbortSignal;
}

/** What a command receives: redacting outputs and the process context. */
export interface CommandContext {
  out: Output;
  err: Output;
  env: Env;
  cwd: string;
  signal: AbortSignal | undefined;
  /** Commands add the environments they load, so their secrets are never printed. */
  redactor: Redactor;
}

/** Thrown for a wrong command line: exit code 2 with the message and a pointer to --help. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A command that cannot go on (a storage that is not configured, ...): exit code 1 and the message. */
export class CommandFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailure';
  }
}

/** A stream wrapper that redacts secrets and waits for the stream to drain when asked. */
export class Output {
  constructor(
    private readonly stream: OutputStream,
    private readonly redactor: Redactor,
  ) {}

  get isTTY(): boolean {
    return this.stream.isTTY === true;
  }

  get columns(): number {
    // A pseudo-terminal without a window size reports 0 columns.
    return this.stream.columns || 80;
  }

  write(text: string): boolean {
    return this.stream.write(this.redactor.apply(text)) !== false;
  }

  line(text = ''): boolean {
    return this.write(`${text}\n`);
  }

  /** Writes and, if the stream's buffer is full, waits until it drains. */
  async writeAsync(text: string): Promise<void> {
    if (this.write(text) || !this.stream.once) return;
    const once = this.stream.once.bind(this.stream);
    await new Promise<void>((resolve) => once('drain', resolve));
  }
}

/** Builds the command context for one run of `main`. */
export function commandContext(io: CliIo): CommandContext {
  const redactor = new Redactor();
  redactor.addEnv(io.env);
  return {
    out: new Output(io.stdout, redactor),
    err: new Output(io.stderr, redactor),
    env: io.env,
    cwd: io.cwd,
    signal: io.signal,
    redactor,
  };
}
