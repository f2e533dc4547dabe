/**
 * The release as npm users get it. On a scratch copy of the repository, `changeset version`
 * makes the release (as the version pull request does), then `pnpm release` (the release
 * workflow's publish command, `changeset publish`) publishes every package to a local registry
 * (Verdaccio on 127.0.0.1, scripts/registry.sh). Fresh apps install them from there with npm and
 * with pnpm, and import them from ESM, CommonJS and TypeScript (node16 and bundler resolution),
 * and run `npx @stowage/cli --version`. Needs `pnpm build` first (as `pnpm test` does).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ROUND_TRIP_RESULT,
  roundTripCjs,
  roundTripEsm,
  run,
  runAsync,
  typeCheck,
} from './helpers/consumer-app.js';
import { git, publishedPackages, repo, scratchCopy } from './helpers/scratch.js';

const registryScript = join(repo, 'scripts', 'registry.sh');
const names = publishedPackages().map((p) => p.name);
const managers = ['npm', 'pnpm'] as const;
let work: string;
let scratch: string;
let registryDir: string;
let registry: string;
let env: NodeJS.ProcessEnv;
let version: string;
let publishOutput: string;
const apps = new Map<string, string>();
// What a release manager would see, kept in test-artifacts/ (CI uploads it).
const transcript: string[] = [];
function record(cwd: string, command: string, output: string): void {
  // Without the spinners' terminal escapes.
  const plain = output.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').trimEnd();
  transcript.push(`${cwd} $ ${command}`, plain, '');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function startRegistry(): Promise<void> {
  registryDir = join(work, 'registry');
  registry = execFileSync(
    'bash',
    [registryScript, 'start', registryDir, String(await freePort())],
    {
      encoding: 'utf8',
    },
  ).trim();
  const response = await fetch(`${registry}-/user/org.couchdb.user:stowage`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'stowage', password: 'stowage-local-registry' }),
  });
  const { token } = (await response.json()) as { token: string };
  // @stowage/* from the local registry only; everything else from the npm registry as usual.
  const npmrc = join(work, 'npmrc');
  writeFileSync(
    npmrc,
    `@stowage:registry=${registry}\n${registry.replace(/^http:/, '')}:_authToken=${token}\n`,
  );
  // Provenance needs a CI's identity; the release workflow turns it on, not package.json.
  env = { ...process.env, npm_config_userconfig: npmrc, NPM_CONFIG_PROVENANCE: 'false' };
}

async function install(manager: (typeof managers)[number]): Promise<void> {
  const app = join(work, `app-${manager}`);
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: `app-${manager}`, private: true }),
  );
  // A TypeScript user on Node has @types/node (the AWS SDK's types refer to node:stream).
  const specs = [...names.map((name) => `${name}@${version}`), '@types/node@^22'];
  // Every run publishes the same version to a registry on a new port. pnpm keeps package
  // metadata per registry host and port, and takes an exact version it finds there without
  // asking: a port used by an earlier run (64 in ~/.cache/pnpm after a day of runs here; one came
  // back 8 hours later) installed that run's @stowage/cli. So pnpm gets a metadata cache of its
  // own per run, and npm revalidates what it has cached (its tarball cache is keyed by integrity).
  const args =
    manager === 'npm'
      ? ['install', '--no-audit', '--no-fund', '--prefer-online', ...specs]
      : ['add', '--reporter=append-only', `--cache-dir=${join(work, 'pnpm-cache')}`, ...specs];
  record(`app-${manager}`, `${manager} ${args.join(' ')}`, await runAsync(manager, args, app, env));
  apps.set(manager, app);
}

beforeAll(async () => {
  for (const { name, dir } of publishedPackages()) {
    if (!existsSync(join(dir, 'dist'))) throw new Error(`${name} is not built: run pnpm build`);
  }
  work = mkdtempSync(join(tmpdir(), 'stowage-publish-'));
  const registryStarted = startRegistry();
  scratch = scratchCopy({ dist: true, install: true });
  run(
    process.execPath,
    [join(repo, 'node_modules', '@changesets', 'cli', 'bin.js'), 'version'],
    scratch,
  );
  git(scratch, 'add', '-A');
  git(scratch, 'commit', '-q', '-m', 'Version Packages');
  version = publishedPackages(scratch)[0]!.version;
  record(
    'scratch',
    'changeset version',
    `versions: ${publishedPackages(scratch)
      .map((p) => `${p.name}@${p.version}`)
      .join(' ')}`,
  );
  // The CLI bundles its package.json (for --version): build it again at the new version, as the
  // release job builds after the version pull request merged. The other builds do not change.
  await runAsync('pnpm', ['--filter', '@stowage/cli', 'build'], scratch);
  await registryStarted;
  publishOutput = run('pnpm', ['release'], scratch, env);
  record('scratch', 'pnpm release', publishOutput);
  await Promise.all(managers.map(install));
}, 900_000);

afterAll(() => {
  mkdirSync(join(repo, 'test-artifacts'), { recursive: true });
  writeFileSync(join(repo, 'test-artifacts', 'publish-transcript.txt'), transcript.join('\n'));
  if (registryDir) execFileSync('bash', [registryScript, 'stop', registryDir]);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

type Manifest = {
  version: string;
  dist: { integrity: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};

async function published(name: string): Promise<Manifest> {
  const response = await fetch(`${registry}${name.replace('/', '%2f')}/${version}`);
  expect(response.status, `${name}@${version}\n${publishOutput}`).toBe(200);
  return (await response.json()) as Manifest;
}

describe('pnpm release to a local registry', () => {
  it('publishes every package at the release version, with workspace: ranges rewritten', async () => {
    for (const name of names) {
      const manifest = await published(name);
      expect(manifest.version).toBe(version);
      expect(JSON.stringify(manifest.dependencies ?? {}), name).not.toContain('workspace:');
      const core = manifest.peerDependencies?.['@stowage/core'];
      if (core !== undefined) expect(core, name).toBe(`^${version}`);
    }
  });
});

for (const manager of managers) {
  describe(`the packages installed from the local registry with ${manager}`, () => {
    it('came from the local registry (lockfile integrity), with their LICENSE', async () => {
      const app = apps.get(manager)!;
      const lock = readFileSync(
        join(app, manager === 'npm' ? 'package-lock.json' : 'pnpm-lock.yaml'),
        'utf8',
      );
      for (const name of names) {
        const dir = join(app, 'node_modules', ...name.split('/'));
        const installed = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
        expect(installed.version, name).toBe(version);
        expect(existsSync(join(dir, 'LICENSE')), `${name} LICENSE`).toBe(true);
        expect(lock, name).toContain((await published(name)).dist.integrity);
      }
    });

    it('work from ESM and from CommonJS', () => {
      expect(roundTripEsm(apps.get(manager)!)).toEqual(ROUND_TRIP_RESULT);
      expect(roundTripCjs(apps.get(manager)!)).toEqual(ROUND_TRIP_RESULT);
    });

    it('type-check from TypeScript (node16 and bundler resolution)', async () => {
      const app = apps.get(manager)!;
      const [node16, bundler] = await Promise.all([
        typeCheck(app, 'node16'),
        typeCheck(app, 'bundler'),
      ]);
      expect(node16).toBe('');
      expect(bundler).toBe('');
    }, 300_000);

    it('run the CLI with npx @stowage/cli', () => {
      const output = run('npx', ['@stowage/cli', '--version'], apps.get(manager)!, env);
      record(`app-${manager}`, 'npx @stowage/cli --version', output);
      expect(output.trim()).toContain(version);
    });
  });
}
