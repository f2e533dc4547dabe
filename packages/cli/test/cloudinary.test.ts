import { join } from 'node:path';
import { type CloudinaryEmulator, startCloudinaryEmulator } from '@stowage/cloudinary/emulator';
import type { Storage } from '@stowage/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageFromEnvLazy } from '../src/source.js';
import {
  differingKeys,
  hasDriverPackage,
  makeTree,
  runCli,
  tempDir,
  writeEnvFile,
} from './helpers.js';

const hasCloudinary = hasDriverPackage('cloudinary');
if (!hasCloudinary) {
  console.warn(
    '[cli] @stowage/cloudinary has no src/index.ts yet: the Cloudinary tests are skipped.',
  );
}

describe.skipIf(!hasCloudinary)('with Cloudinary (emulator)', () => {
  let emu: CloudinaryEmulator;
  let tmp: { path: string; remove: () => Promise<void> };
  const opened: Storage[] = [];

  beforeAll(async () => {
    // The byte-for-byte check reads all 520 keys with get() (an Admin API call each): more than a
    // free plan's 500 calls an hour, which the emulator enforces by default. A paid plan's budget.
    emu = await startCloudinaryEmulator({ cloudName: 'stowage-cli', adminRateLimit: 5000 });
    tmp = await tempDir();
  });
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await emu.close();
    await tmp.remove();
  });

  it('migrates 520 files disk -> Cloudinary byte for byte, then skips them all', async () => {
    const sourceRoot = join(tmp.path, 'media');
    const keys = await makeTree(sourceRoot, { count: 520, seed: 5, minSize: 1 });
    const env = { CLOUDINARY_URL: emu.cloudinaryUrl, CLOUDINARY_DELIVERY_URL: emu.url };
    await writeEnvFile(join(tmp.path, '.env.cloudinary'), env);
    const args = ['migrate', '--from', 'disk:media', '--to', 'env:.env.cloudinary'];
    const first = await runCli(args, { cwd: tmp.path });
    expect(first.stderr).not.toMatch(/^failed/m);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`copied: +${keys.length} objects`));
    const { storage } = await storageFromEnvLazy(env, { cwd: tmp.path });
    opened.push(storage);
    expect(await differingKeys(sourceRoot, keys, storage)).toEqual([]);

    const uploads = emu.requests.length;
    const again = await runCli(args, { cwd: tmp.path });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`skipped: +${keys.length} objects`));
    const uploadsAgain = emu.requests
      .slice(uploads)
      .filter((r) => r.apiKind === 'upload' && r.path.endsWith('/upload'));
    expect(uploadsAgain).toEqual([]);
    expect(JSON.stringify(emu.requests)).not.toContain(emu.apiSecret);
  }, 300_000);

  it('doctor passes against the emulator and masks the secret in CLOUDINARY_URL', async () => {
    const run = await runCli(['doctor'], {
      env: { CLOUDINARY_URL: emu.cloudinaryUrl, CLOUDINARY_DELIVERY_URL: emu.url },
    });
    expect(run.stdout).toMatch(/driver: +cloudinary \(CLOUDINARY_URL is set\)/);
    expect(run.stdout).toMatch(/ok {4}list/);
    expect(run.stdout).toMatch(/ok {4}write/);
    expect(run.stdout).toMatch(/ok {4}read back/);
    expect(run.stdout).toMatch(
      /ok {4}public URL +fetched http:\/\/127\.0\.0\.1:\d+\/stowage-cli\/raw\/upload\/\S+ \(HTTP 200, same content\)/,
    );
    expect(run.stdout).toMatch(/ok {4}signed URL/);
    expect(run.stdout).toMatch(/ok {4}delete/);
    expect(run.stdout).toMatch(
      new RegExp(`CLOUDINARY_URL +cloudinary://${emu.apiKey}:\\*\\*\\*\\*@stowage-cli\\?`),
    );
    expect(run.stdout + run.stderr).not.toContain(emu.apiSecret);
    expect(run.code).toBe(0);
  });

  it('doctor names the cloud name when Cloudinary does not know it, and prints no secret', async () => {
    const url = emu.cloudinaryUrl.replace('@stowage-cli?', '@no-such-cloud?');
    const run = await runCli(['doctor'], {
      env: { CLOUDINARY_URL: url, CLOUDINARY_DELIVERY_URL: emu.url },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL {2}list/);
    expect(run.stdout).toMatch(
      /fix: Cloudinary does not know this cloud name: check the cloud name in CLOUDINARY_URL/,
    );
    expect(run.stdout + run.stderr).not.toContain(emu.apiSecret);
  });

  it('doctor names the API secret when it is wrong', async () => {
    const url = emu.cloudinaryUrl.replace(
      `:${encodeURIComponent(emu.apiSecret)}@`,
      ':a-wrong-api-secret@',
    );
    const run = await runCli(['doctor'], { env: { CLOUDINARY_URL: url } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /fix: The secret does not match the access key: check the api_secret in CLOUDINARY_URL/,
    );
    expect(run.stdout + run.stderr).not.toContain('a-wrong-api-secret');
    expect(run.stdout + run.stderr).not.toContain(emu.apiSecret);
  });
});
