/**
 * `pnpm bench`: every benchmark, one after another, each in its own process so that none skews
 * the next (`pnpm bench disk tickets` runs some). Each prints ratios against the raw SDK or raw
 * node:fs measured in the same run. Timings are noisy on a busy machine: run on a quiet one.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ALL = ['disk', 's3', 'tickets', 'images', 'migrate'];
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ALL;
const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));

for (const name of chosen) {
  if (!ALL.includes(name))
    throw new Error(`unknown benchmark ${name}; choose from ${ALL.join(', ')}`);
  console.log(`\n== bench/${name}`);
  execFileSync(
    process.execPath,
    [tsx, fileURLToPath(new URL(`./${name}/index.ts`, import.meta.url))],
    {
      stdio: 'inherit',
    },
  );
}
