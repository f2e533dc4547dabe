/**
 * `npx stowage` would fetch an unscoped package named `stowage`, which anyone could register:
 * the docs run the CLI as `npx @stowage/cli`, the package that ships the `stowage` binary.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { repo } from './helpers/scratch.js';

function markdown(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? markdown(join(dir, entry.name))
      : entry.name.endsWith('.md')
        ? [join(dir, entry.name)]
        : [],
  );
}

it('no doc runs `npx stowage` (an unscoped name); they say `npx @stowage/cli`', () => {
  const files = [
    join(repo, 'README.md'),
    ...markdown(join(repo, 'docs')),
    ...readdirSync(join(repo, 'packages')).flatMap((name) =>
      markdown(join(repo, 'packages', name)).filter((file) => !file.includes('node_modules')),
    ),
  ];
  const offenders = files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .map((line, index) => ({ line, at: `${file.slice(repo.length + 1)}:${index + 1}` }))
      .filter(({ line }) => /npx\s+(--yes\s+|-y\s+)?stowage\b/.test(line))
      .map(({ at }) => at),
  );
  expect(offenders).toEqual([]);
  expect(readFileSync(join(repo, 'packages', 'cli', 'README.md'), 'utf8')).toContain(
    'npx @stowage/cli',
  );
});
