import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { createStorage, memory, type Storage } from '@stowage/core';
import { errorResponse, receiveUpload } from '@stowage/core/http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { route, startServer, type TestServer } from './http-test-server.js';

const MAX = 8 * 1024;

let storage: Storage;
let server: TestServer;
let seenFields: Record<string, string> = {};

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  typeAndData.copy(out, 4);
  out.writeUInt32BE(crc32(typeAndData), 8 + data.length);
  return out;
}

/** A valid RGB PNG of `width` x `height` noisy pixels (noise so that large ones stay large). */
function png(width: number, height: number): Uint8Array<ArrayBuffer> {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, no filter, no interlace
  const rows = randomBytes(height * (1 + width * 3));
  for (let row = 0; row < height; row++) rows[row * (1 + width * 3)] = 0; // filter type: none
  // Copied into a plain ArrayBuffer-backed array, which Blob accepts.
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      pngChunk('IHDR', header),
      pngChunk('IDAT', deflateSync(rows)),
      pngChunk('IEND', new Uint8Array(0)),
    ]),
  );
}

async function storedKeys(): Promise<string[]> {
  return (await storage.list()).objects.map((o) => o.key);
}

function post(path: string, form: FormData): Promise<Response> {
  return fetch(`${server.origin}${path}`, { method: 'POST', body: form });
}

/**
 * POSTs a multipart body (boundary XYZ) to /avatar: `parts`, then zeros up to 256 MiB, made as
 * they are read; `sent`: how much of it was read when the answer came.
 */
async function postEndless(parts: Uint8Array[]): Promise<{ res: Response; sent: number }> {
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next =
        parts.shift() ?? (sent < 256 * 1024 * 1024 ? new Uint8Array(64 * 1024) : undefined);
      if (next === undefined) return controller.close();
      sent += next.byteLength;
      controller.enqueue(next);
    },
  });
  const res = await fetch(`${server.origin}/avatar`, {
    method: 'POST',
    headers: { 'Content-Type': 'multipart/form-data; boundary=XYZ' },
    body,
    duplex: 'half',
  } as RequestInit);
  return { res, sent };
}

beforeAll(async () => {
  storage = createStorage(memory());
  server = await startServer(
    route({
      '/avatar': async (request) => {
        try {
          const result = await receiveUpload(request, storage, {
            maxSize: MAX,
            accept: ['image/*'],
            key: (file, fields) => {
              seenFields = fields;
              return `avatars/${fields.user ?? 'anon'}.${file.extension}`;
            },
            putOptions: { visibility: 'public' },
          });
          return Response.json(result, { status: 201 });
        } catch (error) {
          return errorResponse(error);
        }
      },
      '/any': async (request) => {
        try {
          const result = await receiveUpload(request, storage, {
            field: 'doc',
            maxSize: MAX,
            key: 'docs/doc',
          });
          return Response.json(result, { status: 201 });
        } catch (error) {
          return errorResponse(error);
        }
      },
    }),
  );
});

afterAll(async () => {
  await server.close();
});

beforeEach(async () => {
  seenFields = {};
  await storage.deleteMany(await storedKeys());
});

describe('receiveUpload', () => {
  it('stores a real PNG with its sniffed type and collects the other fields', async () => {
    const image = png(4, 4);
    const form = new FormData();
    form.append('user', 'ada');
    form.append(
      'file',
      new Blob([image], { type: 'application/octet-stream' }),
      'photo de moi.bin',
    );
    form.append('caption', 'après midi');
    const res = await post('/avatar', form);
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.filename).toBe('photo de moi.bin');
    expect(body.object).toMatchObject({
      key: 'avatars/ada.png',
      size: image.byteLength,
      contentType: 'image/png',
    });
    expect(body.fields).toEqual({ user: 'ada', caption: 'après midi' });
    expect(seenFields).toEqual({ user: 'ada' }); // the key function sees the fields sent before the file
    expect(new Uint8Array(await storage.getBytes('avatars/ada.png'))).toEqual(
      new Uint8Array(image),
    );
    expect((await storage.head('avatars/ada.png')).contentType).toBe('image/png');
  });

  it('refuses a text file named .png, whatever it declares, and stores nothing', async () => {
    const form = new FormData();
    form.append(
      'file',
      new Blob(['just some text, not an image'], { type: 'image/png' }),
      'evil.png',
    );
    const res = await post('/avatar', form);
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(/could not be recognised.*accepted: image\/\*/);
    expect(await storedKeys()).toEqual([]);
  });

  it('names the detected type when it is not accepted', async () => {
    const form = new FormData();
    form.append('file', new Blob(['%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n<<>>\nendobj\n']), 'cv.png');
    const res = await post('/avatar', form);
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/application\/pdf.*accepted: image\/\*/);
    expect(await storedKeys()).toEqual([]);
  });

  it('refuses an oversized image with TOO_LARGE and stores nothing', async () => {
    const image = png(200, 200);
    expect(image.byteLength).toBeGreaterThan(MAX);
    const form = new FormData();
    form.append('file', new Blob([image], { type: 'image/png' }), 'big.png');
    const res = await post('/avatar', form);
    expect(res.status).toBe(413);
    expect((await res.json()).error).toEqual({
      code: 'TOO_LARGE',
      message: 'The file is larger than 8 KiB.',
    });
    expect(await storedKeys()).toEqual([]);
  });

  it('stops reading a huge upload soon after refusing it', async () => {
    const { res, sent } = await postEndless([
      Buffer.from(
        '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="huge.png"\r\n\r\n',
      ),
      png(2, 2),
    ]);
    expect(res.status).toBe(413);
    expect(sent).toBeLessThan(32 * 1024 * 1024);
    expect(await storedKeys()).toEqual([]);
  });

  it('stops reading a form whose other parts go on far past what it can take', async () => {
    // A file in another field is skipped, not stored; it must not be read for ever either.
    const { res, sent } = await postEndless([
      Buffer.from(
        '--XYZ\r\nContent-Disposition: form-data; name="other"; filename="x.bin"\r\n\r\n',
      ),
    ]);
    expect(res.status).toBe(413);
    expect((await res.json()).error.message).toMatch(/form is larger than/);
    expect(sent).toBeLessThan(32 * 1024 * 1024);
    expect(await storedKeys()).toEqual([]);
  });

  it('refuses a form without the file field', async () => {
    const form = new FormData();
    form.append('other', new Blob([png(2, 2)]), 'a.png');
    form.append('file', 'not a file');
    const res = await post('/avatar', form);
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/no file in field "file"/);
    expect(await storedKeys()).toEqual([]);
  });

  it('refuses a request that is not multipart/form-data', async () => {
    const res = await fetch(`${server.origin}/avatar`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"file":"x"}',
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/multipart\/form-data/);
  });

  it('refuses a truncated form and stores nothing', async () => {
    const res = await fetch(`${server.origin}/avatar`, {
      method: 'POST',
      headers: { 'Content-Type': 'multipart/form-data; boundary=XYZ' },
      body: `--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n${'a'.repeat(100)}`,
    });
    expect(res.status).toBe(400);
    expect(await storedKeys()).toEqual([]);
  });

  it('stores any type when no accept list is given, typed by content', async () => {
    const form = new FormData();
    form.append('doc', new Blob(['plain words']), 'notes.html');
    const res = await post('/any', form);
    expect(res.status).toBe(201);
    expect((await res.json()).object).toMatchObject({
      key: 'docs/doc',
      contentType: 'application/octet-stream',
    });
  });

  it('bounds the other fields', async () => {
    const form = new FormData();
    form.append('note', 'x'.repeat(65 * 1024));
    form.append('doc', new Blob([png(2, 2)]), 'a.png');
    const res = await post('/any', form);
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/"note" is longer than/);
    expect(await storedKeys()).toEqual([]);
  });
});
