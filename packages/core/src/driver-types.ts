import type { Capabilities } from './capabilities.js';
import type {
  ByteRange,
  DirectUpload,
  ImageTransform,
  ListResult,
  ObjectInfo,
  SignedUploadOptions,
  SignedUrlOptions,
  Visibility,
} from './types.js';

/**
 * A body as drivers receive it: bytes when the whole content was already in memory, otherwise an
 * async iterable of chunks. `size` is set when known up front.
 */
export type DriverBody = Uint8Array | AsyncIterable<Uint8Array> | ByteStreamBody;

/**
 * A streamed body whose source is a byte stream (`type: 'bytes'`, such as a disk object's body):
 * besides iterating its chunks, a driver that fills buffers of its own (S3 parts) can have the
 * bytes read straight into them, without a chunk allocated and copied per read. Use one way or
 * the other, not both.
 */
export interface ByteStreamBody extends AsyncIterable<Uint8Array> {
  /**
   * Reads into `view`, whose buffer is transferred (detached): the bytes read are `bytes`, a view
   * at the same offset of the same memory under a new buffer, which the caller uses from then on.
   * `bytes` is empty when `done`; undefined only if the stream was cancelled meanwhile.
   */
  readInto(view: Uint8Array): Promise<{ bytes: Uint8Array | undefined; done: boolean }>;
  /** Stops reading early: the source is cancelled and releases what it holds. */
  cancel(reason?: unknown): Promise<void>;
}

export interface DriverPutOptions {
  /** Always set: the facade resolves the default from the key's extension. */
  contentType: string;
  cacheControl?: string;
  contentDisposition?: string;
  /** Always set, possibly empty. */
  metadata: Record<string, string>;
  visibility?: Visibility;
  /** Fail with ALREADY_EXISTS, atomically where the backend allows, if the key exists. */
  ifNoneMatch: boolean;
  /** Byte length of the body when known. */
  size?: number;
  signal?: AbortSignal;
}

export interface DriverGetOptions {
  range?: ByteRange;
  signal?: AbortSignal;
  /** The caller reads all it asked for at once (GetOptions.readAll): one request is best. */
  readAll?: boolean;
}

/** A fetched object. `body()` is called at most once; `bytes()` is an optional fast path. */
export interface DriverObject {
  info: ObjectInfo;
  /** The part that was read, when a range was asked for. */
  range?: { offset: number; length: number };
  body(): ReadableStream<Uint8Array>;
  bytes?(): Promise<Uint8Array>;
}

export interface DriverListOptions {
  prefix: string;
  delimiter?: string;
  cursor?: string;
  /** 1 to 1000. */
  limit: number;
}

export interface DriverCopyOptions {
  ifNoneMatch: boolean;
  signal?: AbortSignal;
}

/**
 * The primitives a backend implements. Keys, ranges and options arrive validated; the facade
 * derives everything else. Errors must be thrown as StorageError (map SDK errors in one place).
 */
export interface Driver {
  /** 'memory', 'disk', 's3', ... */
  readonly name: string;
  readonly capabilities: Capabilities;
  put(key: string, body: DriverBody, options: DriverPutOptions): Promise<ObjectInfo>;
  /** NOT_FOUND when missing; INVALID_INPUT when a range starts past the end. */
  get(key: string, options: DriverGetOptions): Promise<DriverObject>;
  /** NOT_FOUND when missing. */
  head(key: string): Promise<ObjectInfo>;
  /** A missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Objects in UTF-8 byte order of their keys; prefixes likewise. */
  list(options: DriverListOptions): Promise<ListResult>;
  /** Optional batch delete; the facade deletes one by one otherwise. */
  deleteMany?(keys: string[]): Promise<void>;
  /** Optional: delete every key starting with `prefix` (never empty). */
  deletePrefix?(prefix: string): Promise<void>;
  /** Server-side copy, when `capabilities.copy`. */
  copy?(from: string, to: string, options: DriverCopyOptions): Promise<ObjectInfo>;
  /** Native rename, when `capabilities.move`. */
  move?(from: string, to: string, options: DriverCopyOptions): Promise<ObjectInfo>;
  url?(key: string, options: { transform?: ImageTransform }): string;
  signedUrl?(key: string, options: SignedUrlOptions): Promise<string>;
  signedUpload?(key: string, options: SignedUploadOptions): Promise<DirectUpload>;
  /** Release sockets, timers, ... */
  close?(): Promise<void>;
}

/** Environment variables, as in `process.env`. */
export type Env = Record<string, string | undefined>;

/**
 * A driver package's hook into `storageFromEnv`: `s3.fromEnv`, `r2.fromEnv`, ...
 * `fromEnv` throws CONFIG naming the variable that is missing or malformed.
 */
export interface EnvDriverFactory {
  readonly driverName: string;
  fromEnv(env: Env): Driver;
}
