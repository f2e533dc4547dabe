import { keyProblem } from '@stowage/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssetKeys, decodeIdPart, mediaKindOf } from '../src/asset-key.js';

const keys = new AssetKeys(true);

/** [key, resource type, public id] rows of the README's mapping table. */
const TABLE: Array<[key: string, kind: 'image' | 'video' | 'raw', publicId: string]> = [
  ['tickets/qr_codes/E1/ticket_T1.png', 'image', 'tickets/qr_codes/E1/ticket_T1'],
  ['avatars/ada.JPG', 'image', 'avatars/ada'],
  ['photos/cat.jpeg', 'image', 'photos/cat'],
  ['tickets/pdf/E1/ticket_T1.pdf', 'image', 'tickets/pdf/E1/ticket_T1'],
  ['clips/intro.mp4', 'video', 'clips/intro'],
  ['podcasts/ep1.mp3', 'video', 'podcasts/ep1'],
  ['docs/readme.txt', 'raw', 'docs/readme.txt'],
  ['data/report.json', 'raw', 'data/report.json'],
  ['README', 'raw', 'README'],
  ['config/.env', 'raw', 'config/.env'],
  ['archive.tar.gz', 'raw', 'archive.tar.gz'],
  ['v1.2/notes.png', 'image', 'v1.2/notes'],
  ['q?a=1&b=2.txt', 'raw', 'x--q_3Fa_3D1_26b_3D2.txt'],
  ['100% <sure> #1 + more.txt', 'raw', 'x--100_25_20_3Csure_3E_20_231_20_2B_20more.txt'],
  ['releases/v2/app.zip', 'raw', 'releases/x--v2/app.zip'],
  ['~7E literal.txt', 'raw', 'x--_7E7E_20literal.txt'],
  [' padded .txt', 'raw', 'x--_20padded_20.txt'],
  ['http:/x.txt', 'raw', 'x--http_3A/x.txt'],
  ['Zoë.png', 'image', 'x--Zo_C3_AB'],
  ['tools/setup.exe', 'raw', 'tools/x--setup_2Eexe'],
  ['blob.BIN', 'raw', 'x--blob_2EBIN'],
  ['_private/a~b.txt', 'raw', 'x--_5Fprivate/x--a_7Eb.txt'],
  ['x--y.txt', 'raw', 'x--x_2D_2Dy.txt'],
];

describe('key -> asset mapping', () => {
  it.each(TABLE)('%s -> %s %s', (key, kind, publicId) => {
    const mapping = keys.map(key);
    const location = kind === 'raw' ? mapping.raw : mapping.media;
    expect(location).toMatchObject({ resourceType: kind, publicId });
    // Media keys keep a raw location too: content Cloudinary refuses as media goes there.
    if (kind !== 'raw') expect(mapping.raw.resourceType).toBe('raw');
  });

  it('reads assets back to their keys', () => {
    for (const [key, kind, publicId] of TABLE) {
      const extension = kind === 'raw' ? undefined : key.slice(key.lastIndexOf('.') + 1);
      expect(
        keys.keyOf({ public_id: publicId, resource_type: kind, recordedExtension: extension }),
      ).toBe(key);
    }
  });

  it('reads assets other tools uploaded (no recorded extension: the format decides)', () => {
    const legacy = { public_id: 'tickets/qr_codes/E1/ticket_T1', resource_type: 'image' };
    expect(keys.keyOf({ ...legacy, format: 'png' })).toBe('tickets/qr_codes/E1/ticket_T1.png');
    expect(keys.keyOf({ ...legacy, format: 'pdf' })).toBe('tickets/qr_codes/E1/ticket_T1.pdf');
    expect(keys.keyOf({ ...legacy, format: undefined })).toBeUndefined();
    // Cloudinary formats that are not image extensions of ours cannot be named by a key.
    expect(keys.keyOf({ ...legacy, format: 'psd' })).toBeUndefined();
  });

  it('tells a/x.png and a/x.jpg apart by the recorded extension', () => {
    expect(keys.map('a/x.png').media?.publicId).toBe(keys.map('a/x.jpg').media?.publicId);
    const asset = { public_id: 'a/x', resource_type: 'image', format: 'jpg' };
    expect(keys.keyOf({ ...asset, recordedExtension: 'png' })).toBe('a/x.png');
    expect(keys.keyOf(asset)).toBe('a/x.jpg');
  });

  it('ignores public ids that no key encodes to', () => {
    expect(keys.keyOf({ public_id: 'x--a_3Fb', resource_type: 'raw' })).toBe('a?b');
    // Not valid UTF-8 once decoded; a plain segment escaped anyway; an old `~HH` escape.
    expect(keys.keyOf({ public_id: 'x--a_C3', resource_type: 'raw' })).toBeUndefined();
    expect(keys.keyOf({ public_id: 'x--abc', resource_type: 'raw' })).toBeUndefined();
    expect(keys.keyOf({ public_id: 'a~3Fb', resource_type: 'raw' })).toBeUndefined();
    expect(keys.keyOf({ public_id: 'a//b', resource_type: 'raw' })).toBeUndefined();
    expect(keys.keyOf({ public_id: 'x', resource_type: 'folder' })).toBeUndefined();
  });

  it('shortens public ids over 255 characters and keeps them deterministic', () => {
    const long = `${'k'.repeat(99)}/`.repeat(9) + 'z'.repeat(100);
    const first = keys.map(long).raw;
    expect(first.hashed).toBe(true);
    expect(first.publicId).toHaveLength(255);
    expect(first.publicId).toMatch(/^k{99}\/k{99}\/k{14}-[0-9a-f]{40}$/);
    expect(keys.map(long).raw.publicId).toBe(first.publicId);
    expect(keys.map(`${long}2`).raw.publicId).not.toBe(first.publicId);
    // Listed back through the key recorded in the tags.
    expect(keys.keyOf({ public_id: first.publicId, resource_type: 'raw', recordedKey: long })).toBe(
      long,
    );
    expect(
      keys.keyOf({ public_id: first.publicId, resource_type: 'raw', recordedKey: 'forged' }),
    ).toBeUndefined();
    // Prefixes still select it: short ones exactly, long ones cut to the readable head.
    for (const prefix of [long.slice(0, 150), long.slice(0, 600)]) {
      const server = keys.serverPrefix(prefix, 'raw');
      expect(first.publicId.startsWith(server.publicIdPrefix)).toBe(true);
      // A partial last segment may be escaped or not: the listing is filtered by key.
      expect(server.exact).toBe(false);
    }
  });

  it('refuses what Cloudinary refuses when escaping is off, naming it', () => {
    const strict = new AssetKeys(false);
    expect(() => strict.map('a?b.txt')).toThrow(/cannot contain the character "\?"/);
    expect(() => strict.map('50%.txt')).toThrow(/cannot contain the character "%"/);
    expect(() => strict.map('a+b.png')).toThrow(/cannot contain the character "\+"/);
    expect(() => strict.map('v2/x.txt')).toThrow(/folder named like a version/);
    expect(() => strict.map('x.txt ')).toThrow(/cannot contain the character " "/);
    expect(() => strict.map('a.exe')).toThrow(/extension \.exe, which Cloudinary refuses/);
    try {
      strict.map('a#b.txt');
    } catch (error) {
      expect(error).toMatchObject({ code: 'INVALID_KEY', key: 'a#b.txt' });
    }
    expect(() => strict.map('~41.txt')).toThrow(/cannot contain the character "~"/);
    expect(strict.map('a_b-c.d/e.txt').raw.publicId).toBe('a_b-c.d/e.txt');
  });

  it('knows image and video extensions in any case', () => {
    expect(mediaKindOf('a/B.PNG')).toEqual({ kind: 'image', extension: 'PNG' });
    expect(mediaKindOf('a.webm')).toEqual({ kind: 'video', extension: 'webm' });
    expect(mediaKindOf('a/.png')).toBeUndefined();
    expect(mediaKindOf('a.png/b')).toBeUndefined();
    expect(mediaKindOf('a.')).toBeUndefined();
  });
});

/** Valid keys made of characters that stress the encoding. */
const keyArbitrary = fc
  .array(
    fc.constantFrom(
      'a',
      'Z',
      '0',
      '7',
      'E',
      'F',
      'v',
      '1',
      '~',
      '?',
      '&',
      '#',
      '%',
      '<',
      '>',
      '+',
      ' ',
      '\u3000',
      '/',
      '.',
      'é',
      '😀',
      'h',
      't',
      'p',
      's',
      ':',
    ),
    { minLength: 1, maxLength: 24 },
  )
  .map((chars) => chars.join(''))
  .filter((key) => keyProblem(key) === undefined);

describe('encoding properties', () => {
  it('every key reads back from its public ids', () => {
    const mapper = new AssetKeys(true);
    fc.assert(
      fc.property(keyArbitrary, (key) => {
        const mapping = mapper.map(key);
        expect(mapper.keyOf({ public_id: mapping.raw.publicId, resource_type: 'raw' })).toBe(key);
        if (mapping.media) {
          const media = {
            public_id: mapping.media.publicId,
            resource_type: mapping.media.resourceType,
            recordedExtension: mapping.media.extension,
          };
          expect(mapper.keyOf(media)).toBe(key);
        }
        // Only characters every account keeps (ts_permitted_naming_conventions).
        expect(mapping.raw.publicId).toMatch(/^[A-Za-z0-9._/-]+$/);
      }),
      { numRuns: 2000 },
    );
  });

  it('a key prefix lists every key under it', () => {
    fc.assert(
      fc.property(keyArbitrary, fc.nat(), (key, at) => {
        const prefix = key.slice(0, at % (key.length + 1));
        const mapping = keys.map(key);
        expect(
          mapping.raw.publicId.startsWith(keys.serverPrefix(prefix, 'raw').publicIdPrefix),
        ).toBe(true);
        if (mapping.media) {
          const server = keys.serverPrefix(prefix, mapping.media.resourceType);
          expect(mapping.media.publicId.startsWith(server.publicIdPrefix)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('decodes what it encodes, and nothing else', () => {
    expect(decodeIdPart('x--_E6_96_87_20x')).toBe('文 x');
    expect(decodeIdPart('a/x--_7E_7E.txt')).toBe('a/~~.txt');
    expect(decodeIdPart('x--_ZZ_4')).toBe('x--_ZZ_4');
  });
});
