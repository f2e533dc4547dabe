// What a client that is not a browser (curl, a script, an attacker) gets from either demo: the
// same answers from the Express and the Next.js app, checked over plain HTTP.
import { request } from 'node:http';
import { expect } from 'vitest';

export interface HttpApp {
  baseUrl: string;
}

const SCAM = 'Account locked - call +1 555 0100';

/** A GET with a Host header of our choosing (fetch does not let one set it). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
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

/** Issues a ticket through the form; its id. */
export async function issueTicketOverHttp(app: HttpApp, buyer = 'Ada Lovelace'): Promise<number> {
  const res = await fetch(`${app.baseUrl}/api/tickets`, {
    method: 'POST',
    body: new URLSearchParams({
      event_title: 'Concert',
      event_date: '2026-12-31',
      venue: 'Hall',
      buyer_name: buyer,
      quantity: '1',
    }),
    redirect: 'manual',
  });
  const location = res.headers.get('location') ?? '';
  const id = Number(/\/tickets\/(\d+)$/.exec(location)?.[1]);
  expect(id, `redirect to ${location}`).toBeGreaterThan(0);
  return id;
}

const noStack = (text: string) => expect(text).not.toMatch(/SyntaxError|TypeError|at .*\.js:\d/);

/** Malformed and oversized bodies are the client's errors: 4xx (413 for size), never a 500. */
export async function clientErrors(app: HttpApp): Promise<void> {
  const post = (path: string, body: BodyInit, type: string) =>
    fetch(`${app.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': type },
      body,
      redirect: 'manual',
    });
  for (const [path, body] of [
    ['/api/uploads', '{bad'],
    ['/api/uploads', 'null'],
    ['/api/customers/1/image', '{"key":'],
    ['/api/check-in', '{"payload":'],
  ] as const) {
    const res = await post(path, body, 'application/json');
    expect(res.status, `${path} ${body}`).toBeGreaterThanOrEqual(400);
    expect(res.status, `${path} ${body}`).toBeLessThan(500);
    noStack(await res.text());
  }
  for (const [path, body, type] of [
    ['/api/tickets', `buyer_name=${'x'.repeat(20_000)}`, 'application/x-www-form-urlencoded'],
    ['/api/check-in', JSON.stringify({ payload: 'x'.repeat(8_000) }), 'application/json'],
    ['/api/uploads', JSON.stringify({ pad: 'x'.repeat(200_000) }), 'application/json'],
  ] as const) {
    const res = await post(path, body, type);
    expect(res.status, `${path}: ${body.length} bytes`).toBe(413);
    noStack(await res.text());
  }
  // A ticket form that is not a form: back to it with a message, as an empty form is.
  for (const type of ['text/plain', 'application/json']) {
    const res = await post('/api/tickets', 'x', type);
    expect(res.status, type).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/tickets\?/);
  }
}

/** The refused ticket form carries back its own five fields, nothing a client adds. */
export async function ticketFormCarriesItsFieldsOnly(app: HttpApp): Promise<void> {
  const res = await fetch(`${app.baseUrl}/api/tickets`, {
    method: 'POST',
    body: new URLSearchParams({ buyer_name: 'Ada', injected: SCAM }),
    redirect: 'manual',
  });
  expect(res.status).toBe(303);
  const location = new URL(res.headers.get('location') ?? '', app.baseUrl);
  expect(location.pathname).toBe('/tickets');
  expect(location.searchParams.get('buyer_name')).toBe('Ada');
  expect(location.searchParams.has('injected')).toBe(false);
}

/** A record id is a plain whole number: `0x1`, `1e0`, `1.0`, ` 1 ` and `true` name nothing. */
export async function strictIds(app: HttpApp): Promise<void> {
  const id = await issueTicketOverHttp(app);
  expect((await fetch(`${app.baseUrl}/api/events/ticket/${id}`)).status).toBe(200);
  for (const alias of [`0x${id.toString(16)}`, `${id}e0`, `${id}.0`, `%20${id}%20`, `0${id}`]) {
    const res = await fetch(`${app.baseUrl}/api/events/ticket/${alias}`);
    expect(res.status, alias).toBe(404);
    const page = await fetch(`${app.baseUrl}/tickets/${alias}`);
    expect(page.status, `/tickets/${alias}`).toBe(404);
  }
  for (const customerId of [true, '0x1', [1], '1.0']) {
    const res = await fetch(`${app.baseUrl}/api/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerId, contentType: 'image/png', size: 10 }),
    });
    expect(res.status, JSON.stringify(customerId)).toBe(404);
  }
}

/**
 * A refused customer form's message is signed into the link back to the form, so it must not
 * quote what the sender wrote: here a multipart field's name, on a field over its size limit.
 */
export async function customerMessageQuotesNothing(app: HttpApp): Promise<void> {
  const boundary = 'stowage-test-boundary';
  const body = [
    `--${boundary}`,
    `Content-Disposition: form-data; name="${SCAM}"`,
    '',
    'x'.repeat(65_537),
    `--${boundary}--`,
    '',
  ].join('\r\n');
  const res = await fetch(`${app.baseUrl}/api/customers`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
    redirect: 'manual',
  });
  expect(res.status).toBe(303);
  const location = new URL(res.headers.get('location') ?? '', app.baseUrl);
  expect(location.searchParams.get('error_sig')).toBeTruthy();
  expect(location.searchParams.get('error')).not.toContain('call');
  const page = await (await fetch(location)).text();
  expect(page).not.toContain('555 0100');
}

/** The Host header is the client's: URLs are built on it only when it is a host and a port. */
export async function checkedHost(app: HttpApp): Promise<void> {
  const id = await issueTicketOverHttp(app);
  const url = `${app.baseUrl}/api/events/ticket/${id}`;
  for (const host of ['a b', 'x:99999', '[::1', 'a%2f', 'a@evil.example']) {
    const { status, body } = await getWithHost(url, host);
    expect(status, host).toBe(200);
    const json = JSON.parse(body) as { qr_code_url: string };
    expect(new URL(json.qr_code_url).host, host).toBe('localhost');
  }
  const { status, body } = await getWithHost(url, 'tickets.example:8080');
  expect(status).toBe(200);
  expect(JSON.parse(body).qr_code_url).toMatch(/^http:\/\/tickets\.example:8080\//);
}

/** No header names the framework (X-Powered-By). */
export async function noPoweredBy(app: HttpApp): Promise<void> {
  const res = await fetch(`${app.baseUrl}/`);
  expect(res.status).toBe(200);
  expect(res.headers.get('x-powered-by')).toBeNull();
}

/** "The ticket was regenerated." only after a regeneration, not for a link that says so. */
export async function regeneratedNoticeIsSigned(app: HttpApp): Promise<void> {
  const id = await issueTicketOverHttp(app);
  const notice = 'The ticket was regenerated.';
  for (const query of ['regenerated', 'regenerated=1', 'regenerated=9999999999.AAAA']) {
    const page = await (await fetch(`${app.baseUrl}/tickets/${id}?${query}`)).text();
    expect(page, query).not.toContain(notice);
  }
  const res = await fetch(`${app.baseUrl}/api/tickets/${id}/regenerate`, {
    method: 'POST',
    redirect: 'manual',
  });
  expect(res.status).toBe(303);
  const location = new URL(res.headers.get('location') ?? '', app.baseUrl);
  expect(location.pathname).toBe(`/tickets/${id}`);
  expect(await (await fetch(location)).text()).toContain(notice);
  // The signature names its ticket: on another ticket's page it says nothing.
  const other = await issueTicketOverHttp(app, 'Grace Hopper');
  const elsewhere = new URL(`/tickets/${other}${location.search}`, app.baseUrl);
  expect(await (await fetch(elsewhere)).text()).not.toContain(notice);
}

/** A name with control characters is kept as the PDF prints it: without them. */
export async function namesWithoutControlCharacters(app: HttpApp): Promise<void> {
  const id = await issueTicketOverHttp(app, 'Ada\u0000 Love\u0007lace\u009b');
  const json = await (await fetch(`${app.baseUrl}/api/events/ticket/${id}`)).json();
  expect(json.buyer_name).toBe('Ada Lovelace');
  const page = await (await fetch(`${app.baseUrl}/tickets/${id}`)).text();
  expect(page).toContain('Ada Lovelace');
  expect(page).not.toMatch(/[\u0000\u0007\u009b]/);
}
