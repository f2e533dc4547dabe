import type { Visibility } from '@stowage/core';

/**
 * Where the driver records the visibility it set: S3 does not report an object's ACL with
 * HeadObject, and a GetObjectAcl per head would double the requests. The leading "-" makes it a
 * name no user metadata can have (user names start with a letter or digit).
 */
export const VISIBILITY_META = '-stowage-visibility';

// RFC 2047 "encoded words", the form S3 itself uses for non-ASCII metadata.
const ENCODED_WORD = /^=\?([^?]+)\?([bBqQ])\?([^?]*)\?=$/;
const PLAIN_HEADER_VALUE = /^[\x20-\x7e]*$/;

/**
 * User metadata as S3 headers. Values that a header cannot carry intact (non-ASCII, leading or
 * trailing spaces, empty, or already looking like an encoded word) become `=?UTF-8?B?...?=`.
 * Names with "_" are escaped because Ceph RGW turns "_" into "-": `snake_case` -> `-snake-ucase`.
 */
export function encodeMetadata(
  metadata: Record<string, string>,
  visibility: Visibility | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata)) out[encodeName(name)] = encodeValue(value);
  if (visibility !== undefined) out[VISIBILITY_META] = visibility;
  return out;
}

/** The reverse of {@link encodeMetadata}, for metadata S3 returns (names lowercased by the SDK). */
export function decodeMetadata(raw: Record<string, string> | undefined): {
  metadata: Record<string, string>;
  visibility: Visibility | undefined;
} {
  const metadata: Record<string, string> = {};
  let visibility: Visibility | undefined;
  for (const [name, value] of Object.entries(raw ?? {})) {
    if (name === VISIBILITY_META) {
      if (value === 'public' || value === 'private') visibility = value;
      continue;
    }
    metadata[decodeName(name)] = decodeValue(value);
  }
  return { metadata, visibility };
}

function encodeName(name: string): string {
  if (!name.includes('_')) return name;
  return `-${name.replace(/-/g, '-h').replace(/_/g, '-u')}`;
}

function decodeName(name: string): string {
  // Only names our encoder produced: "-" followed by escapes "-h" / "-u" and no other "-".
  if (!/^-[a-z0-9]+(?:-[hu][a-z0-9]*)*$/.test(name)) return name;
  return name.slice(1).replace(/-([hu])/g, (_, c: string) => (c === 'h' ? '-' : '_'));
}

function encodeValue(value: string): string {
  const plain =
    value !== '' &&
    PLAIN_HEADER_VALUE.test(value) &&
    value.trim() === value &&
    !ENCODED_WORD.test(value);
  return plain ? value : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

function decodeValue(value: string): string {
  const match = ENCODED_WORD.exec(value);
  if (!match || !/^utf-?8$/i.test(match[1]!)) return value;
  const text = match[3]!;
  if (match[2]!.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
  // Q encoding: "_" is a space, "=XX" a byte.
  const bytes = text
    .replace(/_/g, ' ')
    .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
