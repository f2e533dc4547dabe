import type { FileTypeResult } from 'file-type';

/** Bytes read before the type is decided: what file-type needs for every format it knows. */
export const SNIFF_BYTES = 4100;

type FileTypeModule = typeof import('file-type');
let fileType: Promise<FileTypeModule> | undefined;

/**
 * The type of a file from its first bytes, or undefined when file-type does not recognise it
 * (plain text, CSV, ... have no magic number). file-type is ESM-only: imported on first use so
 * that the CommonJS build of this package loads.
 */
export async function sniffType(head: Uint8Array): Promise<FileTypeResult | undefined> {
  fileType ??= import('file-type');
  const { fileTypeFromBuffer } = await fileType;
  return fileTypeFromBuffer(head.subarray(0, SNIFF_BYTES));
}

/**
 * True when `mimeType` (or `extension`) matches one of the patterns: exact types
 * (`image/png`), families (`image/*`), `*` or `*\/*`, or extensions (`.png`).
 */
export function isAccepted(
  patterns: readonly string[],
  mimeType: string,
  extension: string,
): boolean {
  const type = mimeType.toLowerCase();
  return patterns.some((raw) => {
    const pattern = raw.trim().toLowerCase();
    if (pattern === '*' || pattern === '*/*') return true;
    if (pattern.startsWith('.'))
      return extension !== '' && pattern === `.${extension.toLowerCase()}`;
    if (pattern.endsWith('/*')) return type.startsWith(pattern.slice(0, -1));
    return type === pattern;
  });
}
