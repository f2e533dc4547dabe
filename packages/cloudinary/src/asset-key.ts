import { createHash } from 'node:crypto';
import { keyProblem, StorageError } from '@stowage/core';

/**
 * Object keys <-> Cloudinary assets. Every rule depends on the key alone (plus the driver's
 * `escapeKeys` option), so any process maps a key to the same asset. The sections of this file
 * follow the table, top to bottom. The `folder` option is not here: it is core's prefixedDriver()
 * around the driver, so `f/` in the examples is simply the start of the key `f/...`.
 *
 * | rule           | key                     | resource_type | public_id                        | also recorded                         |
 * |----------------|-------------------------|---------------|----------------------------------|---------------------------------------|
 * | 1 media        | `a/x.png`, `a/x.JPG`    | image         | `f/a/x` (key minus extension)    | format; context `_ext` = `png`, `JPG` |
 * | 1 media        | `a/clip.mp4`, `a/s.mp3` | video         | `f/a/clip` (audio is video too)  | format; context `_ext`                |
 * | 2 raw          | `a/x.txt`, `a/x`        | raw           | `f/a/x.txt` (the whole key)      |                                       |
 * | 2 raw fallback | `a/x.png` holding text  | raw           | `f/a/x.png`; read after image    |                                       |
 * | 3 folders      | `f/a.txt`               | as 1-2        | `f/a.txt`                        | asset_folder = the id's folders       |
 * | 4 escaping     | `Zoë.txt`, `a b/c`      | as 1-2        | `f/x--Zo_C3_AB.txt`, `x--a_20b/c` | (escapeKeys false: INVALID_KEY)      |
 * | 4 escaping     | `v2/x.txt` (`v` + digits)| as 1-2       | `f/x--v2/x.txt`                  | (a folder named like a version)       |
 * | 4 escaping     | `setup.exe` (refused)   | raw           | `f/x--setup_2Eexe`               |                                       |
 * | 4 escaping     | `x--a` (looks escaped)  | raw           | `f/x--x_2D_2Da`                  |                                       |
 * | 5 long ids     | id over 255 characters  | as 1-2        | head + `-` + 40 hex of SHA-256   | whole key in tags `stowage-key-N-hex` |
 * | delivery type  | any                     |               | `type` = the `deliveryType` option, one per driver                       |
 *
 * Escaping: a segment is used as it is only when made of ASCII letters, digits, `.`, `-` and inner
 * `_` (what every account keeps), is not a folder named like a version, does not end in an
 * extension Cloudinary refuses and does not start with `x--`; otherwise it becomes `x--` + its
 * UTF-8 bytes, letters and digits as they are and any other byte as `_HH`, keeping a plain last
 * extension (`.txt`) so that Cloudinary still serves the file's type.
 *
 * Back (`keyOf`): decode `x--` segments, raw -> that key, image/video -> it plus
 * `.` + the recorded `_ext` (else the format); a shortened id -> the key in its tags. An asset is
 * some key's only when that key maps back to exactly its public id (otherwise reading the listed
 * key would miss it); anything else (other tools' odd ids) is not listed.
 */

/** Cloudinary's kinds of asset. */
export type ResourceType = 'image' | 'video' | 'raw';
/** Cloudinary's delivery types; one per driver, from the `deliveryType` option. */
export type DeliveryType = 'upload' | 'private' | 'authenticated';

/** One place an object may live: a resource type and a public id (delivery type is global). */
export interface AssetLocation {
  resourceType: ResourceType;
  publicId: string;
  /** A long key's shortened id: the key is kept in the asset's tags to list it back. */
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
  /** The whole key recorded at upload (tags, see {@link keyTags}), for shortened public ids. */
  recordedKey?: string | undefined;
}

/** A public id prefix to ask Cloudinary for, and whether it selects exactly the key prefix. */
export interface ServerPrefix {
  publicIdPrefix: string;
  /** False when Cloudinary's answer must be filtered by key (the prefix had to be shortened). */
  exact: boolean;
}

// --- 1. media or raw: the key's extension picks the resource type ---

/**
 * Extensions stored as `image` assets (public id without the extension). PDF counts, as on
 * Cloudinary, so that PDFs uploaded by other Cloudinary tools (as images) stay readable.
 */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(
  'jpg jpeg jpe png gif webp avif bmp tif tiff ico svg heic heif pdf'.split(' '),
);

/** Extensions stored as `video` assets; Cloudinary keeps audio as video too. */
export const VIDEO_EXTENSIONS: ReadonlySet<string> = new Set(
  'mp4 m4v webm mov ogv avi mkv mp3 wav ogg m4a flac aac'.split(' '),
);

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

// --- 2-3. the mapping (raw fallback, folders) ---

/**
 * The mapping of the table above, for one driver (its `escapeKeys` option): `map`
 * (key -> assets), `keyOf` (asset -> key), `serverPrefix` (key prefix -> public id prefix, for
 * listings), `assetFolder` (dynamic folders).
 */
export class AssetKeys {
  constructor(private readonly escapes: boolean) {}

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
   * The key an asset stands for, or undefined when no key maps onto it (a
   * public id no key encodes to, a media asset without a usable extension).
   */
  keyOf(asset: AssetIdentity): string | undefined {
    const part = asset.public_id;
    const decoded = this.escapes ? decodeIdPart(part) : part;
    let key: string;
    if (asset.recordedKey && HASHED_ID.test(part)) {
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

  /**
   * The public id prefix to list or delete `prefix` (a key prefix) in `resourceType`: its whole
   * folders, encoded; a partial last segment may be escaped or not, so it is left to the filter.
   */
  serverPrefix(prefix: string, _resourceType: ResourceType): ServerPrefix {
    const lastSlash = prefix.lastIndexOf('/');
    const folders = prefix.slice(0, lastSlash + 1);
    let encoded = folders === '' ? '' : `${this.encodePart(folders.slice(0, -1), prefix, false)}/`;
    let exact = folders === prefix;
    // A shortened id starts with safeCut(encoded key, headRoom), which this then is a prefix of.
    if (encoded.length > this.headRoom) {
      encoded = safeCut(encoded, this.headRoom);
      exact = false;
    }
    return { publicIdPrefix: encoded, exact };
  }

  /** The folder a key's asset shows in (dynamic folders' `asset_folder`): its id's folders. */
  assetFolder(publicId: string): string {
    const slash = publicId.lastIndexOf('/');
    return slash < 0 ? '' : publicId.slice(0, slash);
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
    return MAX_PUBLIC_ID_LENGTH - HASH_SUFFIX_LENGTH;
  }

  /**
   * The public id of `part` (a key or a stem). A longer id than Cloudinary allows is shortened:
   * the start of the encoded part (not ending inside an escape or on a character that could be
   * trimmed), `-`, and 40 hex digits of the part's SHA-256.
   */
  private publicId(part: string, key: string): { publicId: string; hashed?: true } {
    const encoded = this.encodePart(part, key, true);
    if (encoded.length <= MAX_PUBLIC_ID_LENGTH) return { publicId: encoded };
    const hash = createHash('sha256').update(part).digest('hex').slice(0, 40);
    return {
      publicId: `${safeCut(encoded, this.headRoom)}-${hash}`,
      hashed: true,
    };
  }

  /** Encodes `part` segment by segment; `whole` says whether its last segment ends the id. */
  private encodePart(part: string, key: string, whole: boolean): string {
    const segments = part.split('/');
    return segments
      .map((segment, i) => {
        const problem = segmentProblem(segment, whole && i === segments.length - 1);
        if (problem === undefined) return segment;
        if (!this.escapes) throw invalidKey(key, `Cloudinary public ids cannot contain ${problem}`);
        return escapeSegment(segment, whole && i === segments.length - 1);
      })
      .join('/');
  }
}

// --- 4. escaping segments a public id cannot hold for sure ---

/**
 * Characters a public id may hold for sure. ts_permitted_naming_conventions allows "any language
 * character ... dot `.` and dash `-`", forbids `?&#\%<>+` and replaces "other special
 * characters" with `_`, trimming them at the ends; its note says the rules "may change from time
 * to time". So only ASCII letters, digits, `.`, `-`, `_` (never at a segment's ends) and `/` are
 * used as they are; anything else is escaped with those same characters.
 */
const PLAIN_SEGMENT = /^[A-Za-z0-9.-](?:[A-Za-z0-9._-]*[A-Za-z0-9.-])?$/;
/** Starts a segment that is escaped: `x--` then its UTF-8 bytes, letters and digits as they are. */
const ESCAPED_MARK = 'x--';
const ESCAPED_SEGMENT = /^x--((?:[A-Za-z0-9]|_[0-9A-F]{2})+)(\.[A-Za-z0-9]{1,10})?$/;
const VERSION_LIKE = /^v\d+$/;

/**
 * Extensions Cloudinary refuses in uploads (ts_why_does_cloudinary_reject_the_file_format_of_some_
 * files_im_uploading): a segment ending in one is escaped, so that any key can be stored.
 */
const REFUSED_EXTENSIONS: ReadonlySet<string> = new Set(
  (
    'action apk app bat bin cmd com command cpl csh exe gadget inf1 ins inx ipa isu job jse ksh ' +
    'lnk msc msi msp mst osx out paf pif prg ps1 reg rgs run sct shb shs u3p vb vbe vbs vbscript ' +
    'workflow ws wsf'
  ).split(' '),
);

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** Why a segment cannot be used as it is, or undefined when it can. */
function segmentProblem(segment: string, last: boolean): string | undefined {
  if (!PLAIN_SEGMENT.test(segment)) {
    const odd = Array.from(segment).find((char) => !/[A-Za-z0-9.-]/.test(char)) ?? '_';
    return odd === '_'
      ? 'an underscore at the start or end of a segment'
      : `the character ${JSON.stringify(odd)}`;
  }
  if (segment.startsWith(ESCAPED_MARK)) return `a segment starting with "${ESCAPED_MARK}"`;
  if (!last && VERSION_LIKE.test(segment)) return 'a folder named like a version (v123)';
  const dot = segment.lastIndexOf('.');
  if (last && dot >= 0 && REFUSED_EXTENSIONS.has(segment.slice(dot + 1).toLowerCase())) {
    return `the extension ${segment.slice(dot)}, which Cloudinary refuses`;
  }
  return undefined;
}

/**
 * `x--` + the segment with every byte but ASCII letters and digits as `_HH`. The last segment
 * keeps a plain extension (`.txt`), so that Cloudinary still serves the file's type.
 */
function escapeSegment(segment: string, last: boolean): string {
  const extension = last ? /\.[A-Za-z0-9]{1,10}$/.exec(segment)?.[0] : undefined;
  const keep =
    extension !== undefined &&
    extension.length < segment.length &&
    !REFUSED_EXTENSIONS.has(extension.slice(1).toLowerCase());
  const stem = keep ? segment.slice(0, -extension.length) : segment;
  let out = ESCAPED_MARK;
  for (const byte of encoder.encode(stem)) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9]/.test(char) ? char : `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return keep ? out + extension : out;
}

/** The segment an escaped one stands for, or undefined when it is not one. */
function unescapeSegment(segment: string): string | undefined {
  const match = ESCAPED_SEGMENT.exec(segment);
  const body = match?.[1];
  if (body === undefined) return undefined;
  const extension = match?.[2] ?? '';
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '_') {
      bytes.push(Number.parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(body.charCodeAt(i));
  }
  try {
    return strictDecoder.decode(Uint8Array.from(bytes)) + extension;
  } catch {
    return undefined;
  }
}

/** Decodes a public id segment by segment. */
export function decodeIdPart(part: string): string {
  return part
    .split('/')
    .map((segment) => unescapeSegment(segment) ?? segment)
    .join('/');
}

// --- 5. long keys: shortened public ids, the whole key in tags ---

/** Cloudinary's longest public id, in characters (ts_permitted_naming_conventions). */
export const MAX_PUBLIC_ID_LENGTH = 255;
/** `-` + 40 hex digits of SHA-256 end a shortened public id. */
const HASH_SUFFIX_LENGTH = 41;
const HASHED_ID = /-[0-9a-f]{40}$/;

/** At most `length` characters of an encoded id, not ending inside an escape or on `_ . / -`. */
function safeCut(encoded: string, length: number): string {
  let head = encoded.slice(0, length);
  const underscore = head.lastIndexOf('_');
  if (underscore >= 0 && underscore >= head.length - 2) head = head.slice(0, underscore);
  return head.replace(/[_./-]+$/, '');
}

/** Tags that hold a whole key (UTF-8 as hex, 240 digits a tag) for a shortened public id. */
export function keyTags(key: string): string[] {
  const hex = Buffer.from(key, 'utf8').toString('hex');
  const tags: string[] = [];
  for (let at = 0, i = 0; at < hex.length; at += 240, i++) {
    tags.push(`stowage-key-${i}-${hex.slice(at, at + 240)}`);
  }
  return tags;
}

/** The key {@link keyTags} recorded, or undefined when the tags hold none (or a broken one). */
export function keyFromTags(tags: readonly string[]): string | undefined {
  const parts: string[] = [];
  for (const tag of tags) {
    const match = /^stowage-key-(\d)-([0-9a-f]+)$/.exec(tag);
    if (match) parts[Number(match[1])] = match[2]!;
  }
  if (parts.length === 0) return undefined;
  for (let i = 0; i < parts.length; i++) if (parts[i] === undefined) return undefined;
  const hex = parts.join('');
  if (hex.length % 2 !== 0) return undefined;
  try {
    return strictDecoder.decode(Buffer.from(hex, 'hex'));
  } catch {
    return undefined;
  }
}

function invalidKey(key: string, problem: string): StorageError {
  const shown = key.length > 80 ? `${key.slice(0, 77)}...` : key;
  return new StorageError('INVALID_KEY', `Invalid key ${JSON.stringify(shown)}: ${problem}.`, {
    driver: 'cloudinary',
    key,
  });
}
