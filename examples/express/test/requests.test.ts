// The Express example over plain HTTP: what a client that is not a browser (curl, a script, an
// attacker) gets, and the secrets of a fresh checkout.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as requests from '../../test-support/scenario-requests.js';
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

describe('Express example over plain HTTP (the same checks as the Next.js app)', () => {
  const app = () => ({ baseUrl: base });
  it('answers malformed and oversized bodies with 4xx, logging nothing', async () => {
    errors.length = 0;
    await requests.clientErrors(app());
    expect(errors).toEqual([]);
  });
  it("carries back only the ticket form's own fields", () =>
    requests.ticketFormCarriesItsFieldsOnly(app()));
  it('takes only plain whole numbers as ids', () => requests.strictIds(app()));
  it('signs no customer-form message that quotes the sender', () =>
    requests.customerMessageQuotesNothing(app()));
  it('builds URLs on a Host header only when it is a host and a port', () =>
    requests.checkedHost(app()));
  it('sends no X-Powered-By', () => requests.noPoweredBy(app()));
  it('says a ticket was regenerated only after a regeneration', () =>
    requests.regeneratedNoticeIsSigned(app()));
  it('keeps names without control characters, as the PDF prints them', () =>
    requests.namesWithoutControlCharacters(app()));
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
