import { compareKeys, keyProblem, prefixProblem, RESERVED_PREFIX } from './keys.js';
import type { ListResult, SkippedKey } from './types.js';

/**
 * True when `key` has a folder of Stowage's own (`.stowage-...`, at any depth, so that a wrapped or
 * prefixed storage hides it too) that the listing's `prefix` does not reach into.
 */
function isReserved(key: string, prefix: string): boolean {
  for (let at = key.indexOf(RESERVED_PREFIX); at >= 0; at = key.indexOf(RESERVED_PREFIX, at + 1)) {
    if ((at === 0 || key[at - 1] === '/') && prefix.length < at + RESERVED_PREFIX.length)
      return true;
  }
  return false;
}

/**
 * A driver's page as the app sees it, in one pass over it:
 * - keys and prefixes no operation could address (written by other tools: folder markers,
 *   `a//b`, control characters) leave the page and go to `skipped` (with any the driver reported),
 *   in listing order, so a listed key can always be read;
 * - Stowage's own keys (under `.stowage-...`) leave it silently.
 * The page may come out shorter than the limit; the cursor goes on. Unchanged pages are returned
 * as they are.
 */
export function visiblePage(page: ListResult, prefix: string): ListResult {
  const skipped: SkippedKey[] = [];
  let dropped = false;
  const objects = page.objects.filter((object) => {
    const problem = keyProblem(object.key);
    if (problem !== undefined) skipped.push({ key: object.key, problem });
    const keep = problem === undefined && !isReserved(object.key, prefix);
    dropped ||= !keep;
    return keep;
  });
  const prefixes = page.prefixes.filter((entry) => {
    const problem = prefixProblem(entry);
    if (problem !== undefined) skipped.push({ key: entry, problem });
    const keep = problem === undefined && !isReserved(entry, prefix);
    dropped ||= !keep;
    return keep;
  });
  if (!dropped) return page;
  if (skipped.length === 0) return { ...page, objects, prefixes };
  // A wrapped storage's driver (prefixed, mirror) may have reported skipped keys already.
  const all = page.skipped ? [...page.skipped, ...skipped] : skipped;
  all.sort((a, b) => compareKeys(a.key, b.key));
  return { ...page, objects, prefixes, skipped: all };
}
