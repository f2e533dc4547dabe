import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnvFile } from '../src/env-file.js';
import { tempDir } from './helpers.js';

/**
 * `env:<file>` and `./.env` are read as the app reads them: the express example (and most Node
 * apps) load `.env` with the dotenv package, so a file means the same to `stowage` as to the app.
 */

let tmp: { path: string; remove: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(() => tmp.remove());

async function read(text: string): Promise<Record<string, string | undefined>> {
  await writeFile(join(tmp.path, '.env.case'), text);
  return { ...(await readEnvFile('.env.case', tmp.path)) };
}

describe('readEnvFile', () => {
  it('reads quotes, comments, export and multiline values', async () => {
    const env = await read(
      [
        '# a comment',
        'PLAIN=two words',
        '  SPACED = value  ',
        'INLINE=1 # a comment after the value',
        'DOUBLE="x # not a comment\\nsecond line"',
        "SINGLE='y#z \\n kept'",
        'BACKTICK=`a "b" \'c\'`',
        'export EXPORTED="e"',
        'MULTI="line1',
        'line2"',
        'EMPTY=',
        'URL=postgres://u:p@h/db?x=1&y=2',
        'CLOUDINARY_URL=cloudinary://123:abc-DEF_g@demo',
        '',
      ].join('\r\n'),
    );
    expect(env).toEqual({
      PLAIN: 'two words',
      SPACED: 'value',
      INLINE: '1',
      DOUBLE: 'x # not a comment\nsecond line',
      SINGLE: 'y#z \\n kept',
      BACKTICK: 'a "b" \'c\'',
      EXPORTED: 'e',
      MULTI: 'line1\nline2',
      EMPTY: '',
      URL: 'postgres://u:p@h/db?x=1&y=2',
      CLOUDINARY_URL: 'cloudinary://123:abc-DEF_g@demo',
    });
  });

  it('keeps a secret with an escaped quote whole, as dotenv does', async () => {
    // node:util parseEnv cuts this value at the backslash: the secret would be silently wrong.
    expect(await read('STORAGE_SIGNING_SECRET="ab\\"cd-0123456789"\n')).toEqual({
      STORAGE_SIGNING_SECRET: 'ab\\"cd-0123456789',
    });
  });

  it('reads a file saved with a byte order mark (Windows editors)', async () => {
    // node:util parseEnv keeps the BOM in the first name: USE_S3 would be missing.
    expect(await read('\uFEFFUSE_S3=true\nS3_BUCKET=b\n')).toEqual({
      USE_S3: 'true',
      S3_BUCKET: 'b',
    });
  });
});
