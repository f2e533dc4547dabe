import type { OutputFormat } from './geometry.js';

/** The format a variant is written in: one asked for, or the original's (`original`). */
export type VariantFormat = OutputFormat | 'original';

/**
 * The types an Accept header names explicitly with a quality above 0. Wildcards do not count:
 * `*\/*` and `image/*` are sent by browsers that cannot decode AVIF or WebP too.
 */
function acceptedTypes(accept: string | null): Set<string> {
  const types = new Set<string>();
  if (!accept) return types;
  for (const item of accept.split(',')) {
    const [type, ...params] = item.split(';').map((part) => part.trim().toLowerCase());
    if (!type || type.includes('*')) continue;
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
    types.add(type);
  }
  return types;
}

/**
 * `f_auto` as Cloudinary serves it: AVIF when the client says it takes AVIF, else WebP, else the
 * original's format. A fixed format is kept as it is.
 */
export function chooseFormat(
  format: OutputFormat | 'auto' | undefined,
  accept: string | null,
): VariantFormat {
  if (format === undefined) return 'original';
  if (format !== 'auto') return format;
  const types = acceptedTypes(accept);
  if (types.has('image/avif')) return 'avif';
  if (types.has('image/webp')) return 'webp';
  return 'original';
}
