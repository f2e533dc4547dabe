import { parseArgs } from 'node:util';
import { UsageError } from './io.js';

type OptionSpec = { type: 'string' | 'boolean'; short?: string };

/** The parsed values: a boolean for a flag, a string for an option with a value. */
export type OptionValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string;
};

/** Parses a command's arguments with `node:util` parseArgs; mistakes become usage errors. */
export function parseCommandArgs<O extends Record<string, OptionSpec>>(
  command: string,
  args: string[],
  options: O,
  maxPositionals: number,
): { values: OptionValues<O>; positionals: string[] } {
  let parsed: { values: unknown; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(message.replace(/\. To specify a positional.*$/s, '.'), command);
  }
  if (parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals.slice(maxPositionals).join(' ');
    throw new UsageError(`Unexpected argument: ${extra}`, command);
  }
  return { values: parsed.values as OptionValues<O>, positionals: parsed.positionals };
}

/** A whole number from `min` to `max`, or a usage error naming the option. */
export function wholeNumberOption(
  command: string,
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || number < min || number > max) {
    throw new UsageError(
      `--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}.`,
      command,
    );
  }
  return number;
}
