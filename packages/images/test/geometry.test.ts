import { isStorageError } from '@stowage/core';
import {
  type NormalizedTransform,
  normalizeTransform,
  parseTransformSegment,
  planTransform,
  transformSegment,
} from '@stowage/images';
import { describe, expect, it } from 'vitest';

const size = (w: number, h: number, t: Partial<NormalizedTransform>) =>
  planTransform({ width: w, height: h }, normalizeTransform(t)).output;

describe('crop modes give the sizes Cloudinary documents', () => {
  it('fit: 1200x800 into 200x200 is 200x133; it also enlarges', () => {
    expect(size(1200, 800, { width: 200, height: 200, crop: 'fit' })).toEqual({
      width: 200,
      height: 133,
    });
    expect(size(100, 50, { width: 400, height: 400, crop: 'fit' })).toEqual({
      width: 400,
      height: 200,
    });
  });

  it('limit never enlarges', () => {
    expect(size(1200, 800, { width: 200, height: 200, crop: 'limit' })).toEqual({
      width: 200,
      height: 133,
    });
    expect(size(100, 50, { width: 400, height: 400, crop: 'limit' })).toEqual({
      width: 100,
      height: 50,
    });
    expect(size(100, 50, { width: 400, crop: 'limit' })).toEqual({ width: 100, height: 50 });
  });

  it('scale is the default; exact sides distort, one side keeps the aspect ratio', () => {
    expect(size(1200, 800, { width: 300, height: 100 })).toEqual({ width: 300, height: 100 });
    expect(size(1200, 800, { width: 300 })).toEqual({ width: 300, height: 200 });
    expect(size(1200, 800, { height: 100 })).toEqual({ width: 150, height: 100 });
    expect(size(1200, 800, {})).toEqual({ width: 1200, height: 800 });
  });

  it('fill and pad give exactly the box, enlarging if needed', () => {
    expect(size(1200, 800, { width: 200, height: 200, crop: 'fill' })).toEqual({
      width: 200,
      height: 200,
    });
    expect(size(100, 50, { width: 400, height: 300, crop: 'fill' })).toEqual({
      width: 400,
      height: 300,
    });
    expect(size(1200, 800, { width: 200, height: 200, crop: 'pad' })).toEqual({
      width: 200,
      height: 200,
    });
  });

  it('thumb fills the box, but an image smaller than it is cut, not enlarged', () => {
    expect(size(1200, 800, { width: 200, height: 200, crop: 'thumb' })).toEqual({
      width: 200,
      height: 200,
    });
    expect(size(400, 200, { width: 800, height: 100, crop: 'thumb' })).toEqual({
      width: 400,
      height: 100,
    });
  });

  it('crop cuts a region without scaling, never past the image', () => {
    const plan = planTransform(
      { width: 1200, height: 800 },
      normalizeTransform({ width: 200, height: 100, crop: 'crop', gravity: 'south_east' }),
    );
    expect(plan.step).toEqual({ kind: 'extract', left: 1000, top: 700, width: 200, height: 100 });
    expect(size(100, 50, { width: 400, height: 30, crop: 'crop' })).toEqual({
      width: 100,
      height: 30,
    });
  });
});

describe('transform checks', () => {
  it.each([
    [{ width: 0 }, 'width'],
    [{ width: 2.5 }, 'width'],
    [{ height: 100_000 }, 'height'],
    [{ crop: 'stretch' }, 'crop'],
    [{ gravity: 'face' }, 'gravity'],
    [{ quality: 0 }, 'quality'],
    [{ format: 'bmp' }, 'format'],
    [{ angle: 90 }, 'angle'],
  ])('%j is INVALID_INPUT naming the field', (t, field) => {
    let caught: unknown;
    try {
      normalizeTransform(t as never);
    } catch (error) {
      caught = error;
    }
    expect(isStorageError(caught, 'INVALID_INPUT')).toBe(true);
    expect((caught as Error).message).toContain(field);
  });

  it('writes one canonical segment and reads back only that', () => {
    const t = normalizeTransform({
      width: 200,
      height: 200,
      crop: 'fill',
      format: 'auto',
      quality: 'auto',
    });
    const segment = transformSegment(t);
    expect(segment).toBe('c_fill,f_auto,h_200,q_auto,w_200');
    expect(parseTransformSegment(segment)).toEqual(t);
    expect(parseTransformSegment('w_200,c_fill,h_200,f_auto,q_auto')).toBeUndefined();
    expect(parseTransformSegment('c_fill,w_0200')).toBeUndefined();
  });
});
