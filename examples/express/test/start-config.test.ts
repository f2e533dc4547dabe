// `pnpm start` runs the demo from the packages' TypeScript sources (tsconfig.start.json's paths),
// with no build first: a package the demo imports without a path there is looked up in its dist/,
// which a fresh clone does not have, and the demo stops at start.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const read = async (path: string) => JSON.parse(await readFile(join(here, path), 'utf8'));

/** Every specifier a source file imports (static, dynamic, re-exports), comments left out. */
function specifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found = new Set<string>();
  for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'([^']+)'/gm))
    found.add(m[1]!);
  return [...found];
}

/** A relative `.js` import of a TypeScript source, as tsx finds it. */
function relativeSource(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const candidate of [
    base.replace(/\.js$/, '.ts'),
    base,
    `${base}.ts`,
    join(base, 'index.ts'),
  ])
    if (existsSync(candidate) && candidate.endsWith('.ts')) return candidate;
  return undefined;
}

describe('pnpm start on a fresh clone', () => {
  it('maps every @stowage package the demo depends on to its sources', async () => {
    const { compilerOptions } = await read('../tsconfig.start.json');
    const used = new Set<string>();
    for (const manifest of ['../package.json', '../../shared/package.json']) {
      const { dependencies } = await read(manifest);
      for (const name of Object.keys(dependencies)) {
        if (name.startsWith('@stowage/') && !name.startsWith('@stowage/example-')) used.add(name);
      }
    }
    expect(used.size).toBeGreaterThan(3);
    const missing = [...used].filter((name) => !compilerOptions.paths[name]);
    expect(missing, 'add them to tsconfig.start.json paths').toEqual([]);
  });

  it('maps every @stowage import reachable from the server, subpaths too (@stowage/core/driver)', async () => {
    const { compilerOptions } = await read('../tsconfig.start.json');
    const paths = compilerOptions.paths as Record<string, [string]>;
    const shared = await read('../../shared/package.json');
    const exportsOf = shared.exports as Record<string, string | { default: string }>;
    const toVisit = [join(here, '../src/server.ts')];
    const seen = new Set<string>();
    const unmapped = new Set<string>();
    while (toVisit.length > 0) {
      const file = toVisit.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of specifiers(await readFile(file, 'utf8'))) {
        let next: string | undefined;
        if (spec.startsWith('.')) next = relativeSource(file, spec);
        else if (spec.startsWith('@stowage/example-shared/')) {
          const target = exportsOf[`./${spec.slice('@stowage/example-shared/'.length)}`];
          const path = typeof target === 'string' ? target : target?.default;
          if (path?.endsWith('.ts')) next = join(here, '../../shared', path);
        } else if (spec.startsWith('@stowage/')) {
          if (paths[spec]) next = join(here, '..', paths[spec][0]);
          else unmapped.add(spec);
        }
        if (next) toVisit.push(next);
      }
    }
    // The walk went through the drivers' sources, not just the demo's own files.
    expect([...seen].some((f) => f.includes('/packages/s3/src/'))).toBe(true);
    expect([...unmapped], 'add them to tsconfig.start.json paths').toEqual([]);
  });
});
