import { prefixProblem } from '@stowage/core/driver';
import { UsageError } from './io.js';

/** Checks a key prefix given on the command line; a usage error says what is wrong with it. */
export function checkPrefix(command: string, prefix: string | undefined): string {
  if (prefix === undefined || prefix === '') return '';
  const problem = prefixProblem(prefix);
  if (problem !== undefined) {
    throw new UsageError(`The prefix ${JSON.stringify(prefix)} is not valid: ${problem}.`, command);
  }
  return prefix;
}
