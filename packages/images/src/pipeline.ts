import { StorageError } from '@stowage/core';
import sharp, { type Metadata } from 'sharp';
import { type Gravity, type NormalizedTransform, planTransform, type Size } from './geometry.js';
import type { VariantFormat } from './negotiate.js';

/** Limits against hostile or absurd images. */
export interface ImageLimits {
  /** Largest source, in pixels (width x height), decoded at all: a decompression-bomb guard. */
  maxInputPixels: number;
  /** Largest image written, in pixels. */
  maxOutputPixels: number;
}

export const DEFAULT_LIMITS: ImageLimits = {
  maxInputPixels: 50_000_000,
  maxOutputPixels: 16_777_216,
};

export interface TransformedImage {
  data: Buffer;
  contentType: string;
  width: number;
  height: number;
}

/** Source formats read (sharp's names). SVG and PDF are refused: they are documents, not pictures. */
const READABLE = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif']);

const CONTENT_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
  tiff: 'image/tiff',
};

type SharpPosition = string | number;
const POSITIONS: Record<Exclude<Gravity, 'auto'>, SharpPosition> = {
  center: 'centre',
  north: 'north',
  north_east: 'northeast',
  east: 'east',
  south_east: 'southeast',
  south: 'south',
  south_west: 'southwest',
  west: 'west',
  north_west: 'northwest',
};

function position(gravity: Gravity, contentAware: boolean): SharpPosition {
  if (gravity === 'auto') return contentAware ? sharp.strategy.attention : 'centre';
  return POSITIONS[gravity];
}

function notAnImage(detail: string): StorageError {
  return new StorageError(
    'UNSUPPORTED',
    `The object is not an image that can be transformed: ${detail}.`,
  );
}

/** The format written when the transform keeps the original's: sharp's name -> ours. */
function originalFormat(format: string): string {
  if (format === 'jpeg') return 'jpg';
  if (format === 'heif') return 'avif';
  return format;
}

/**
 * Applies a transform with sharp: EXIF orientation first, the crop mode's geometry, then the
 * format and quality; metadata (EXIF, GPS, XMP) is never copied to the output. Throws UNSUPPORTED
 * for data that is not a readable image and TOO_LARGE past the limits.
 */
export async function transformImage(
  input: Uint8Array,
  t: NormalizedTransform,
  format: VariantFormat,
  limits: ImageLimits = DEFAULT_LIMITS,
): Promise<TransformedImage> {
  let meta: Metadata;
  try {
    // The header only, so the size can be told apart from a broken file (the limit would refuse both).
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch {
    throw notAnImage('its bytes are not a known image format');
  }
  if (!meta.format || !READABLE.has(meta.format))
    throw notAnImage(`${meta.format ?? 'unknown'} is not read`);
  // HEIF with HEVC cannot be decoded by sharp's prebuilt libvips; AVIF (AV1) can.
  if (meta.format === 'heif' && meta.compression !== 'av1') throw notAnImage('HEIC is not read');
  if (!meta.width || !meta.height) throw notAnImage('it has no size');
  if (meta.width * meta.height > limits.maxInputPixels) {
    throw new StorageError(
      'TOO_LARGE',
      `The image is ${meta.width}x${meta.height}, over the limit of ${limits.maxInputPixels} pixels.`,
    );
  }
  const source: Size = meta.autoOrient ?? { width: meta.width, height: meta.height };
  const plan = planTransform(source, t);
  if (plan.output.width * plan.output.height > limits.maxOutputPixels) {
    throw new StorageError(
      'TOO_LARGE',
      `The transform would make a ${plan.output.width}x${plan.output.height} image, over the limit of ${limits.maxOutputPixels} pixels.`,
    );
  }

  let pipeline = sharp(input, {
    limitInputPixels: limits.maxInputPixels,
    failOn: 'error',
  }).autoOrient();
  const step = plan.step;
  const gravity = t.gravity ?? 'center';
  if (step.kind === 'resize') {
    pipeline = pipeline.resize(step.width, step.height, { fit: 'fill' });
  } else if (step.kind === 'cover') {
    pipeline = pipeline.resize(step.width, step.height, {
      fit: 'cover',
      position: position(gravity, true),
    });
  } else if (step.kind === 'contain') {
    pipeline = pipeline.resize(step.width, step.height, {
      fit: 'contain',
      position: position(gravity, false),
      background: '#ffffff',
    });
  } else if (step.kind === 'extract') {
    pipeline = pipeline.extract({
      left: step.left,
      top: step.top,
      width: step.width,
      height: step.height,
    });
  }

  const written = format === 'original' ? originalFormat(meta.format) : format;
  const quality = typeof t.quality === 'number' ? t.quality : undefined;
  if (written === 'jpg') pipeline = pipeline.flatten({ background: '#ffffff' }).jpeg({ quality });
  else if (written === 'png') pipeline = pipeline.png();
  else if (written === 'webp') pipeline = pipeline.webp({ quality });
  else if (written === 'avif') pipeline = pipeline.avif({ quality });
  else if (written === 'gif') pipeline = pipeline.gif();
  else pipeline = pipeline.tiff({ quality });

  try {
    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
    return {
      data,
      contentType: CONTENT_TYPES[written] ?? 'application/octet-stream',
      width: info.width,
      height: info.height,
    };
  } catch (error) {
    throw new StorageError(
      'UNSUPPORTED',
      'The image could not be decoded (damaged or truncated).',
      {
        cause: error,
      },
    );
  }
}
