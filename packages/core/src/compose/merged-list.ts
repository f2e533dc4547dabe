import type { DriverListOptions } from '../driver-types.js';
import { StorageError } from '../errors.js';
import { compareKeys } from '../keys.js';
import type { Storage } from '../storage.js';
import type { ListResult, ObjectInfo, SkippedKey } from '../types.js';

/**
 * Where a merged listing stands: each side's cursor for the page to read (undefined: its first
 * page; null: that side has nothing more) and the last entry handed out.
 */
interface MergeCursor {
  p: string | null | undefined;
  s: string | null | undefined;
  a: string | undefined;
}

interface Entry {
  name: string;
  object?: ObjectInfo;
}

const EMPTY: ListResult = { objects: [], prefixes: [] };

/**
 * One page of the union of two listings, unique and in key order; a key both have is the
 * first's. Each call reads the current page of each side again and hands out only entries after
 * the last one handed out, so the cursor is small and the two sides' own cursors stay valid.
 * An entry past the end of a page whose side has more is held back until that side's next page
 * is read: nothing is handed out of order.
 *
 * `skipped` (keys no operation could address) is the sum of both sides': a side's page reports
 * its skipped keys once, on the merged page where that side moves past it, so a paged listing
 * reports each once per side (a key skipped on both sides is reported twice).
 */
export async function mergedList(
  first: Storage,
  second: Storage,
  o: DriverListOptions,
): Promise<ListResult> {
  const state = decode(o.cursor);
  const objects: ObjectInfo[] = [];
  const prefixes: string[] = [];
  const skipped: SkippedKey[] = [];
  const result = (cursor?: string): ListResult => ({
    objects,
    prefixes,
    ...(cursor !== undefined ? { cursor } : {}),
    ...(skipped.length > 0 ? { skipped: skipped.sort((x, y) => compareKeys(x.key, y.key)) } : {}),
  });
  const page = (storage: Storage, cursor: string | null | undefined) =>
    cursor === null
      ? Promise.resolve(EMPTY)
      : storage.list({ prefix: o.prefix, delimiter: o.delimiter, cursor, limit: o.limit });

  for (;;) {
    const [a, b] = await Promise.all([page(first, state.p), page(second, state.s)]);
    const aMore = state.p !== null && a.cursor !== undefined;
    const bMore = state.s !== null && b.cursor !== undefined;
    const entries = merge(entriesOf(a), entriesOf(b)).filter(
      (e) => state.a === undefined || compareKeys(e.name, state.a) > 0,
    );
    // Nothing past the end of a page whose side has more can be handed out yet.
    let bound: string | undefined;
    for (const [more, result] of [
      [aMore, a],
      [bMore, b],
    ] as const) {
      const last = lastOf(result);
      if (more && last !== undefined && (bound === undefined || compareKeys(last, bound) < 0)) {
        bound = last;
      }
    }
    for (const entry of entries) {
      if (bound !== undefined && compareKeys(entry.name, bound) > 0) break;
      if (objects.length + prefixes.length === o.limit) {
        return result(encode(state));
      }
      if (entry.object) objects.push(entry.object);
      else prefixes.push(entry.name);
      state.a = entry.name;
    }
    // A side whose page was handed out in full moves on to its next page.
    const done = (result: ListResult) => {
      const last = lastOf(result);
      return last === undefined || (state.a !== undefined && compareKeys(last, state.a) <= 0);
    };
    let advanced = false;
    if (state.p !== null && done(a)) {
      state.p = a.cursor ?? null;
      if (a.skipped) skipped.push(...a.skipped);
      advanced = true;
    }
    if (state.s !== null && done(b)) {
      state.s = b.cursor ?? null;
      if (b.skipped) skipped.push(...b.skipped);
      advanced = true;
    }
    if (state.p === null && state.s === null) return result();
    if (objects.length + prefixes.length === o.limit) {
      return result(encode(state));
    }
    if (!advanced) {
      // Cannot happen with listings in key order; refuse rather than loop.
      throw new StorageError('UNKNOWN', 'A merged listing made no progress (unsorted listing?).');
    }
  }
}

function entriesOf(result: ListResult): Entry[] {
  const entries: Entry[] = result.objects.map((object) => ({ name: object.key, object }));
  for (const name of result.prefixes) entries.push({ name });
  return entries.sort((x, y) => compareKeys(x.name, y.name));
}

function lastOf(result: ListResult): string | undefined {
  const o = result.objects.at(-1)?.key;
  const p = result.prefixes.at(-1);
  if (o === undefined) return p;
  if (p === undefined) return o;
  return compareKeys(o, p) > 0 ? o : p;
}

/** Two sorted entry lists as one, unique by name; the first list wins a tie. */
function merge(a: Entry[], b: Entry[]): Entry[] {
  const out: Entry[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const order = i === a.length ? 1 : j === b.length ? -1 : compareKeys(a[i]!.name, b[j]!.name);
    if (order <= 0) {
      out.push(a[i]!);
      if (order === 0) j++;
      i++;
    } else out.push(b[j++]!);
  }
  return out;
}

function encode(state: MergeCursor): string {
  return Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
}

function decode(cursor: string | undefined): MergeCursor {
  if (cursor === undefined) return { p: undefined, s: undefined, a: undefined };
  try {
    const state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as MergeCursor;
    const side = (v: unknown) => v === undefined || v === null || typeof v === 'string';
    if (side(state.p) && side(state.s) && (state.a === undefined || typeof state.a === 'string')) {
      return { p: state.p, s: state.s, a: state.a };
    }
  } catch {
    // fall through
  }
  throw new StorageError(
    'INVALID_INPUT',
    'Invalid input: cursor must be the string a previous list() returned.',
  );
}
