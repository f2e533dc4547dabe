import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The BUILT entry points (`@stowage/core`, `/driver`, `/http`, `/testing`), as users load them: one
 * StorageError class for all of them, so `instanceof StorageError` holds whichever entry an error
 * came from. Needs `pnpm --filter @stowage/core build` first (`pnpm test` builds).
 */
const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const require = createRequire(import.meta.url);

type CoreModule = typeof import('../src/index.js');
type HttpModule = typeof import('../src/http/index.js');
type DriverModule = typeof import('../src/driver/index.js');

function built(): void {
  if (!existsSync(join(DIST, 'index.js'))) {
    throw new Error('packages/core/dist is missing: run `pnpm --filter @stowage/core build` first');
  }
}

/** A StorageError made inside the http entry's module graph (receiveUpload refuses a non-form). */
async function errorFromHttp(core: CoreModule, http: HttpModule): Promise<Error> {
  const storage = core.createStorage(core.memory());
  const request = new Request('http://localhost/upload', { method: 'POST', body: 'not a form' });
  return http.receiveUpload(request, storage, { maxSize: 10, key: 'k' }).then(
    () => {
      throw new Error('receiveUpload accepted a body that is not a form');
    },
    (error: Error) => error,
  );
}

async function expectOneClass(core: CoreModule, http: HttpModule): Promise<void> {
  const fromHttp = await errorFromHttp(core, http);
  expect(core.isStorageError(fromHttp, 'INVALID_INPUT')).toBe(true);
  // The class the http entry uses is the class @stowage/core exports.
  const HttpStorageError = fromHttp.constructor;
  expect(HttpStorageError).toBe(core.StorageError);
  expect(fromHttp).toBeInstanceOf(core.StorageError);
  // And an error from a storage made with @stowage/core is one in the http entry's eyes.
  const fromStorage = await core
    .createStorage(core.memory())
    .head('missing')
    .catch((error: unknown) => error);
  expect(core.isStorageError(fromStorage, 'NOT_FOUND')).toBe(true);
  expect(fromStorage).toBeInstanceOf(HttpStorageError);
}

describe('built entry points share one StorageError', () => {
  it('in the ESM build', async () => {
    built();
    const core = (await import(pathToFileURL(join(DIST, 'index.js')).href)) as CoreModule;
    const http = (await import(pathToFileURL(join(DIST, 'http/index.js')).href)) as HttpModule;
    await expectOneClass(core, http);
  });

  it('in the CommonJS build', async () => {
    built();
    const core = require(join(DIST, 'index.cjs')) as CoreModule;
    const http = require(join(DIST, 'http/index.cjs')) as HttpModule;
    await expectOneClass(core, http);
  });

  it('the driver entry makes errors of the same class, in both formats', async () => {
    built();
    const esm = (await import(pathToFileURL(join(DIST, 'index.js')).href)) as CoreModule;
    const esmDriver = (await import(
      pathToFileURL(join(DIST, 'driver/index.js')).href
    )) as DriverModule;
    expect(esmDriver.configError('x')).toBeInstanceOf(esm.StorageError);
    const cjs = require(join(DIST, 'index.cjs')) as CoreModule;
    const cjsDriver = require(join(DIST, 'driver/index.cjs')) as DriverModule;
    expect(cjsDriver.configError('x')).toBeInstanceOf(cjs.StorageError);
  });

  it('defined in one shared file per format, used by every entry (testing too)', () => {
    built();
    const files = readdirSync(DIST, { recursive: true, encoding: 'utf8' }).filter((f) =>
      /\.(c?js)$/.test(f),
    );
    for (const extension of ['.js', '.cjs']) {
      const defining = files.filter(
        (f) =>
          f.endsWith(extension) &&
          /StorageError = class\b/.test(readFileSync(join(DIST, f), 'utf8')),
      );
      expect(defining, `files of the ${extension} build that define StorageError`).toHaveLength(1);
      expect(defining[0]).not.toMatch(/^(index|driver|http|testing)/);
    }
  });

  it('loads the ESM-only file-type with import() in the CommonJS build, never require()', () => {
    // require() of an ES module fails on the Node 20 releases before 20.19.
    built();
    const code = readFileSync(join(DIST, 'http/index.cjs'), 'utf8');
    expect(code).toMatch(/import\(['"]file-type['"]\)/);
    expect(code).not.toMatch(/require\(['"]file-type['"]\)/);
  });
});
