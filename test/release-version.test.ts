/**
 * What `changeset version` (the release workflow's version step) makes of the pending
 * changesets, run on a scratch copy of the repository: one version for every published package
 * (a changesets `fixed` group), still below 1.0, 0.1.0 for the first release, and peer ranges on
 * @stowage/core that pnpm turns into the new version's caret range at publish.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, publishedPackages, readJson, repo, scratchCopy } from './helpers/scratch.js';

let scratch: string;
let before: Map<string, string>;
let output: string;

beforeAll(() => {
  scratch = scratchCopy();
  before = new Map(publishedPackages(scratch).map((p) => [p.name, p.version]));
  output = changesetVersion();
}, 120_000);

function changesetVersion(): string {
  return execFileSync(
    process.execPath,
    [join(repo, 'node_modules', '@changesets', 'cli', 'bin.js'), 'version'],
    { cwd: scratch, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('changeset version on a scratch copy', () => {
  it('gives every published package the same version, below 1.0', () => {
    const after = publishedPackages(scratch);
    expect(after.length).toBeGreaterThanOrEqual(6);
    const versions = new Set(after.map((p) => p.version));
    expect([...versions], output).toHaveLength(1);
    const [version] = [...versions];
    expect(version).toMatch(/^0\.\d+\.\d+$/);
    // Nothing was released yet: every package starts at 0.0.0, and the first release is 0.1.0.
    if ([...before.values()].every((v) => v === '0.0.0')) expect(version).toBe('0.1.0');
  });

  it('writes a changelog entry for the new version into every published package', () => {
    for (const { name, dir, version } of publishedPackages(scratch)) {
      const changelog = join(dir, 'CHANGELOG.md');
      expect(existsSync(changelog), name).toBe(true);
      expect(readFileSync(changelog, 'utf8')).toContain(`## ${version}`);
    }
  });

  it('keeps the peer ranges on @stowage/core as workspace:^ (the caret of the new version)', () => {
    for (const { name, dir } of publishedPackages(scratch)) {
      const pkg = readJson(join(dir, 'package.json'));
      if (name === '@stowage/core') continue;
      if (pkg.peerDependencies?.['@stowage/core'])
        expect(pkg.peerDependencies['@stowage/core'], name).toBe('workspace:^');
    }
  });

  it('after the release, a minor change to core alone moves every package one minor (no major)', () => {
    // The bug this guards against: changesets 2 gave peer dependents of core a major bump.
    git(scratch, 'add', '-A');
    git(scratch, 'commit', '-q', '-m', 'version packages');
    const released = publishedPackages(scratch)[0]!.version;
    writeFileSync(
      join(scratch, '.changeset', 'core-feature.md'),
      '---\n"@stowage/core": minor\n---\n\nA feature in core.\n',
    );
    changesetVersion();
    const [major = 0, minor = 0] = released.split('.').map(Number);
    for (const { name, version } of publishedPackages(scratch))
      expect(version, name).toBe(`${major}.${minor + 1}.0`);
  });

  it('leaves the private example apps alone', () => {
    for (const example of ['express', 'next']) {
      const file = join('examples', example, 'package.json');
      expect(readFileSync(join(scratch, file), 'utf8')).toBe(
        readFileSync(join(repo, file), 'utf8'),
      );
    }
  });
});
