/**
 * The supported Node lines are stated once (scripts/node.sh) and everything agrees with them:
 * every package's engines, the CI workflow's matrix and .ci/run test exactly those lines, and
 * `pnpm test` / `pnpm start` run on a supported Node even when the machine's is older.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { publishedPackages, readJson, repo } from './helpers/scratch.js';

const nodeSh = readFileSync(join(repo, 'scripts', 'node.sh'), 'utf8');
const lines = [...nodeSh.matchAll(/^NODE_(\d+)=(\d+\.\d+\.\d+)$/gm)].map((m) => Number(m[1]));
const minimum = Math.min(...lines);

it('node.sh pins the maintained lines 22 and 24', () => {
  expect(lines).toEqual([22, 24]);
});

it('every package (and the root) says engines >= the oldest supported line', () => {
  for (const dir of [repo, ...publishedPackages().map((p) => p.dir)]) {
    expect(readJson(join(dir, 'package.json')).engines, dir).toEqual({ node: `>=${minimum}` });
  }
});

it('the CI workflow and .ci/run test exactly those lines', () => {
  const workflow = readFileSync(join(repo, '.github', 'workflows', 'ci.yml'), 'utf8');
  const matrix = workflow.match(/^\s+node: \[([\d, ]+)\]$/m);
  expect(matrix?.[1]?.split(',').map(Number)).toEqual(lines);
  const ciRun = readFileSync(join(repo, '.ci', 'run'), 'utf8');
  const installed = [...ciRun.matchAll(/node\.sh install (\d+)/g)].map((m) => Number(m[1]));
  expect([...installed].sort()).toEqual(lines);
  for (const line of lines) expect(ciRun).toContain(`test_on ${line} "$node${line}"`);
  // The README's test command, which goes through node.sh.
  expect(readJson(join(repo, 'package.json')).scripts).toMatchObject({
    test: 'bash scripts/node.sh exec pnpm run test:all',
    start: 'bash scripts/node.sh exec pnpm run demo',
  });
});

it('node.sh exec runs a command on Node 24 when the Node on PATH is older', () => {
  // A stand-in for an old system Node: reports 20.20.2.
  const bin = mkdtempSync(join(tmpdir(), 'old-node-'));
  try {
    writeFileSync(join(bin, 'node'), '#!/bin/sh\necho 20\n');
    chmodSync(join(bin, 'node'), 0o755);
    const out = execFileSync(
      'bash',
      [join(repo, 'scripts', 'node.sh'), 'exec', 'node', '-p', 'process.versions.node'],
      { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } },
    );
    expect(out.trim()).toMatch(/^24\./);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}, 120_000);
