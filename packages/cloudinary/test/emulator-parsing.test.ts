import { randomBytes } from 'node:crypto';
import { startCloudinaryEmulator } from '@stowage/cloudinary/emulator';
import { describe, expect, it } from 'vitest';
import { parseContentRange } from '../src/emulator/chunked-uploads.js';
import { parseContext } from '../src/emulator/context.js';
import { detectMedia } from '../src/emulator/media.js';
import { RequestParams } from '../src/emulator/request-params.js';
import { apiStringToSign } from '../src/emulator/signing.js';
import { cloudinary, PNG } from './emulator-helpers.js';

describe('emulator parsing', () => {
  it('decodes context strings as the SDK encodes them', () => {
    // What the SDK's encode_context makes of { alt: 'a=b|c', path: 'x\\y', empty: '' }.
    const encoded = 'alt=a\\=b\\|c|path=x\\y|empty=';
    expect(parseContext(encoded)).toEqual({ alt: 'a=b|c', path: 'x\\y', empty: '' });
    expect(parseContext('novalue|x=1')).toEqual({ x: '1' });
  });

  it('tells media from text by content', () => {
    expect(detectMedia(PNG)).toEqual({ kind: 'image', format: 'png' });
    expect(detectMedia(Buffer.from('<?xml version="1.0"?>\n<svg xmlns="x"></svg>'))).toEqual({
      kind: 'image',
      format: 'svg',
    });
    expect(detectMedia(Buffer.from('<!DOCTYPE html><html><svg></svg></html>'))).toBeUndefined();
    expect(detectMedia(Buffer.from('BMW annual report, plain text, long enough'))).toBeUndefined();
    expect(detectMedia(Buffer.from('%PDF-1.7\n'))).toEqual({ kind: 'image', format: 'pdf' });
  });

  it('builds the string to sign like the SDK', () => {
    const params = new RequestParams([
      ['timestamp', '1'],
      ['public_id', 'a&b'],
      ['tags[]', 'x'],
      ['tags[]', 'y'],
      ['api_key', 'k'],
      ['file', 'f'],
      ['folder', ''],
    ]);
    expect(apiStringToSign(params)).toBe('public_id=a%26b&tags=x,y&timestamp=1');
    const sdk = cloudinary.utils.api_sign_request(
      { timestamp: 1, public_id: 'a&b', tags: ['x', 'y'] },
      's',
    );
    expect(sdk).toBe(
      cloudinary.utils.api_sign_request({ timestamp: 1, public_id: 'a&b', tags: 'x,y' }, 's'),
    );
  });

  it('parses chunk ranges', () => {
    expect(parseContentRange('bytes 0-9/-1')).toEqual({ start: 0, end: 9, total: undefined });
    expect(parseContentRange('bytes 10-19/20')).toEqual({ start: 10, end: 19, total: 20 });
    expect(parseContentRange('bytes 0--1/0')).toEqual({ start: 0, end: -1, total: 0 });
    expect(() => parseContentRange('bytes 5-1/20')).toThrow(/Invalid Content-Range/);
    expect(() => parseContentRange('bytes 0-20/20')).toThrow(/Invalid Content-Range/);
  });

  it('survives random requests', async () => {
    const emu = await startCloudinaryEmulator();
    try {
      const paths = [
        `/v1_1/${emu.cloudName}/image/upload`,
        `/v1_1/${emu.cloudName}/auto/upload`,
        `/v1_1/${emu.cloudName}/resources/image/upload`,
        `/v1_1/${emu.cloudName}/raw/download?public_id=%ZZ`,
        `/${emu.cloudName}/image/upload/s--AAAAAAAA--/x.png`,
        `/${emu.cloudName}/image/upload/%00/%FF.png`,
      ];
      const types = [
        'multipart/form-data; boundary=b',
        'application/x-www-form-urlencoded',
        'application/json',
        'text/plain',
      ];
      for (let i = 0; i < 60; i++) {
        const response = await fetch(`${emu.url}${paths[i % paths.length]}`, {
          method: i % 3 === 0 ? 'GET' : 'POST',
          headers: {
            'Content-Type': types[i % types.length] ?? '',
            ...(i % 5 === 0 && { 'Content-Range': 'bytes 0-3/-1', 'X-Unique-Upload-Id': 'u' }),
          },
          ...(i % 3 !== 0 && { body: randomBytes(i * 7) }),
        });
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        await response.arrayBuffer();
      }
    } finally {
      await emu.close();
    }
  });
});
