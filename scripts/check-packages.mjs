#!/usr/bin/env node
// Checks every published package as npm users will get it: publint (package.json vs the files
// it ships) and Are The Types Wrong (types resolve for ESM and CommonJS under node16 and
// bundler resolution). Run after `pnpm build`.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const failures = [];
for (const dir of readdirSync(join(root, 'packages'))) {
  const path = join(root, 'packages', dir);
  const pkg = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  for (const [name, args] of [
    ['publint', ['exec', 'publint', '--strict']],
    ['attw', ['exec', 'attw', '--pack', '.', '--profile', 'node16', '--format', 'table-flipped']],
  ]) {
    try {
      execFileSync('pnpm', args, { cwd: path, stdio: 'pipe', encoding: 'utf8' });
      console.log(`ok    ${pkg.name}: ${name}`);
    } catch (error) {
      failures.push(`${pkg.name}: ${name}`);
      console.log(`FAIL  ${pkg.name}: ${name}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    }
  }
}
if (failures.length > 0) {
  console.error(`\n${failures.length} package check(s) failed: ${failures.join(', ')}`);
  process.exit(1);
}
