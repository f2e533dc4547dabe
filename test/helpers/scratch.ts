/**
 * A scratch copy of the repository for release tests: every file git tracks or would track
 * (the working tree as it is, uncommitted changes included), plus each package's dist/ when
 * asked, committed to a fresh git repository.
 */
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const repo = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

export function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=Stowage Test', '-c', 'user.email=test@stowage.invalid', ...args],
    { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

/**
 * `dist`: copy each package's built dist/ too. `install`: run `pnpm install` in the copy (needed
 * to build or publish there); otherwise the repository's root node_modules is linked.
 */
export function scratchCopy(options: { dist?: boolean; install?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'stowage-scratch-'));
  const files = git(repo, 'ls-files', '-z', '--cached', '--others', '--exclude-standard')
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(repo, file)));
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(repo, file), join(dir, file));
  }
  for (const name of readdirSync(join(repo, 'packages'))) {
    const dist = join(repo, 'packages', name, 'dist');
    if (options.dist && existsSync(dist))
      cpSync(dist, join(dir, 'packages', name, 'dist'), { recursive: true });
  }
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'scratch copy');
  if (options.install) {
    // A real install, as CI does (offline: the store has every package): the workspace links
    // then point inside the copy, so pnpm rewrites workspace: ranges with the copy's versions.
    execFileSync('pnpm', ['install', '--offline', '--frozen-lockfile', '--reporter=silent'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } else {
    // Linked after the commit, and kept out of git: a link is no folder, so .gitignore misses it.
    symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
    appendFileSync(join(dir, '.git', 'info', 'exclude'), '/node_modules\n');
  }
  return dir;
}

/** The packages npm users get: name, folder and package.json of each non-private package. */
export function publishedPackages(root = repo): { name: string; dir: string; version: string }[] {
  return readdirSync(join(root, 'packages'))
    .map((name) => join(root, 'packages', name))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, pkg: readJson(join(dir, 'package.json')) }))
    .filter(({ pkg }) => pkg.private !== true)
    .map(({ dir, pkg }) => ({ name: String(pkg.name), dir, version: String(pkg.version) }));
}

export function readJson(file: string): Record<string, unknown> & {
  peerDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
} {
  return JSON.parse(readFileSync(file, 'utf8'));
}
