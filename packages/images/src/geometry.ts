import { type ImageTransform, StorageError } from '@stowage/core';

/**
 * Cloudinary's vocabulary for one resize, checked, and the pure geometry of each crop mode. No
 * sharp here: the Cloudinary emulator and the tests use the same function to know the output size.
 *
 * Crop modes, as Cloudinary documents them
 * (https://cloudinary.com/documentation/image_resize_modes, .../image_crop_modes,
 * .../image_padding_modes, and the table in .../resizing_and_cropping):
 * - scale (the default): exactly the given size, aspect ratio not kept; with one side only, the
 *   other follows the aspect ratio. Enlarges.
 * - fit: the largest size that fits inside the box, aspect ratio kept. Enlarges.
 * - limit: as fit, but only ever shrinks ("never enlarges").
 * - fill: exactly the box, aspect ratio kept: scaled up or down to cover it, then the overflow is
 *   cut off around the gravity (center by default).
 * - thumb: "a thumbnail of the image with the specified dimensions, based on a specified gravity";
 *   computed here as fill without enlarging (an image smaller than the box is cut, not scaled up,
 *   as lfill does), since face detection, thumb's reason to exist, is not offered.
 * - crop: "extracts a region of the specified dimensions from the original image without first
 *   resizing it", placed by the gravity; a side larger than the image is the image's side.
 * - pad: fit inside the box, then padded to exactly the box (white), image placed by the gravity.
 * With only one side given, fill, fit and pad behave as scale, and thumb as limit.
 */

export const CROP_MODES = ['fill', 'fit', 'limit', 'scale', 'thumb', 'crop', 'pad'] as const;
export type CropMode = (typeof CROP_MODES)[number];

/** Cloudinary's compass points, plus `auto` (content-aware: sharp's attention strategy). */
export const GRAVITIES = [
  'auto',
  'center',
  'north',
  'north_east',
  'east',
  'south_east',
  'south',
  'south_west',
  'west',
  'north_west',
] as const;
export type Gravity = (typeof GRAVITIES)[number];

export const OUTPUT_FORMATS = ['png', 'jpg', 'webp', 'avif'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The largest side sharp can write as WebP (and the largest accepted anywhere). */
export const MAX_SIDE = 16_383;

/** A transform whose every field is checked; `crop` is always set. */
export interface NormalizedTransform {
  width?: number;
  height?: number;
  crop: CropMode;
  gravity?: Gravity;
  quality?: number | 'auto';
  format?: OutputFormat | 'auto';
}

export interface Size {
  width: number;
  height: number;
}

/** What sharp is asked to do: resize to exact sides, cover or contain a box, or cut a region. */
export type ResizeStep =
  | { kind: 'none' }
  | { kind: 'resize'; width: number; height: number }
  | { kind: 'cover'; width: number; height: number; gravity: Gravity }
  | { kind: 'contain'; width: number; height: number; gravity: Gravity }
  | { kind: 'extract'; left: number; top: number; width: number; height: number };

export interface TransformPlan {
  step: ResizeStep;
  /** The size of the delivered image. */
  output: Size;
}

function invalid(message: string): StorageError {
  return new StorageError('INVALID_INPUT', `Invalid image transform: ${message}.`);
}

function side(name: 'width' | 'height', value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_SIDE) {
    throw invalid(
      `${name} must be a whole number of pixels from 1 to ${MAX_SIDE}, got ${String(value)}`,
    );
  }
  return value;
}

/** Checks a transform as a user wrote it; INVALID_INPUT names the field that is wrong. */
export function normalizeTransform(transform: ImageTransform): NormalizedTransform {
  if (typeof transform !== 'object' || transform === null) throw invalid('expected an object');
  const known = new Set(['width', 'height', 'crop', 'gravity', 'quality', 'format']);
  for (const name of Object.keys(transform)) {
    if (!known.has(name)) throw invalid(`unknown field ${JSON.stringify(name)}`);
  }
  const crop = transform.crop ?? 'scale';
  if (!(CROP_MODES as readonly string[]).includes(crop)) {
    throw invalid(`crop must be one of ${CROP_MODES.join(', ')}, got ${String(crop)}`);
  }
  const normalized: NormalizedTransform = { crop };
  const width = side('width', transform.width);
  const height = side('height', transform.height);
  if (width !== undefined) normalized.width = width;
  if (height !== undefined) normalized.height = height;
  if (transform.gravity !== undefined) {
    if (!(GRAVITIES as readonly string[]).includes(transform.gravity)) {
      throw invalid(
        `gravity must be one of ${GRAVITIES.join(', ')}, got ${String(transform.gravity)}`,
      );
    }
    normalized.gravity = transform.gravity as Gravity;
  }
  const { quality } = transform;
  if (quality !== undefined) {
    if (quality !== 'auto' && !(Number.isInteger(quality) && quality >= 1 && quality <= 100)) {
      throw invalid(
        `quality must be a whole number from 1 to 100 or 'auto', got ${String(quality)}`,
      );
    }
    normalized.quality = quality;
  }
  if (transform.format !== undefined) {
    const format = transform.format === 'jpeg' ? 'jpg' : transform.format;
    if (format !== 'auto' && !(OUTPUT_FORMATS as readonly string[]).includes(format)) {
      throw invalid(
        `format must be one of ${OUTPUT_FORMATS.join(', ')} or 'auto', got ${String(format)}`,
      );
    }
    normalized.format = format as OutputFormat | 'auto';
  }
  return normalized;
}

const round = (value: number): number => Math.max(1, Math.round(value));

/** One side given: the other follows the source's aspect ratio (`shrinkOnly`: never above 1x). */
function scaleBySide(source: Size, t: NormalizedTransform, shrinkOnly: boolean): TransformPlan {
  let factor = 1;
  if (t.width !== undefined) factor = t.width / source.width;
  else if (t.height !== undefined) factor = t.height / source.height;
  if (shrinkOnly) factor = Math.min(factor, 1);
  return resized(source, factor);
}

function resized(source: Size, factor: number): TransformPlan {
  const output = { width: round(source.width * factor), height: round(source.height * factor) };
  if (output.width === source.width && output.height === source.height) {
    return { step: { kind: 'none' }, output };
  }
  return { step: { kind: 'resize', ...output }, output };
}

/** Where a region of `size` sits inside `outer` for a gravity (auto: the center). */
export function placeByGravity(
  outer: Size,
  size: Size,
  gravity: Gravity,
): { left: number; top: number } {
  const spareX = outer.width - size.width;
  const spareY = outer.height - size.height;
  const left = gravity.endsWith('west')
    ? 0
    : gravity.endsWith('east')
      ? spareX
      : Math.floor(spareX / 2);
  const top = gravity.startsWith('north')
    ? 0
    : gravity.startsWith('south')
      ? spareY
      : Math.floor(spareY / 2);
  return { left, top };
}

function extract(source: Size, width: number, height: number, gravity: Gravity): TransformPlan {
  const output = { width: Math.min(width, source.width), height: Math.min(height, source.height) };
  if (output.width === source.width && output.height === source.height) {
    return { step: { kind: 'none' }, output };
  }
  const { left, top } = placeByGravity(source, output, gravity);
  return { step: { kind: 'extract', left, top, ...output }, output };
}

/**
 * The geometry of a transform on an image of `source` size (after EXIF orientation): what to do
 * and the size that comes out. Pure, so that every driver (and the emulator) agrees on sizes.
 */
export function planTransform(source: Size, t: NormalizedTransform): TransformPlan {
  const gravity = t.gravity ?? 'center';
  const { width: w, height: h } = t;
  if (t.crop === 'crop') return extract(source, w ?? source.width, h ?? source.height, gravity);
  if (w === undefined || h === undefined) {
    if (w === undefined && h === undefined)
      return { step: { kind: 'none' }, output: { ...source } };
    return scaleBySide(source, t, t.crop === 'limit' || t.crop === 'thumb');
  }
  const cover = Math.max(w / source.width, h / source.height);
  const contain = Math.min(w / source.width, h / source.height);
  switch (t.crop) {
    case 'scale':
      return w === source.width && h === source.height
        ? { step: { kind: 'none' }, output: { ...source } }
        : { step: { kind: 'resize', width: w, height: h }, output: { width: w, height: h } };
    case 'fit':
      return resized(source, contain);
    case 'limit':
      return resized(source, Math.min(contain, 1));
    case 'fill':
      return {
        step: { kind: 'cover', width: w, height: h, gravity },
        output: { width: w, height: h },
      };
    case 'thumb':
      return cover < 1
        ? { step: { kind: 'cover', width: w, height: h, gravity }, output: { width: w, height: h } }
        : extract(source, w, h, gravity);
    case 'pad':
      return {
        step: { kind: 'contain', width: w, height: h, gravity },
        output: { width: w, height: h },
      };
  }
  throw invalid(`unknown crop mode ${String(t.crop)}`);
}
