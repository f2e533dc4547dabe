export type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** One query parameter as a string (the first, when repeated). */
export function param(params: Awaited<SearchParams>, name: string): string | undefined {
  const value = params[name];
  return Array.isArray(value) ? value[0] : value;
}
