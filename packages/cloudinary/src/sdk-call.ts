import type { Writable } from 'node:stream';
import type { StorageError } from '@stowage/core';
import { configError } from '@stowage/core/driver';
import type { DeliveryType, ResourceType } from './asset-key.js';
import { BodyStreamError, type Callback, settle, uploadChunks } from './chunked-upload.js';

/**
 * The typed edge of the `cloudinary` SDK. Its typings are loose (`any` results, credentials missing
 * from some option types), so this module declares the few calls the driver makes, checks what
 * comes back, and maps every SDK error before it can escape (the Admin API's errors carry
 * `key:secret`). The SDK is loaded on first use: it reads `CLOUDINARY_URL` when it loads and throws
 * on a malformed one, which must not break importing this package.
 */

/** The part of the SDK's v2 API the driver uses. */
export interface Sdk {
  uploader: {
    upload_stream(options: object, callback: Callback): Writable;
    upload_chunked_stream(options: object, callback: Callback): Writable;
    upload(file: string, options: object): Promise<unknown>;
    destroy(publicId: string, options: object): Promise<unknown>;
    rename(from: string, to: string, options: object): Promise<unknown>;
    explicit(publicId: string, options: object): Promise<unknown>;
  };
  api: {
    resource(publicId: string, options: object): Promise<unknown>;
    resources(options: object): Promise<unknown>;
    resources_by_ids(publicIds: string[], options: object): Promise<unknown>;
    delete_resources(publicIds: string[], options: object): Promise<unknown>;
    delete_resources_by_prefix(prefix: string, options: object): Promise<unknown>;
  };
  utils: {
    private_download_url(publicId: string, format: string, options: object): string;
    api_sign_request(params: Record<string, string>, apiSecret: string): string;
  };
}

let loading: Promise<Sdk> | undefined;

/** The SDK's v2 API, loaded once. CONFIG when it cannot load (e.g. a malformed CLOUDINARY_URL). */
export function loadSdk(): Promise<Sdk> {
  loading ??= import('cloudinary').then(
    (module) => {
      const namespace = module as unknown as { v2?: Sdk; default?: { v2?: Sdk } };
      const v2 = namespace.v2 ?? namespace.default?.v2;
      if (!v2) throw configError('The cloudinary package has no v2 API: install cloudinary 2.x.');
      return v2;
    },
    (error: unknown) => {
      loading = undefined;
      // The SDK's own message says what is wrong with CLOUDINARY_URL; it never holds the secret.
      const reason = error instanceof Error ? error.message : String(error);
      throw configError(
        `The cloudinary SDK failed to load (${reason}). It reads CLOUDINARY_URL from the environment when it loads: that variable must look like cloudinary://API_KEY:API_SECRET@CLOUD_NAME.`,
      );
    },
  );
  return loading;
}

/** A resource as the Upload and Admin APIs describe it: the fields the driver reads. */
export interface CloudinaryResource {
  public_id: string;
  resource_type: ResourceType;
  type: string;
  format: string | undefined;
  version: number;
  bytes: number;
  created_at: string | undefined;
  etag: string | undefined;
  context: Record<string, string>;
  tags: string[];
  /** Set by an upload with `overwrite: false` that found the asset already there. */
  existing: boolean;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/** Checks and narrows a resource from an SDK answer. */
export function toResource(value: unknown): CloudinaryResource {
  if (!isRecord(value) || typeof value.public_id !== 'string') {
    throw new TypeError('Cloudinary answered without a resource');
  }
  const rt = value.resource_type;
  const custom =
    isRecord(value.context) && isRecord(value.context.custom) ? value.context.custom : {};
  const context: Record<string, string> = {};
  for (const [name, item] of Object.entries(custom)) {
    if (typeof item === 'string') context[name] = item;
  }
  return {
    public_id: value.public_id,
    resource_type: rt === 'image' || rt === 'video' ? rt : 'raw',
    type: typeof value.type === 'string' ? value.type : 'upload',
    format: typeof value.format === 'string' && value.format !== '' ? value.format : undefined,
    version: typeof value.version === 'number' ? value.version : 1,
    bytes: typeof value.bytes === 'number' ? value.bytes : 0,
    created_at: typeof value.created_at === 'string' ? value.created_at : undefined,
    etag: typeof value.etag === 'string' ? value.etag : undefined,
    context,
    tags: Array.isArray(value.tags)
      ? value.tags.filter((tag): tag is string => typeof tag === 'string')
      : [],
    existing: value.existing === true,
  };
}

/** Per-call credentials: the SDK's configuration is process-global, so it is never used. */
export interface CallCredentials {
  upload_prefix: string;
  agent: object;
  cloud_name: string;
  api_key: string;
  api_secret: string;
  timeout: number;
}

/** Parameters of one upload. */
export interface UploadParams {
  resourceType: ResourceType;
  publicId: string;
  type: DeliveryType;
  overwrite: boolean;
  context: Record<string, string>;
  /** Replaces the asset's tags (the whole key of a shortened public id). */
  tags: string[];
  /** Dynamic folders: the Media Library folder (empty: the root). */
  assetFolder: string;
}

/** What to upload: bytes in one request, chunks in several, or a URL Cloudinary fetches. */
export type UploadSource =
  | { kind: 'bytes'; data: Uint8Array }
  | { kind: 'chunks'; chunks: AsyncIterable<Uint8Array>; chunkSize: number }
  | { kind: 'url'; url: string };

/** The SDK calls the driver makes, typed, with every failure mapped by `mapError`. */
export class SdkCalls {
  constructor(
    private readonly credentials: CallCredentials,
    private readonly mapError: (error: unknown) => StorageError,
  ) {}

  /** When an Admin API answer said no call is left this hour: until when. */
  private adminExhaustedUntil: Date | undefined;
  /** Admin API calls this driver made (each one counts against the hourly limit). */
  adminCalls = 0;

  /**
   * An Admin API call: refused without a request while the last answer's
   * `X-FeatureRateLimit-Remaining` (the SDK's `rate_limit_remaining`) said 0 and its reset time
   * has not come, so the caller gets RATE_LIMITED with `retryAfter` at once.
   */
  private async admin<T>(
    call: (sdk: Sdk) => Promise<unknown>,
    read: (page: unknown) => T,
  ): Promise<T> {
    const until = this.adminExhaustedUntil;
    if (until && until.getTime() > Date.now()) {
      throw this.rateLimited(until);
    }
    this.adminExhaustedUntil = undefined;
    return this.run(async (sdk) => {
      this.adminCalls += 1;
      const page = await call(sdk);
      if (isRecord(page) && page.rate_limit_remaining === 0) {
        const reset = page.rate_limit_reset_at;
        if (reset instanceof Date && !Number.isNaN(reset.getTime()))
          this.adminExhaustedUntil = reset;
      }
      return read(page);
    });
  }

  private rateLimited(until: Date): StorageError {
    const error = this.mapError({
      error: {
        http_code: 420,
        message: `Admin API calls used up for this hour (X-FeatureRateLimit-Remaining: 0); they reset at ${until.toISOString()}`,
      },
    });
    return error;
  }

  private async run<T>(call: (sdk: Sdk) => Promise<T>): Promise<T> {
    const sdk = await loadSdk();
    try {
      return await call(sdk);
    } catch (error) {
      if (error instanceof BodyStreamError) throw error.error;
      throw this.mapError(error);
    }
  }

  upload(source: UploadSource, params: UploadParams): Promise<CloudinaryResource> {
    const options = {
      ...this.credentials,
      resource_type: params.resourceType,
      public_id: params.publicId,
      type: params.type,
      overwrite: params.overwrite,
      // A replaced asset must not be served from the CDN's cache.
      invalidate: params.overwrite,
      context: params.context,
      ...(params.tags.length > 0 ? { tags: params.tags } : {}),
      ...(params.assetFolder ? { asset_folder: params.assetFolder } : {}),
    };
    return this.run(async (sdk) => {
      if (source.kind === 'url') return toResource(await sdk.uploader.upload(source.url, options));
      if (source.kind === 'bytes') {
        return toResource(
          await new Promise<unknown>((resolve, reject) => {
            const stream = sdk.uploader.upload_stream(
              { ...options, disable_promises: true },
              settle(resolve, reject),
            );
            stream.on('error', reject);
            const { data } = source;
            stream.end(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
          }),
        );
      }
      return toResource(await uploadChunks(sdk, source, options));
    });
  }

  /** Deletes one asset; true when it existed. */
  destroy(resourceType: ResourceType, publicId: string, type: DeliveryType): Promise<boolean> {
    return this.run(async (sdk) => {
      const result = await sdk.uploader.destroy(publicId, {
        ...this.credentials,
        resource_type: resourceType,
        type,
        invalidate: true,
      });
      return isRecord(result) && result.result === 'ok';
    });
  }

  rename(
    resourceType: ResourceType,
    from: string,
    to: string,
    options: { type: DeliveryType; overwrite: boolean },
  ): Promise<CloudinaryResource> {
    return this.run(async (sdk) =>
      toResource(
        await sdk.uploader.rename(from, to, {
          ...this.credentials,
          resource_type: resourceType,
          type: options.type,
          to_type: options.type,
          overwrite: options.overwrite,
          invalidate: true,
        }),
      ),
    );
  }

  /**
   * Replaces an asset's context, and its tags and Media Library folder when given (Upload API
   * `explicit`, whose parameters the SDK builds like an upload's, `asset_folder` included).
   */
  setContext(
    resourceType: ResourceType,
    publicId: string,
    type: DeliveryType,
    context: Record<string, string>,
    tags?: string[],
    assetFolder?: string,
  ): Promise<CloudinaryResource> {
    return this.run(async (sdk) =>
      toResource(
        await sdk.uploader.explicit(publicId, {
          ...this.credentials,
          resource_type: resourceType,
          type,
          context,
          ...(tags ? { tags } : {}),
          ...(assetFolder !== undefined ? { asset_folder: assetFolder } : {}),
        }),
      ),
    );
  }

  /** Admin API: one resource, with its context and tags. */
  resource(
    resourceType: ResourceType,
    publicId: string,
    type: DeliveryType,
  ): Promise<CloudinaryResource> {
    return this.admin(
      (sdk) =>
        sdk.api.resource(publicId, { ...this.credentials, resource_type: resourceType, type }),
      toResource,
    );
  }

  /** Admin API: one page (up to 500) of resources under a public id prefix, with context and tags. */
  resources(
    resourceType: ResourceType,
    options: { type: DeliveryType; prefix: string; nextCursor?: string | undefined },
  ): Promise<{ resources: CloudinaryResource[]; nextCursor: string | undefined }> {
    return this.admin(
      (sdk) =>
        sdk.api.resources({
          ...this.credentials,
          resource_type: resourceType,
          type: options.type,
          max_results: 500,
          context: true,
          tags: true,
          ...(options.prefix ? { prefix: options.prefix } : {}),
          ...(options.nextCursor ? { next_cursor: options.nextCursor } : {}),
        }),
      listing,
    );
  }

  /** Admin API: the resources among `publicIds` (at most 100) that exist. */
  resourcesByIds(
    resourceType: ResourceType,
    publicIds: string[],
    type: DeliveryType,
  ): Promise<CloudinaryResource[]> {
    return this.admin(
      (sdk) =>
        sdk.api.resources_by_ids(publicIds, {
          ...this.credentials,
          resource_type: resourceType,
          type,
          context: true,
          tags: true,
        }),
      (page) => listing(page).resources,
    );
  }

  /** Admin API: deletes up to 100 assets by public id. */
  deleteResources(resourceType: ResourceType, publicIds: string[], type: DeliveryType) {
    return this.admin(
      (sdk) =>
        sdk.api.delete_resources(publicIds, {
          ...this.credentials,
          resource_type: resourceType,
          type,
          invalidate: true,
        }),
      () => undefined,
    );
  }

  /** Admin API: deletes assets under a prefix; `partial` when another call must go on. */
  deleteByPrefix(
    resourceType: ResourceType,
    prefix: string,
    type: DeliveryType,
    nextCursor: string | undefined,
  ): Promise<{ partial: boolean; nextCursor: string | undefined }> {
    return this.admin(
      (sdk) =>
        sdk.api.delete_resources_by_prefix(prefix, {
          ...this.credentials,
          resource_type: resourceType,
          type,
          invalidate: true,
          ...(nextCursor ? { next_cursor: nextCursor } : {}),
        }),
      (result) => {
        const record = isRecord(result) ? result : {};
        const cursor = typeof record.next_cursor === 'string' ? record.next_cursor : undefined;
        return { partial: record.partial === true || cursor !== undefined, nextCursor: cursor };
      },
    );
  }

  /** A signed, expiring `${uploadPrefix}/v1_1/C/{rt}/download?...` URL of the original. */
  privateDownloadUrl(
    resourceType: ResourceType,
    publicId: string,
    options: {
      format: string;
      type: DeliveryType;
      expiresAt: number;
      attachment: boolean;
      timestamp?: number;
    },
  ): Promise<string> {
    return this.run(async (sdk) =>
      sdk.utils.private_download_url(publicId, options.format, {
        ...this.credentials,
        resource_type: resourceType,
        type: options.type,
        expires_at: options.expiresAt,
        ...(options.timestamp ? { timestamp: options.timestamp } : {}),
        ...(options.attachment ? { attachment: true } : {}),
      }),
    );
  }

  /** The Upload API signature of `params` (without api_key, file, resource_type). */
  sign(params: Record<string, string>): Promise<string> {
    return this.run(async (sdk) => sdk.utils.api_sign_request(params, this.credentials.api_secret));
  }
}

function listing(page: unknown): {
  resources: CloudinaryResource[];
  nextCursor: string | undefined;
} {
  const record = isRecord(page) ? page : {};
  const resources = Array.isArray(record.resources) ? record.resources.map(toResource) : [];
  const nextCursor = typeof record.next_cursor === 'string' ? record.next_cursor : undefined;
  return { resources, nextCursor };
}
