/**
 * Every package says MIT, so the MIT licence text ships: at the root of the repository and in
 * every published package's tarball (as `npm pack` lists it), the same text everywhere.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishedPackages, readJson, repo } from './helpers/scratch.js';

const rootLicense = readFileSync(join(repo, 'LICENSE'), 'utf8');

describe('LICENSE', () => {
  it('is the MIT licence at the root', () => {
    expect(rootLicense).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} /);
    expect(rootLicense).toContain('Permission is hereby granted, free of charge');
  });

  for (const { name, dir } of publishedPackages()) {
    it(`ships in the ${name} tarball, the same text as the root's`, () => {
      expect(readJson(join(dir, 'package.json')).license).toBe('MIT');
      const [packed] = JSON.parse(
        execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
          cwd: dir,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      ) as { files: { path: string }[] }[];
      expect(packed!.files.map((file) => file.path)).toContain('LICENSE');
      expect(readFileSync(join(dir, 'LICENSE'), 'utf8')).toBe(rootLicense);
    });
  }
});
