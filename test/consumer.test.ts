/**
 * Installs the packages the way npm users get them: every package is packed with `pnpm pack`
 * (workspace versions rewritten, only `files` shipped), the tarballs are installed into a fresh
 * project with npm, and a put/get through the disk driver runs from ESM, from CommonJS and from
 * TypeScript checked with `moduleResolution` node16 and bundler. Needs `pnpm build` (as
 * `pnpm test` does first).
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ROUND_TRIP_RESULT,
  roundTripCjs,
  roundTripEsm,
  run,
  typeCheck,
} from './helpers/consumer-app.js';
import { repo } from './helpers/scratch.js';

let project: string;

function publishable(): { name: string; dir: string }[] {
  return readdirSync(join(repo, 'packages'))
    .map((dir) => ({
      dir: join(repo, 'packages', dir),
      pkg: JSON.parse(readFileSync(join(repo, 'packages', dir, 'package.json'), 'utf8')),
    }))
    .filter(({ pkg }) => !pkg.private)
    .map(({ dir, pkg }) => ({ name: pkg.name as string, dir }));
}

beforeAll(() => {
  const packages = publishable();
  for (const { name, dir } of packages) {
    if (!existsSync(join(dir, 'dist')))
      throw new Error(`${name} is not built: run pnpm build first`);
  }
  project = mkdtempSync(join(tmpdir(), 'stowage-consumer-'));
  const tarballs = join(project, 'tarballs');
  mkdirSync(tarballs);
  const dependencies: Record<string, string> = {};
  for (const { name, dir } of packages) {
    const file = run('pnpm', ['pack', '--pack-destination', tarballs], dir)
      .trim()
      .split('\n')
      .pop()!;
    dependencies[name] = `file:${file.trim()}`;
  }
  // A TypeScript user on Node has @types/node (the AWS SDK's types refer to node:stream).
  dependencies['@types/node'] = '^20.19.0';
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, dependencies }, null, 2),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], project);
}, 300_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('the packed packages, installed with npm', () => {
  it('work from ESM', () => {
    expect(roundTripEsm(project)).toEqual(ROUND_TRIP_RESULT);
  });

  it('work from CommonJS', () => {
    expect(roundTripCjs(project)).toEqual(ROUND_TRIP_RESULT);
  });

  it('render a ticket for a name outside Latin-1 from ESM and CommonJS (the font is found)', () => {
    const render = `const service = createTicketService({ storage: createStorage(memory()), signingSecret: 'consumer-ticket-secret-0123456789' });
const { pdf } = await service.render({ ticketId: 1, eventId: 2, eventTitle: 'Noc Muzeów', eventDate: '2026-05-16', buyerName: 'Łukasz Дмитрий', quantity: 1 });
console.log(JSON.stringify({ bytes: pdf.byteLength, font: /FontFile2/.test(Buffer.from(pdf).toString('latin1')) }));`;
    writeFileSync(
      join(project, 'ticket.mjs'),
      `import { createStorage, memory } from '@stowage/core';\nimport { createTicketService } from '@stowage/tickets';\n${render}`,
    );
    writeFileSync(
      join(project, 'ticket.cjs'),
      `const { createStorage, memory } = require('@stowage/core');\nconst { createTicketService } = require('@stowage/tickets');\n(async () => {\n${render}\n})();`,
    );
    for (const file of ['ticket.mjs', 'ticket.cjs']) {
      const out = JSON.parse(run('node', [file], project));
      expect(out.font, file).toBe(true);
      expect(out.bytes, file).toBeGreaterThan(1000);
    }
  });

  for (const resolution of ['node16', 'bundler'] as const) {
    it(`type-check from TypeScript with moduleResolution ${resolution}`, async () => {
      expect(await typeCheck(project, resolution)).toBe('');
    }, 120_000);
  }

  it('load no cloud SDK when only @stowage/core is imported (ESM and CommonJS)', () => {
    writeFileSync(
      join(project, 'hooks.mjs'),
      // The hooks run on their own thread, whose process.stderr reaches fd 2 through the main
      // thread, asynchronously: lines could be lost when the program exits first. writeSync is not.
      `import { writeSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  writeSync(2, 'loaded ' + result.url + '\\n');
  return result;
}\n`,
    );
    writeFileSync(
      join(project, 'register.mjs'),
      "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n",
    );
    writeFileSync(
      join(project, 'only-core.mjs'),
      "import '@stowage/core';\nimport '@stowage/core/http';\n",
    );
    const esm = spawnSync('node', ['--import', './register.mjs', 'only-core.mjs'], {
      cwd: project,
      encoding: 'utf8',
    });
    expect(esm.status).toBe(0);
    const esmModules = esm.stderr.split('\n').filter((line) => line.startsWith('loaded '));
    expect(esmModules.some((m) => m.includes('@stowage/core'))).toBe(true);
    expect(esmModules.filter((m) => /@aws-sdk|[\\/]cloudinary[\\/]|@smithy/.test(m))).toEqual([]);
    const cjs = run(
      'node',
      [
        '-e',
        "require('@stowage/core'); require('@stowage/core/http'); console.log(JSON.stringify(Object.keys(require.cache)))",
      ],
      project,
    );
    const cjsModules: string[] = JSON.parse(cjs);
    expect(cjsModules.some((m) => m.includes('@stowage/core'))).toBe(true);
    expect(cjsModules.filter((m) => /@aws-sdk|[\\/]cloudinary[\\/]|@smithy/.test(m))).toEqual([]);
  });
});
