import { createHash } from 'node:crypto';
import { keyProblem, StorageError } from '@stowage/core';

/** Cloudinary's kinds of asset. */
export type ResourceType = 'image' | 'video' | 'raw';
/** Cloudinary's delivery types; one per driver, from the `deliveryType` option. */
export type DeliveryType = 'upload' | 'private' | 'authenticated';

/**
 * Extensions stored as `image` assets (public id without the extension). PDF counts, as on
 * Cloudinary, so that PDFs uploaded by other Cloudinary tools (as images) stay readable.
 */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  'jpg',
  'jpeg',
  'jpe',
  'png',
  'gif',
  'webp',
  'avif',
  'bmp',
  'tif',
  'tiff',
  'ico',
  'svg',
  'heic',
  'heif',
  'pdf',
]);

/** Extensions stored as `video` assets; Cloudinary keeps audio as video too. */
export const VIDEO_EXTENSIONS: ReadonlySet<string> = new Set([
  'mp4',
  'm4v',
  'webm',
  'mov',
  'ogv',
  'avi',
  'mkv',
  'mp3',
  'wav',
  'ogg',
  'm4a',
  'flac',
  'aac',
]);

/** Cloudinary's longest public id, in characters. */
export const MAX_PUBLIC_ID_LENGTH = 255;
/** `~` + base64url SHA-256 (43 characters) ends a shortened public id. */
const HASH_SUFFIX_LENGTH = 44;
const HASHED_ID = /~[A-Za-z0-9_-]{43}$/;

/** One place an object may live: a resource type and a public id (delivery type is global). */
export interface AssetLocation {
  resourceType: ResourceType;
  publicId: string;
  /** A long key's shortened id: the key is kept in the context (`_key`) to list it back. */
  hashed?: boolean;
}

/** A media location also knows the key's extension, which Cloudinary keeps as `format`. */
export interface MediaLocation extends AssetLocation {
  resourceType: 'image' | 'video';
  /** The extension exactly as the key spells it (`JPG`, `jpeg`, `png`). */
  extension: string;
}

/** Where a key's content lives: its media location (image/video keys) and its raw location. */
export interface KeyMapping {
  key: string;
  /** For keys with an image or video extension. */
  media: MediaLocation | undefined;
  /** The public id that keeps the whole key. For media keys: where non-media content goes. */
  raw: AssetLocation;
}

/** What {@link AssetKeys.keyOf} needs of a Cloudinary resource. */
export interface AssetIdentity {
  public_id: string;
  resource_type: string;
  format?: string | undefined;
  /** The key's extension recorded at upload (context `_ext`), when Stowage wrote the asset. */
  recordedExtension?: string | undefined;
  /** The whole key recorded at upload (context `_key`), for shortened public ids. */
  recordedKey?: string | undefined;
}

/** A public id prefix to ask Cloudinary for, and whether it selects exactly the key prefix. */
export interface ServerPrefix {
  publicIdPrefix: string;
  /** False when Cloudinary's answer must be filtered by key (the prefix had to be shortened). */
  exact: boolean;
}

// Characters Cloudinary refuses in public ids.
const FORBIDDEN = /[?&#\\%<>+]/;
const ESCAPE_AHEAD = /^[0-9A-F]{2}/;
const ESCAPED = /~([0-9A-F]{2})/g;
const VERSION_LIKE = /^v\d+$/;
const URL_LIKE = /^https?:\//i;
const WHITESPACE = /\s/;

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** `~HH` for each UTF-8 byte of `char`. */
function escapeChar(char: string): string {
  let out = '';
  for (const byte of encoder.encode(char))
    out += `~${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** The media kind a key's extension selects, and the extension as spelt. */
export function mediaKindOf(
  key: string,
): { kind: 'image' | 'video'; extension: string } | undefined {
  const base = key.slice(key.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || dot === base.length - 1) return undefined;
  const extension = base.slice(dot + 1);
  const lower = extension.toLowerCase();
  if (IMAGE_EXTENSIONS.has(lower)) return { kind: 'image', extension };
  if (VIDEO_EXTENSIONS.has(lower)) return { kind: 'video', extension };
  return undefined;
}

/**
 * Maps object keys to Cloudinary assets and back. The mapping depends on the key alone:
 *
 * - a key with an image/video extension is the image/video asset named by the key without its
 *   extension (`a/x.png` -> image `a/x`), the way Cloudinary's own tools name them; its extension
 *   is recorded in the context (`_ext`) so that `a/x.png` and `a/x.jpg` can be told apart;
 * - any other key is the raw asset named by the whole key (`a/x.txt` -> raw `a/x.txt`);
 * - a media key whose content Cloudinary refuses as media (text under `x.png`) is stored raw under
 *   the whole key, and reads look there after the media location;
 * - `folder` prefixes every public id; characters Cloudinary refuses are escaped as `~HH` (UTF-8
 *   bytes), or refused with INVALID_KEY when escaping is off.
 */
export class AssetKeys {
  private readonly folderPrefix: string;

  constructor(
    folder: string | undefined,
    private readonly escapes: boolean,
  ) {
    this.folderPrefix = folder ? `${folder}/` : '';
  }

  /** Where `key` lives. INVALID_KEY when Cloudinary cannot name it. */
  map(key: string): KeyMapping {
    const kind = mediaKindOf(key);
    const raw: AssetLocation = { resourceType: 'raw', ...this.publicId(key, key) };
    if (!kind) return { key, media: undefined, raw };
    const stem = key.slice(0, key.length - kind.extension.length - 1);
    return {
      key,
      media: { resourceType: kind.kind, ...this.publicId(stem, key), extension: kind.extension },
      raw,
    };
  }

  /**
   * The key an asset stands for, or undefined when no key maps onto it (outside the folder, a
   * public id no key encodes to, a media asset without a usable extension).
   */
  keyOf(asset: AssetIdentity): string | undefined {
    if (!asset.public_id.startsWith(this.folderPrefix)) return undefined;
    const part = asset.public_id.slice(this.folderPrefix.length);
    const decoded = this.escapes ? decodeIdPart(part) : part;
    let key: string;
    if (
      asset.recordedKey &&
      asset.public_id.length === MAX_PUBLIC_ID_LENGTH &&
      HASHED_ID.test(part)
    ) {
      key = asset.recordedKey;
    } else if (asset.resource_type === 'raw') {
      key = decoded;
    } else if (asset.resource_type === 'image' || asset.resource_type === 'video') {
      const extension = asset.recordedExtension || asset.format;
      if (!extension) return undefined;
      key = `${decoded}.${extension}`;
      if (mediaKindOf(key)?.kind !== asset.resource_type) return undefined;
    } else {
      return undefined;
    }
    if (keyProblem(key) !== undefined) return undefined;
    // Only ids that a key encodes to exactly: otherwise reading the listed key would miss it.
    const location = this.tryMap(key);
    if (!location) return undefined;
    const expected = asset.resource_type === 'raw' ? location.raw : location.media;
    return expected?.publicId === asset.public_id ? key : undefined;
  }

  /** The public id prefix to list or delete `prefix` (a key prefix) in `resourceType`. */
  serverPrefix(prefix: string, resourceType: ResourceType): ServerPrefix {
    let part = prefix;
    const lastSlash = part.lastIndexOf('/');
    if (resourceType !== 'raw') {
      // Media public ids lack the extension: `a/x.p` must look for `a/x`.
      const dot = part.lastIndexOf('.');
      if (dot > lastSlash) part = part.slice(0, dot);
    }
    // Cut the tail whose encoding may depend on what follows it in a longer key, until stable.
    for (let previous = ''; previous !== part; ) {
      previous = part;
      const tilde = part.indexOf('~', Math.max(0, part.length - 2));
      if (tilde >= 0) part = part.slice(0, tilde);
      part = part.replace(/\s+$/, '');
      const lastSegment = part.slice(part.lastIndexOf('/') + 1);
      if (/^v\d*$/.test(lastSegment)) part = part.slice(0, part.length - lastSegment.length);
      const lower = part.toLowerCase();
      if (
        this.folderPrefix === '' &&
        part !== '' &&
        !URL_LIKE.test(part) &&
        ('http:/'.startsWith(lower) || 'https:/'.startsWith(lower))
      ) {
        part = ''; // may still become "http(s):/...", whose first character is escaped
      }
    }
    let encoded = part === '' ? '' : this.encodePart(part, prefix, false);
    let exact = part === prefix;
    // Shortened ids keep at least headRoom - 2 characters of the encoded key.
    if (encoded.length > this.headRoom - 2) {
      encoded = safeCut(encoded, this.headRoom - 2);
      exact = false;
    }
    return { publicIdPrefix: this.folderPrefix + encoded, exact };
  }

  private tryMap(key: string): KeyMapping | undefined {
    try {
      return this.map(key);
    } catch {
      return undefined;
    }
  }

  /** Room for the readable head of a shortened public id. */
  private get headRoom(): number {
    return MAX_PUBLIC_ID_LENGTH - this.folderPrefix.length - HASH_SUFFIX_LENGTH;
  }

  /**
   * The public id of `part` (a key or a stem). Cloudinary allows 255 characters; a longer id is
   * shortened to exactly 255: the start of the encoded part, `~`, and the SHA-256 of the part.
   */
  private publicId(part: string, key: string): { publicId: string; hashed?: true } {
    const encoded = this.encodePart(part, key, true);
    if (this.folderPrefix.length + encoded.length <= MAX_PUBLIC_ID_LENGTH) {
      return { publicId: this.folderPrefix + encoded };
    }
    if (this.headRoom < 16) {
      throw invalidKey(key, 'it is too long for a Cloudinary public id inside this folder');
    }
    const hash = createHash('sha256').update(part).digest('base64url');
    return {
      publicId: `${this.folderPrefix}${safeCut(encoded, this.headRoom)}~${hash}`,
      hashed: true,
    };
  }

  /**
   * Encodes `part` (a key, a stem or a key prefix). `whole` says whether it ends the public id: a
   * prefix may go on, so its end is not treated as the end of an id.
   */
  private encodePart(part: string, key: string, whole: boolean): string {
    const atStart = this.folderPrefix === '';
    const chars = Array.from(part);
    // Where each folder named like a version starts (Cloudinary reads it as one).
    const versionStarts = new Set<number>();
    let offset = 0;
    const segments = part.split('/');
    segments.forEach((segment, i) => {
      if (i < segments.length - 1 && VERSION_LIKE.test(segment)) versionStarts.add(offset);
      offset += Array.from(segment).length + 1;
    });
    let lead = 0;
    while (atStart && lead < chars.length && WHITESPACE.test(chars[lead]!)) lead++;
    let trail = chars.length;
    while (whole && trail > lead && WHITESPACE.test(chars[trail - 1]!)) trail--;
    let out = '';
    for (let i = 0; i < chars.length; i++) {
      const char = chars[i]!;
      let reason: string | undefined;
      if (FORBIDDEN.test(char)) reason = `the character ${JSON.stringify(char)}`;
      else if (i < lead) reason = 'leading whitespace';
      else if (i >= trail) reason = 'trailing whitespace';
      else if (versionStarts.has(i)) reason = 'a folder named like a version (v123)';
      else if (atStart && i === 0 && URL_LIKE.test(part)) reason = 'a start that looks like a URL';
      // A literal "~" before two hex digits would read as an escape: escape it too.
      else if (
        char === '~' &&
        this.escapes &&
        ESCAPE_AHEAD.test(chars.slice(i + 1, i + 3).join(''))
      )
        reason = '~';
      if (reason === undefined) out += char;
      else if (this.escapes) out += escapeChar(char);
      else throw invalidKey(key, `Cloudinary public ids cannot contain ${reason}`);
    }
    return out;
  }
}

/** At most `length` characters of an encoded id, not ending inside an escape or a surrogate pair. */
function safeCut(encoded: string, length: number): string {
  let head = encoded.slice(0, length);
  const tilde = head.indexOf('~', Math.max(0, head.length - 2));
  if (tilde >= 0) head = head.slice(0, tilde);
  if (/[\ud800-\udbff]$/.test(head)) head = head.slice(0, -1);
  return head;
}

/** Decodes `~HH` runs (UTF-8 bytes); a run that is not valid UTF-8 stays as it is. */
export function decodeIdPart(part: string): string {
  return part.replace(/(?:~[0-9A-F]{2})+/g, (run) => {
    const bytes = Uint8Array.from(run.matchAll(ESCAPED), (m) => Number.parseInt(m[1]!, 16));
    try {
      return strictDecoder.decode(bytes);
    } catch {
      return run;
    }
  });
}

function invalidKey(key: string, problem: string): StorageError {
  const shown = key.length > 80 ? `${key.slice(0, 77)}...` : key;
  return new StorageError('INVALID_KEY', `Invalid key ${JSON.stringify(shown)}: ${problem}.`, {
    driver: 'cloudinary',
    key,
  });
}
