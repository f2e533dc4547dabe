import type { Capabilities } from '../../capabilities.js';
import type { Driver } from '../../driver-types.js';
import { StorageError } from '../../errors.js';
import { encodeKeyPath, joinUrl, signedUrlFor, signingWindow } from '../../signing.js';
import { DiskContext } from './context.js';
import { describeKey, getObject, listKeys } from './read.js';
import { copyObject, deleteObject, deletePrefixed, moveObject, putObject } from './write.js';

const DRIVER_NAME = 'disk';

export interface DiskOptions {
  /** Folder that holds the objects; created when missing. Nothing outside it is ever touched. */
  root: string;
  /** Where `createFileHandler` serves the root, e.g. `/media` or `https://app.example.com/media`. */
  publicBaseUrl?: string;
  /** Secret for signed URLs and signed uploads; a list allows rotation (the first signs). */
  signingSecret?: string | readonly string[];
  /** Where `createUploadHandler` receives signed uploads (default: `publicBaseUrl`, method PUT). */
  uploadBaseUrl?: string;
  /** fsync each file before it is renamed into place (survives power loss; slower). Default false. */
  durable?: boolean;
}

/**
 * Stores objects as plain files under `root`, so an existing media folder works as it is.
 * Writes go to a temporary file in the target folder and are renamed into place: readers never see
 * half a file, and a failed or aborted write leaves nothing behind.
 */
export function disk(options: DiskOptions): Driver {
  if (!options || typeof options.root !== 'string' || options.root.trim() === '') {
    throw new StorageError(
      'CONFIG',
      'disk() needs a `root` folder, e.g. disk({ root: "./media" }).',
      { driver: DRIVER_NAME, operation: 'config' },
    );
  }
  const secrets = options.signingSecret === undefined ? [] : [options.signingSecret].flat();
  if (secrets.some((s) => typeof s !== 'string' || s.length < 16)) {
    throw new StorageError(
      'CONFIG',
      'disk() signingSecret must be a string of at least 16 characters (or a list of them).',
      { driver: DRIVER_NAME, operation: 'config' },
    );
  }
  const publicBaseUrl = options.publicBaseUrl?.replace(/\/+$/, '');
  const uploadBaseUrl = (options.uploadBaseUrl ?? options.publicBaseUrl)?.replace(/\/+$/, '');
  const canSign = secrets.length > 0 && publicBaseUrl !== undefined;
  const capabilities: Capabilities = {
    rangeRead: true,
    list: true,
    copy: true,
    move: true,
    publicUrl: publicBaseUrl !== undefined,
    signedUrl: canSign,
    signedUpload: canSign && uploadBaseUrl !== undefined,
    visibility: true,
    conditionalWrite: true,
    metadata: true,
    transforms: false,
  };
  const ctx = new DiskContext(options.root, options.durable === true);

  return {
    name: DRIVER_NAME,
    capabilities,

    put: (key, body, o) => putObject(ctx, key, body, o),
    get: (key, o) => getObject(ctx, key, o),
    head: (key) => ctx.withKey(key, (safe) => describeKey(ctx, safe, key)),
    delete: (key) => deleteObject(ctx, key),
    deletePrefix: (prefix) => deletePrefixed(ctx, prefix),
    list: (o) => listKeys(ctx, o),
    copy: (from, to, o) => copyObject(ctx, from, to, o),
    move: (from, to, o) => moveObject(ctx, from, to, o),

    url(key) {
      return joinUrl(publicBaseUrl!, encodeKeyPath(key));
    },

    async signedUrl(key, o) {
      return signedUrlFor(
        publicBaseUrl!,
        {
          method: 'GET',
          key,
          expires: signingWindow(o.expiresIn).expires,
          responseContentDisposition: o.contentDisposition,
          responseContentType: o.contentType,
        },
        secrets[0]!,
      );
    },

    async signedUpload(key, o) {
      const expires = Math.floor(Date.now() / 1000) + o.expiresIn;
      return {
        method: 'PUT' as const,
        url: signedUrlFor(
          uploadBaseUrl!,
          { method: 'PUT', key, expires, uploadContentType: o.contentType, maxSize: o.maxSize },
          secrets[0]!,
        ),
        headers: (o.contentType ? { 'content-type': o.contentType } : {}) as Record<string, string>,
        fields: {},
        expiresAt: new Date(expires * 1000),
      };
    },
  };
}
