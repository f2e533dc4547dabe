import { verifiedMessage } from '@stowage/example-shared/messages';
import { app } from './context';

export type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** One query parameter as a string (the first, when repeated). */
export function param(params: Awaited<SearchParams>, name: string): string | undefined {
  const value = params[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The message a refused form carried back, when this app signed it (see shared/messages.ts). */
export function pageMessage(params: Awaited<SearchParams>): string | undefined {
  return verifiedMessage(app().messageSecret, param(params, 'error'), param(params, 'error_sig'));
}
