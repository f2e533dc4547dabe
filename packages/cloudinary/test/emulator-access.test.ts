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

let emu: CloudinaryEmulator;
let agent: http.Agent;
const api = () => apiOptions(emu, agent);

beforeAll(async () => {
  emu = await startCloudinaryEmulator();
  agent = newAgent();
});
afterAll(async () => {
  agent.destroy();
  await emu.close();
});
beforeEach(() => emu.reset());

/** Changes one character of the `s--XXXXXXXX--` component. */
const tamper = (url: string): string =>
  url.replace(/s--(.)/, (_m, c: string) => `s--${c === 'A' ? 'B' : 'A'}`);

describe('signed delivery', () => {
  it('serves a private asset only through a valid signed URL', async () => {
    const uploaded = await uploadBuffer(PNG, {
      ...api(),
      public_id: 'secret/pic',
      type: 'private',
    });
    expect(uploaded.type).toBe('private');
    const signed = cloudinary.url('secret/pic', {
      ...urlOptions(emu),
      type: 'private',
      sign_url: true,
      format: 'png',
      version: uploaded.version,
    });
    expect(signed).toMatch(/\/image\/private\/s--[A-Za-z0-9_-]{8}--\/v\d+\/secret\/pic\.png$/);
    const ok = await fetchBytes(signed);
    expect(ok.status).toBe(200);
    expect(ok.body.equals(PNG)).toBe(true);
    // The url in the upload answer is signed too.
    expect((await fetchBytes(uploaded.secure_url)).status).toBe(200);

    expect((await fetchBytes(tamper(signed))).status).toBe(401);
    const unsigned = cloudinary.url('secret/pic', {
      ...urlOptions(emu),
      type: 'private',
      format: 'png',
    });
    expect((await fetchBytes(unsigned)).status).toBe(401);
    const otherId = cloudinary.url('secret/other', {
      ...urlOptions(emu),
      type: 'private',
      sign_url: true,
      format: 'png',
    });
    expect((await fetchBytes(otherId)).status).toBe(404);
    const transformed = cloudinary.url('secret/pic', {
      ...urlOptions(emu),
      type: 'private',
      sign_url: true,
      format: 'png',
      width: 50,
      crop: 'scale',
    });
    const resized = await fetchBytes(transformed);
    expect(resized.status).toBe(200);
    expect(resized.headers.get('x-emulator-transformation')).toBe('c_scale,w_50');
  });

  it('serves private_download_url until it expires', async () => {
    await uploadBuffer(Buffer.from('invoice'), {
      ...api(),
      resource_type: 'raw',
      type: 'authenticated',
      public_id: 'bills/1.pdf.txt',
    });
    const options = {
      ...api(),
      resource_type: 'raw' as const,
      type: 'authenticated' as const,
      attachment: true,
      expires_at: Math.floor(Date.now() / 1000) + 60,
    };
    const url = cloudinary.utils.private_download_url('bills/1.pdf.txt', '', options);
    expect(url.startsWith(`${emu.url}/v1_1/${emu.cloudName}/raw/download?`)).toBe(true);
    const ok = await fetchBytes(url);
    expect(ok.status).toBe(200);
    expect(ok.body.toString()).toBe('invoice');
    expect(ok.headers.get('content-disposition')).toMatch(/^attachment; filename="1\.pdf\.txt"/);

    const expired = cloudinary.utils.private_download_url('bills/1.pdf.txt', '', {
      ...options,
      expires_at: Math.floor(Date.now() / 1000) - 10,
    });
    const refused = await fetchBytes(expired);
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body.toString())).toEqual({
      error: { message: 'Download URL has expired' },
    });
    const forged = url.replace(/signature=[0-9a-f]/, (m) =>
      m.endsWith('0') ? 'signature=1' : 'signature=0',
    );
    expect((await fetchBytes(forged)).status).toBe(401);
    const missing = cloudinary.utils.private_download_url('bills/none.txt', '', options);
    expect((await fetchBytes(missing)).status).toBe(404);
  });
});

describe('failure injection', () => {
  it('surfaces 420 and 429 as SDK errors with their http_code', async () => {
    emu.failNext({ status: 420, api: 'admin' });
    await expect(cloudinary.api.resources(api())).rejects.toMatchObject({
      error: { http_code: 420, message: 'Rate Limit Exceeded' },
    });
    emu.failNext({ status: 429, api: 'upload', count: 2 });
    await expect(uploadBuffer(PNG, api())).rejects.toMatchObject({ http_code: 429 });
    await expect(cloudinary.uploader.destroy('x', untyped(api()))).rejects.toMatchObject({
      http_code: 429,
    });
    expect(await cloudinary.uploader.destroy('x', untyped(api()))).toEqual({ result: 'not found' });
    await expect(cloudinary.api.resources(api())).resolves.toMatchObject({ resources: [] });

    emu.failNext({ status: 500, api: 'admin', resetIn: 30 });
    emu.failNext({ status: 429, api: 'admin', resetIn: 30 });
    await expect(cloudinary.api.resources(api())).rejects.toMatchObject({
      error: { http_code: 500 },
    });
    const auth = `Basic ${Buffer.from(`${emu.apiKey}:${emu.apiSecret}`).toString('base64')}`;
    const limited = await fetch(`${emu.url}/v1_1/${emu.cloudName}/resources/image`, {
      headers: { Authorization: auth },
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-featureratelimit-remaining')).toBe('0');
    expect(limited.headers.get('retry-after')).toBe('30');
    expect(Date.parse(limited.headers.get('x-featureratelimit-reset') ?? '')).toBeGreaterThan(
      Date.now(),
    );
  });
});

describe('robustness', () => {
  it('answers bad input with JSON errors and keeps running', async () => {
    const unknown = await fetchBytes(`${emu.url}/nothing/here`);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body.toString())).toHaveProperty('error.message');
    const malformed = await fetchBytes(`${emu.url}/v1_1/${emu.cloudName}/image/upload`, {
      method: 'POST',
      headers: { 'Content-Type': 'multipart/form-data; boundary=xyz' },
      body: '--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nno end',
    });
    expect(malformed.status).toBe(400);
    const badJson = await fetchBytes(`${emu.url}/v1_1/${emu.cloudName}/image/destroy`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{',
    });
    expect(badJson.status).toBe(400);
    const noAuth = await fetchBytes(`${emu.url}/v1_1/${emu.cloudName}/resources/image`);
    expect(noAuth.status).toBe(401);
    const badEncoding = await fetchBytes(`${emu.url}/${emu.cloudName}/image/upload/%E0%A4%A.png`);
    expect(badEncoding.status).toBe(400);
    const wrongCloud = await fetchBytes(`${emu.url}/v1_1/other/image/upload`, { method: 'POST' });
    expect(wrongCloud.status).toBe(401);
    const badId = uploadBuffer(PNG, { ...api(), public_id: 'a?b' });
    await expect(badId).rejects.toMatchObject({ http_code: 400 });
    // Still serving.
    expect((await uploadBuffer(PNG, { ...api(), public_id: 'fine' })).public_id).toBe('fine');
  });

  it('records requests without secrets or signatures', async () => {
    await uploadBuffer(PNG, { ...api(), public_id: 'rec' });
    await cloudinary.api.resource('rec', api());
    await fetchBytes(cloudinary.url('rec', { ...urlOptions(emu), sign_url: true }));
    expect(emu.requests.map((r) => [r.method, r.apiKind, r.status])).toEqual([
      ['POST', 'upload', 200],
      ['GET', 'admin', 200],
      ['GET', 'delivery', 200],
    ]);
    expect(emu.requests[1]?.path).toBe(`/v1_1/${emu.cloudName}/resources/image/upload/rec`);
    const logged = JSON.stringify(emu.requests);
    expect(logged).not.toContain(emu.apiSecret);
    expect(logged).not.toContain('signature');
  });
});
