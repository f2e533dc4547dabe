import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ImageTransform } from '@stowage/core';
import type { StoredAsset } from './types.js';

/**
 * Delivery transformations, applied with @stowage/images (sharp) when it is installed, so that the
 * emulator gives the same sizes as Cloudinary and as imageTransforms() on the other drivers. The
 * module is optional: without it the original is served, as before, with X-Emulator-Transformation.
 */
type ImagesModule = typeof import('@stowage/images');

let loaded: Promise<ImagesModule | undefined> | undefined;
function loadImages(): Promise<ImagesModule | undefined> {
  loaded ??= import('@stowage/images').catch(() => undefined);
  return loaded;
}

const CROPS = new Set(['fill', 'fit', 'limit', 'scale', 'thumb', 'crop', 'pad']);

/**
 * The ImageTransform that URL components such as `c_fill,h_200,w_200` and `f_webp` spell, or
 * undefined when one of them is beyond that vocabulary (r_max, fl_attachment, e_..., chains).
 */
export function parseDeliveryTransform(components: string[]): ImageTransform | undefined {
  if (components.length === 0) return undefined;
  const t: ImageTransform = {};
  const seen = new Set<string>();
  for (const part of components.flatMap((c) => c.split(','))) {
    const match = /^([a-z]+)_(.+)$/.exec(part);
    if (!match || seen.has(match[1]!)) return undefined;
    const [, name, value] = match as unknown as [string, string, string];
    seen.add(name);
    const number = /^\d+$/.test(value) ? Number(value) : undefined;
    if (name === 'w' && number) t.width = number;
    else if (name === 'h' && number) t.height = number;
    else if (name === 'c' && CROPS.has(value)) t.crop = value as ImageTransform['crop'];
    else if (name === 'g') t.gravity = value;
    else if (name === 'q') t.quality = value === 'auto' ? 'auto' : number;
    else if (name === 'f') t.format = value === 'jpeg' ? 'jpg' : value;
    else return undefined;
  }
  return t;
}

/**
 * Sends the transformed image and returns true, or returns false (nothing sent) when the
 * transformation is not one this emulator applies. `headers` (X-Emulator-Transformation naming
 * the URL's transformation) are sent either way; `fallback` serves the original when
 * @stowage/images is not installed.
 */
export function sendTransformed(
  req: IncomingMessage,
  res: ServerResponse,
  asset: StoredAsset,
  components: string[],
  headers: Record<string, string>,
  fallback: () => void,
): boolean {
  const transform = asset.resourceType === 'image' ? parseDeliveryTransform(components) : undefined;
  if (!transform) return false;
  void (async () => {
    const images = await loadImages();
    if (!images) return fallback();
    try {
      const normalized = images.normalizeTransform(transform);
      const format = images.chooseFormat(normalized.format, req.headers.accept ?? null);
      const out = await images.transformImage(asset.data, normalized, format);
      res.writeHead(200, {
        ...headers,
        'Content-Type': out.contentType,
        'Content-Length': String(out.data.length),
        Vary: 'Accept',
      });
      res.end(req.method === 'HEAD' ? undefined : out.data);
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'Invalid transformation';
      res.writeHead(400, { 'Content-Type': 'text/plain', 'X-Cld-Error': encodeURI(reason) });
      res.end(`${reason}\n`);
    }
  })();
  return true;
}
