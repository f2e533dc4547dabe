import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { appOptionsFromEnv } from '../src/config.js';
import { startHttpApp } from './http-app.js';

let dir: string;
let server: Server;
let base: string;
const errors: unknown[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stowage-example-requests-'));
  ({ server, baseUrl: base } = await startHttpApp(
    join(dir, 'data'),
    { STORAGE_DISK_ROOT: join(dir, 'media') },
    (error) => errors.push(error),
  ));
});

afterAll(async () => {
  server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A GET with a Host header of our choosing (fetch does not let one set it). */
function getWithHost(path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function issueTicket(): Promise<number> {
  const res = await fetch(`${base}/api/tickets`, {
    method: 'POST',
    body: new URLSearchParams({
      event_title: 'Concert',
      event_date: '2026-12-31',
      venue: 'Hall',
      buyer_name: 'Ada Lovelace',
      quantity: '1',
    }),
    redirect: 'manual',
  });
  const location = res.headers.get('location') ?? '';
  const id = Number(/\/tickets\/(\d+)/.exec(location)?.[1]);
  expect(id, `redirect to ${location}`).toBeGreaterThan(0);
  return id;
}

describe("Express example: malformed requests are the client's errors (4xx), not 500s", () => {
  it.each([
    ['/api/uploads', '{bad'],
    ['/api/uploads', '{"customerId":'],
    ['/api/customers/1/image', '{bad'],
    ['/api/check-in', '{"payload":'],
  ])('POST %s with malformed JSON %s: 400, no stack, nothing logged', async (path, body) => {
    errors.length = 0;
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(text).not.toMatch(/SyntaxError|at .*\.js|node_modules/);
    expect(errors).toEqual([]);
  });

  it('a ticket form over its size limit: 413', async () => {
    errors.length = 0;
    const res = await fetch(`${base}/api/tickets`, {
      method: 'POST',
      body: new URLSearchParams({ buyer_name: 'x'.repeat(20_000) }),
      redirect: 'manual',
    });
    expect(res.status).toBe(413);
    expect(await res.text()).not.toMatch(/PayloadTooLargeError|at .*\.js/);
    expect(errors).toEqual([]);
  });

  it('a check-in over its size limit: 413', async () => {
    const res = await fetch(`${base}/api/check-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payload: 'x'.repeat(8_000) }),
    });
    expect(res.status).toBe(413);
  });
});

describe('Express example: the Host header', () => {
  let id: number;
  beforeAll(async () => {
    id = await issueTicket();
  });

  it.each(['a b', 'x:99999', '[::1', 'a%2f', 'a@evil.example'])(
    'Host %s: the ticket API answers, with URLs on localhost, not on the given host',
    async (host) => {
      const { status, body } = await getWithHost(`/api/events/ticket/${id}`, host);
      expect(status).toBe(200);
      const json = JSON.parse(body) as { qr_code_url: string; ticket_pdf_url: string };
      expect(new URL(json.qr_code_url).host).toBe('localhost');
      expect(json.qr_code_url).not.toContain('evil');
    },
  );

  it('a well-formed Host is followed (host and port)', async () => {
    const { status, body } = await getWithHost(`/api/events/ticket/${id}`, 'tickets.example:8080');
    expect(status).toBe(200);
    expect(JSON.parse(body).qr_code_url).toMatch(/^http:\/\/tickets\.example:8080\//);
  });
});

describe('Express example: the secrets of a fresh checkout (none set, not production)', () => {
  it('are random, kept in DATA_DIR (0600) across restarts, never the public development constant', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const env = { DATA_DIR: join(dir, 'fresh-data'), STORAGE_DISK_ROOT: join(dir, 'fresh') };
      const first = appOptionsFromEnv(env);
      const second = appOptionsFromEnv(env);
      for (const secret of [first.ticketSigningSecret, first.signingSecret]) {
        expect(secret).toBeDefined();
        expect(secret).not.toBe('development-only-secret-do-not-deploy');
        expect(secret!.length).toBeGreaterThanOrEqual(32);
      }
      expect(first.ticketSigningSecret).not.toBe(first.signingSecret);
      expect(second.ticketSigningSecret).toBe(first.ticketSigningSecret);
      expect(second.signingSecret).toBe(first.signingSecret);
      const files = await readdirSecrets(env.DATA_DIR);
      expect(files.mode & 0o777).toBe(0o600);
      expect(files.text).toContain(first.ticketSigningSecret);
      // The warning names the variable and says where the random one is kept; no secret in it.
      const warned = warn.mock.calls.map((call) => String(call[0])).join('\n');
      expect(warned).toMatch(/TICKET_SIGNING_SECRET is not set/);
      expect(warned).not.toContain(first.ticketSigningSecret);
    } finally {
      warn.mockRestore();
    }
  });
});

async function readdirSecrets(dataDir: string): Promise<{ mode: number; text: string }> {
  const path = join(dataDir, 'development-secrets.json');
  return { mode: (await stat(path)).mode, text: await readFile(path, 'utf8') };
}
