/** Hash used for API and delivery signatures. */
export type SignatureAlgorithm = 'sha1' | 'sha256';

/** Options of {@link startCloudinaryEmulator}. */
export interface CloudinaryEmulatorOptions {
  /** Cloud name in every API and delivery path. Default `'demo'`. */
  cloudName?: string;
  /** API key the emulator accepts. Default: a random 15-digit key. */
  apiKey?: string;
  /** API secret the emulator checks signatures with. Default: a random secret. */
  apiSecret?: string;
  /** TCP port on 127.0.0.1. Default `0` (a free port). */
  port?: number;
  /**
   * When set, only this algorithm is accepted for API and delivery signatures (like a Cloudinary
   * account configured for it). When unset, SHA-1 and SHA-256 are both accepted.
   */
  signatureAlgorithm?: SignatureAlgorithm;
  /**
   * Security setting "Allow delivery of PDF and ZIP files". Default false, as on a new account:
   * delivery URLs of PDF and ZIP assets answer 401 (the download API still serves them).
   */
  allowPdfZipDelivery?: boolean;
  /**
   * Keep an asset's context when an overwriting upload sends none (and merge what it sends), as
   * an account set to retain context does. Default false: an upload's context replaces the old.
   */
  retainContextOnOverwrite?: boolean;
  /** `dynamic` (default: every account created since June 2024) or the legacy `fixed`. */
  folderMode?: 'dynamic' | 'fixed';
  /** Admin API calls allowed per hour before 420 answers. Default 500 (the free plan). */
  adminRateLimit?: number;
  /** Longest contextual metadata, in bytes of the encoded `k=v|...` string. Default 255. */
  contextLimit?: number;
  /**
   * More characters the account replaces with `_` in public ids. The naming rules "may change
   * from time to time" (ts_permitted_naming_conventions): this models an account whose rules
   * differ from the documented ones. Default none.
   */
  replacedCharacters?: string;
}

/** Which family of endpoints a request went to. */
export type EmulatorApiKind = 'upload' | 'admin' | 'delivery' | 'unknown';

/** A failure that the next matching API requests answer with, instead of being processed. */
export interface FailureInjection {
  /** 420 and 429 are rate limits (with `X-FeatureRateLimit-*` headers); 500 is a server error. */
  status: 420 | 429 | 500;
  /** How many requests fail. Default 1. */
  count?: number;
  /** Which API fails: Upload API (`/v1_1/C/{rt}/...`), Admin API (`/v1_1/C/resources/...`), or both. Default `'any'`. Delivery is never failed. */
  api?: 'admin' | 'upload' | 'any';
  /** Seconds until the rate limit resets, sent in `X-FeatureRateLimit-Reset`. Default 60. */
  resetIn?: number;
}

/** One request the emulator received; paths carry no query string, so no signature or key. */
export interface RecordedRequest {
  method: string;
  /** URL path as received (still percent-encoded), without the query string. */
  path: string;
  apiKind: EmulatorApiKind;
  /** HTTP status of the answer, once sent. */
  status?: number;
}

/** A running emulator. */
export interface CloudinaryEmulator {
  /** `http://127.0.0.1:PORT`: the `upload_prefix` for API calls and the delivery base. */
  readonly url: string;
  readonly cloudName: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  /** `cloudinary://KEY:SECRET@CLOUD?upload_prefix=http://127.0.0.1:PORT`. */
  readonly cloudinaryUrl: string;
  /** Requests received so far, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** Makes the next matching API request(s) fail. Injections queue up in call order. */
  failNext(failure: FailureInjection): void;
  /** Admin API calls answered since start (or the last reset), refused ones included. */
  readonly adminCalls: number;
  /** Forgets all assets, pending chunked uploads, queued failures, the request log and the rate counter. */
  reset(): void;
  /** Stops the server and closes open connections. */
  close(): Promise<void>;
}

/** Cloudinary resource types the emulator stores. */
export type ResourceType = 'image' | 'raw' | 'video';

/** Cloudinary delivery types the emulator supports. */
export type DeliveryType = 'upload' | 'private' | 'authenticated';

/** One stored asset. */
export interface StoredAsset {
  assetId: string;
  publicId: string;
  resourceType: ResourceType;
  type: DeliveryType;
  /** File extension without dot; undefined for raw assets, whose public id keeps the extension. */
  format: string | undefined;
  data: Buffer;
  version: number;
  versionId: string;
  createdAt: Date;
  /** Hex MD5 of the bytes. */
  etag: string;
  width: number | undefined;
  height: number | undefined;
  context: Record<string, string>;
  tags: string[];
  originalFilename: string;
  /** Dynamic folder mode: the Media Library folder, independent of the public id. */
  assetFolder: string;
  /** Dynamic folder mode: the name the Media Library shows. */
  displayName: string;
}
