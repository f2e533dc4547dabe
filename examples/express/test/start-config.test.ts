// `pnpm start` runs the demo from the packages' TypeScript sources (tsconfig.start.json's paths),
// with no build first: a package the demo imports without a path there is looked up in its dist/,
// which a fresh clone does not have, and the demo stops at start.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

const read = async (path: string) =>
  JSON.parse(await readFile(new URL(path, import.meta.url), 'utf8'));

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
});
