import type { Writable } from 'node:stream';
import { configError } from '@stowage/core/driver';

/**
 * The `cloudinary` SDK as the driver sees it: the few v2 calls it makes (the SDK's own typings are
 * loose), the callback they take, and the SDK loaded on first use. It reads `CLOUDINARY_URL` when it
 * loads and throws on a malformed one, which must not break importing this package. Both
 * sdk-call.ts (the typed calls) and chunked-upload.ts (streaming an upload) build on this module.
 */

/** The SDK's callback shape (v2: error first). */
export type Callback = (error?: unknown, result?: unknown) => void;

/** A failure of the caller's body stream: rethrown as it is, never mapped as Cloudinary's. */
export class BodyStreamError {
  constructor(readonly error: unknown) {}
}

/** A v2 callback settling a promise. */
export function settle(
  resolve: (value: unknown) => void,
  reject: (reason: unknown) => void,
): Callback {
  return (error, result) => {
    if (error) reject(error);
    else if (result) resolve(result);
    else reject(new Error('Cloudinary answered neither a result nor an error'));
  };
}

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
