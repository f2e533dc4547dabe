/**
 * The test projects are listed in vitest.workspace.ts (the layout the design asks for) and
 * vitest.config.ts runs exactly that list; every package with tests belongs to a project.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import config from '../vitest.config.js';
import { projects } from '../vitest.workspace.js';
import { repo } from './helpers/scratch.js';

it('vitest.config.ts runs the projects of vitest.workspace.ts, and every package has one', () => {
  expect(config.test?.projects).toBe(projects);
  const includes = projects.flatMap((p) =>
    typeof p === 'object' && 'test' in p ? (p.test?.include ?? []) : [],
  );
  for (const name of readdirSync(join(repo, 'packages'))) {
    if (!existsSync(join(repo, 'packages', name, 'test'))) continue;
    expect(includes, name).toContain(`packages/${name}/test/**/*.test.ts`);
  }
});
