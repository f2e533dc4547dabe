import { describe, expect, it } from 'vitest';
import { contentTypeProblem, readableContentType } from '../src/content-type.js';
import { isActiveContent } from '../src/http/active-content.js';
import {
  extractMediaType,
  parseMediaType,
  serializeMediaType,
  splitHeaderValues,
} from '../src/media-type.js';

const extracted = (value: string) => {
  const type = extractMediaType(value);
  return type === undefined ? undefined : serializeMediaType(type);
};

describe('extract a MIME type (WHATWG Fetch), as browsers read Content-Type', () => {
  it.each([
    // The examples of the Fetch standard.
    ['text/plain;charset=gbk, text/html', 'text/html'],
    ['text/html;charset=gbk;a=b, text/html;x=y', 'text/html;x=y;charset=gbk'],
    ['text/html;charset=gbk, x/x, text/html;x=y', 'text/html;x=y'],
    ['text/html, cannot-parse', 'text/html'],
    ['text/html, */*', 'text/html'],
    ['text/html, ', 'text/html'],
    // The attacks: the last valid type wins.
    ['image/png, text/html', 'text/html'],
    ['video/mp4, text/html', 'text/html'],
    ['font/woff2, text/html', 'text/html'],
    ['image/png,text/html;charset=utf-8', 'text/html;charset=utf-8'],
    // A comma inside a quoted parameter is no list.
    ['image/png;x=",text/html"', 'image/png;x=",text/html"'],
    ['Text/HTML ; Charset="utf-8"', 'text/html;charset=utf-8'],
    ['image/png;charset', 'image/png'],
    ['nonsense', undefined],
    ['text/ html', undefined],
    ['', undefined],
  ])('%j -> %j', (value, expected) => {
    expect(extracted(value)).toBe(expected);
  });

  it('splits header values outside quoted strings only', () => {
    expect(splitHeaderValues('a/b, c/d;x="1,2" ,e/f')).toEqual(['a/b', 'c/d;x="1,2"', 'e/f']);
    expect(splitHeaderValues('a/b;x="un\\"closed, c/d')).toEqual(['a/b;x="un\\"closed, c/d']);
  });

  it('parses one type with its parameters', () => {
    const type = parseMediaType(' text/plain ; charset=UTF-8; charset=latin1; q ');
    expect(type?.type).toBe('text');
    expect(type?.subtype).toBe('plain');
    expect([...(type?.parameters ?? [])]).toEqual([['charset', 'UTF-8']]);
  });
});

describe('content types entering and leaving a storage', () => {
  it('accepts exactly one valid type, and refuses lists and junk', () => {
    expect(contentTypeProblem('image/png')).toBeUndefined();
    expect(contentTypeProblem('text/plain; charset=utf-8')).toBeUndefined();
    expect(contentTypeProblem('image/png;x=",text/html"')).toBeUndefined();
    expect(contentTypeProblem('image/png, text/html')).toMatch(/not a list/);
    expect(contentTypeProblem('image/png, ')).toMatch(/not a list/);
    expect(contentTypeProblem('png')).toMatch(/media type/);
  });

  it('reads a stored list as the one type browsers would use', () => {
    expect(readableContentType('text/plain; charset=utf-8')).toBe('text/plain; charset=utf-8');
    expect(readableContentType('image/png, text/html')).toBe('text/html');
    expect(readableContentType('junk')).toBe('application/octet-stream');
    expect(readableContentType(undefined)).toBe('application/octet-stream');
  });

  it.each([
    ['image/png', false],
    ['font/woff2', false],
    ['text/plain; charset=utf-8', false],
    ['image/png, text/html', true],
    ['video/mp4, text/html', true],
    ['image/png, image/png', true],
    ['image/svg+xml', true],
    ['text/html', true],
    ['application/xhtml+xml', true],
    ['image/png<x>', true],
    ['', true],
  ])('%j is active: %s', (type, active) => {
    expect(isActiveContent(type)).toBe(active);
  });
});
