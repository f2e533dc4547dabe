/**
 * Request parameters, from a form body or a query string. Repeated names and names ending in
 * `[]` (how the SDK sends arrays) collect all their values under the name without `[]`.
 */
export class RequestParams {
  private readonly values = new Map<string, string[]>();

  constructor(pairs: Iterable<readonly [string, string]> = []) {
    for (const [name, value] of pairs) this.add(name, value);
  }

  add(rawName: string, value: string): void {
    const name = rawName.endsWith('[]') ? rawName.slice(0, -2) : rawName;
    const list = this.values.get(name);
    if (list) list.push(value);
    else this.values.set(name, [value]);
  }

  /** The single value of `name` (the first, if sent more than once). */
  get(name: string): string | undefined {
    return this.values.get(name)?.[0];
  }

  /** All values of `name`. */
  all(name: string): string[] {
    return this.values.get(name) ?? [];
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** `1`/`true` and `0`/`false`, as the SDK sends booleans (upload: 1/0, destroy/rename: true/false). */
  bool(name: string, fallback: boolean): boolean {
    const value = this.get(name)?.toLowerCase();
    if (value === '1' || value === 'true') return true;
    if (value === '0' || value === 'false') return false;
    return fallback;
  }

  /** Each name with its values joined by `,`, the way the SDK signs arrays. */
  joined(): Array<[string, string]> {
    return [...this.values].map(([name, list]) => [name, list.join(',')]);
  }
}
