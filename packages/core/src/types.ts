import type { Readable } from 'node:stream';

export type Visibility = 'public' | 'private';
export type ConflictMode = 'overwrite' | 'fail' | 'rename';

/** Anything `put` accepts as an object's content. */
export type Body =
  | string
  | Uint8Array
  | ArrayBuffer
  | Blob
  | ReadableStream<Uint8Array>
  | Readable
  | AsyncIterable<Uint8Array>;

/** What a storage knows of a stored object. */
export interface ObjectInfo {
  key: string;
  /** Size in bytes of the whole object. */
  size: number;
  contentType: string;
  etag?: string;
  lastModified?: Date;
  metadata: Record<string, string>;
  visibility?: Visibility;
  cacheControl?: string;
  contentDisposition?: string;
}

export interface PutOptions {
  /** Defaults to the type of the key's extension, else `application/octet-stream`. */
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  /** Custom metadata: lowercase names of `a-z 0-9 - _`, string values. */
  metadata?: Record<string, string>;
  visibility?: Visibility;
  /** `overwrite` (default), `fail` (ALREADY_EXISTS if the key exists), `rename` (store under a new key). */
  onConflict?: ConflictMode;
  signal?: AbortSignal;
}

export interface ByteRange {
  offset: number;
  /** Bytes to read; omitted reads to the end. A length past the end stops at the end. */
  length?: number;
}

export interface GetOptions {
  range?: ByteRange;
  signal?: AbortSignal;
  /**
   * The caller reads the whole body (or the whole range) straight away: bytes(), text(), a copy
   * to elsewhere, an HTTP response. Drivers that otherwise fetch a first part and the rest only
   * when the body is read (s3, r2) then send one request; the body holds its connection until it
   * is read or cancelled. getBytes() and getText() set it.
   */
  readAll?: boolean;
}

/** An object whose content has not been read yet. The body can be read once. */
export interface StoredObject extends ObjectInfo {
  /** The part that was read when a range was asked for. */
  range?: { offset: number; length: number };
  body(): ReadableStream<Uint8Array>;
  bytes(): Promise<Uint8Array>;
  text(): Promise<string>;
  json<T = unknown>(): Promise<T>;
}

export interface ListOptions {
  prefix?: string;
  /** Group keys by this separator (usually "/"); groups come back in `prefixes`. */
  delimiter?: string;
  /** The `cursor` of the previous page. */
  cursor?: string;
  /** Objects + prefixes per page, 1 to 1000 (default 1000). */
  limit?: number;
}

export interface ListResult {
  objects: ObjectInfo[];
  prefixes: string[];
  /** Present when there is another page. */
  cursor?: string;
  /**
   * Keys (and prefixes) the backend listed on this page that break the key rules, so no
   * operation could address them: S3 console folder markers (`photos/`), `a//b`, control
   * characters, ... They are left out of `objects` and `prefixes`. Present only when there are any.
   */
  skipped?: SkippedKey[];
}

/** A listed key Stowage cannot address, and why. */
export interface SkippedKey {
  key: string;
  /** The key rule it breaks, e.g. `a key must not have empty segments ("a//b" or a trailing "/")`. */
  problem: string;
}

export interface ListAllOptions {
  /** Called for each listed key Stowage cannot address (see {@link ListResult.skipped}). */
  onSkipped?: (skipped: SkippedKey) => void;
}

export interface CopyOptions {
  onConflict?: Exclude<ConflictMode, 'rename'>;
  signal?: AbortSignal;
}

export interface ImageTransform {
  width?: number;
  height?: number;
  crop?: 'fill' | 'fit' | 'limit' | 'scale' | 'thumb' | 'crop' | 'pad';
  quality?: number | 'auto';
  format?: string | 'auto';
  gravity?: string;
}

export interface UrlOptions {
  transform?: ImageTransform;
}

export interface SignedUrlOptions {
  /** Seconds until the URL stops working (1 to 604800). */
  expiresIn: number;
  /** Overrides the Content-Disposition of the response, e.g. `attachment; filename="a.pdf"`. */
  contentDisposition?: string;
  /** Overrides the Content-Type of the response. */
  contentType?: string;
}

export interface SignedUploadOptions {
  /** Seconds until the upload URL stops working (1 to 604800). */
  expiresIn: number;
  contentType?: string;
  /** Largest body accepted, in bytes, where the backend can enforce it. */
  maxSize?: number;
}

/** How a browser uploads straight to the storage. */
export interface DirectUpload {
  method: 'PUT' | 'POST';
  url: string;
  /** Headers to send with a PUT. */
  headers: Record<string, string>;
  /** Form fields to send before the file with a POST (multipart/form-data, file field "file"). */
  fields: Record<string, string>;
  expiresAt: Date;
}
