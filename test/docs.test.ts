/**
 * Every ```ts sample in the docs and READMEs is type-checked against the packages' sources, so
 * no sample rots. A sample that is deliberately a fragment is fenced as ```ts fragment.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, it } from 'vitest';

const repo = new URL('..', import.meta.url).pathname;

function markdownFiles(): string[] {
  const files = [join(repo, 'README.md')];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name.endsWith('.md')) files.push(join(dir, entry.name));
    }
  };
  walk(join(repo, 'docs'));
  for (const dir of readdirSync(join(repo, 'packages')))
    files.push(join(repo, 'packages', dir, 'README.md'));
  return files.filter((file) => {
    try {
      readFileSync(file);
      return true;
    } catch {
      return false;
    }
  });
}

it('every TypeScript sample in the docs type-checks', () => {
  const out = join(repo, 'test', '.docs-samples');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const origin = new Map<string, string>();
  let count = 0;
  for (const file of markdownFiles()) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
      const line = text.slice(0, match.index).split('\n').length;
      const name = `sample-${++count}.ts`;
      origin.set(name, `${relative(repo, file)}:${line}`);
      writeFileSync(join(out, name), `${match[1]}\nexport {};\n`);
    }
  }
  const paths: Record<string, string[]> = {
    '@stowage/core': ['packages/core/src/index.ts'],
    '@stowage/core/driver': ['packages/core/src/driver/index.ts'],
    '@stowage/core/http': ['packages/core/src/http/index.ts'],
    '@stowage/core/testing': ['packages/core/src/testing/index.ts'],
    '@stowage/s3': ['packages/s3/src/index.ts'],
    '@stowage/r2': ['packages/r2/src/index.ts'],
    '@stowage/cloudinary': ['packages/cloudinary/src/index.ts'],
    '@stowage/cloudinary/emulator': ['packages/cloudinary/src/emulator/index.ts'],
    '@stowage/tickets': ['packages/tickets/src/index.ts'],
    '@stowage/images': ['packages/images/src/index.ts'],
    '@stowage/cli': ['packages/cli/src/index.ts'],
  };
  writeFileSync(
    join(out, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../tsconfig.base.json',
      compilerOptions: {
        noEmit: true,
        module: 'ESNext',
        moduleResolution: 'Bundler',
        baseUrl: '../..',
        paths,
        noUnusedLocals: false,
      },
      include: ['*.ts'],
    }),
  );
  let output = '';
  try {
    execFileSync(
      'node',
      [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(out, 'tsconfig.json')],
      { encoding: 'utf8' },
    );
  } catch (error) {
    output = String((error as { stdout?: string }).stdout ?? error);
  }
  // Name the Markdown file and line of each sample with an error, not the generated file.
  const errors = output
    .split('\n')
    .filter((line) => line.includes('error TS'))
    .map((line) =>
      line.replace(
        /^.*?(sample-\d+\.ts)/,
        (_, sample: string) => `${origin.get(sample)} (${sample})`,
      ),
    );
  expect(count).toBeGreaterThan(5);
  expect(errors).toEqual([]);
}, 120_000);
