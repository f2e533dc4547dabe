import type http from 'node:http';
import { type CloudinaryEmulator, startCloudinaryEmulator } from '@stowage/cloudinary/emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  apiOptions,
  cloudinary,
  fetchBytes,
  newAgent,
  PNG,
  untyped,
  uploadBuffer,
  urlOptions,
} from './emulator-helpers.js';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');

let emu: CloudinaryEmulator;
let agent: http.Agent;
const api = () => apiOptions(emu, agent);

async function sdkError(
  run: () => Promise<unknown>,
): Promise<{ http_code?: number; message?: string }> {
  try {
    await run();
  } catch (error) {
    const record = error as { error?: { http_code?: number; message?: string } } & {
      http_code?: number;
      message?: string;
    };
    return record.error ?? record;
  }
  throw new Error('expected the SDK call to fail');
}

beforeAll(async () => {
  emu = await startCloudinaryEmulator({ cloudName: 'new-account' });
  agent = newAgent();
});
afterAll(async () => {
  agent.destroy();
  await emu.close();
});
beforeEach(() => emu.reset());

describe('emulator: a new account', () => {
  it('blocks delivery URLs of PDFs, while the download API serves them', async () => {
    const uploaded = await uploadBuffer(PDF, { ...api(), public_id: 'tickets/t1' });
    expect(uploaded.format).toBe('pdf');
    const delivered = await fetchBytes(cloudinary.url('tickets/t1.pdf', urlOptions(emu)));
    expect(delivered.status).toBe(401);
    const signed = cloudinary.url('tickets/t1.pdf', { ...urlOptions(emu), sign_url: true });
    expect((await fetchBytes(signed)).status).toBe(401);
    const download = cloudinary.utils.private_download_url('tickets/t1', 'pdf', {
      ...api(),
      type: 'upload',
    });
    const body = await fetchBytes(download);
    expect(body.status).toBe(200);
    expect(body.body.equals(PDF)).toBe(true);
  });

  it('delivers PDFs when the account allows it', async () => {
    const open = await startCloudinaryEmulator({ allowPdfZipDelivery: true });
    try {
      await uploadBuffer(PDF, { ...apiOptions(open, agent), public_id: 't1' });
      expect((await fetchBytes(cloudinary.url('t1.pdf', urlOptions(open)))).status).toBe(200);
    } finally {
      await open.close();
    }
  });

  it('refuses files named with a blocked extension', async () => {
    const refused = await sdkError(() =>
      uploadBuffer(Buffer.from('x'), { ...api(), resource_type: 'raw', public_id: 'a/tool.exe' }),
    );
    expect(refused.http_code).toBe(400);
    const bin = await sdkError(() =>
      uploadBuffer(Buffer.from('x'), { ...api(), resource_type: 'raw', public_id: 'blob.BIN' }),
    );
    expect(bin.http_code).toBe(400);
  });

  it('replaces special characters in public ids and says so in the answer', async () => {
    const uploaded = await uploadBuffer(Buffer.from('x'), {
      ...api(),
      resource_type: 'raw',
      public_id: 'a~7E/b c=d.txt',
    });
    expect(uploaded.public_id).toBe('a_7E/b_c_d.txt');
  });

  it('refuses context over 255 characters in total', async () => {
    const fits = await uploadBuffer(PNG, {
      ...api(),
      public_id: 'c1',
      context: { a: 'x'.repeat(253) },
    });
    expect(fits.context).toEqual({ custom: { a: 'x'.repeat(253) } });
    const refused = await sdkError(() =>
      uploadBuffer(PNG, {
        ...api(),
        public_id: 'c2',
        context: { a: 'x'.repeat(200), b: 'y'.repeat(60) },
      }),
    );
    expect(refused.http_code).toBe(400);
  });

  it('answers with asset_folder and display_name (dynamic folders)', async () => {
    const uploaded = await uploadBuffer(PNG, {
      ...api(),
      public_id: 'photos/2024/cat',
      asset_folder: 'photos/2024',
    });
    expect(uploaded).toMatchObject({ asset_folder: 'photos/2024', display_name: 'cat' });
    expect(uploaded).not.toHaveProperty('folder');
    const plain = await uploadBuffer(PNG, { ...api(), public_id: 'photos/dog' });
    expect(plain).toMatchObject({ asset_folder: '', display_name: 'dog' });
  });

  it('renames with context: true by answering the context, not by setting it', async () => {
    await uploadBuffer(PNG, { ...api(), public_id: 'r1', context: { alt: 'kept' }, tags: ['t'] });
    const bare = await cloudinary.uploader.rename('r1', 'r2', untyped(api()));
    expect(bare).not.toHaveProperty('context');
    expect(bare).not.toHaveProperty('tags');
    // SDK 2.11 sends `context` with rename (not `tags`, which newer SDKs add).
    const asked = await cloudinary.uploader.rename(
      'r2',
      'r3',
      untyped({ ...api(), context: true }),
    );
    expect(asked).toMatchObject({ context: { custom: { alt: 'kept' } } });
    const stored = await cloudinary.api.resource('r3', api());
    expect(stored.context).toEqual({ custom: { alt: 'kept' } });
  });

  it('counts Admin API calls and answers 420 past 500 an hour', async () => {
    const limited = await startCloudinaryEmulator({ adminRateLimit: 3 });
    try {
      const options = apiOptions(limited, agent);
      for (let i = 0; i < 3; i++) {
        const page = await cloudinary.api.resources(options);
        expect(page.rate_limit_remaining).toBe(2 - i);
      }
      const refused = await sdkError(() => cloudinary.api.resources(options));
      expect(refused.http_code).toBe(420);
      expect(limited.adminCalls).toBe(4);
    } finally {
      await limited.close();
    }
    expect(emu.adminCalls).toBe(0);
  });
});

describe('emulator: an account set to retain context on overwrite', () => {
  it('keeps the old context when an overwrite sends none', async () => {
    const keeping = await startCloudinaryEmulator({ retainContextOnOverwrite: true });
    try {
      const options = apiOptions(keeping, agent);
      await uploadBuffer(PNG, { ...options, public_id: 'k', context: { a: '1', b: '2' } });
      const bare = await uploadBuffer(PNG, { ...options, public_id: 'k', overwrite: true });
      expect(bare.context).toEqual({ custom: { a: '1', b: '2' } });
      const merged = await uploadBuffer(PNG, {
        ...options,
        public_id: 'k',
        overwrite: true,
        context: { c: '3' },
      });
      expect(merged.context).toEqual({ custom: { a: '1', b: '2', c: '3' } });
    } finally {
      await keeping.close();
    }
  });
});
