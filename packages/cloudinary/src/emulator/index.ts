import { randomBytes, randomInt } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AccountSettings, NEW_ACCOUNT } from './account.js';
import { AssetStore } from './asset-store.js';
import { ChunkAssembler } from './chunked-uploads.js';
import type { EmulatorState } from './emulator-state.js';
import { AdminRateLimit, FailureQueue } from './failures.js';
import { createRequestListener } from './server.js';
import type {
  CloudinaryEmulator,
  CloudinaryEmulatorOptions,
  FailureInjection,
  RecordedRequest,
} from './types.js';

export type {
  CloudinaryEmulator,
  CloudinaryEmulatorOptions,
  EmulatorApiKind,
  FailureInjection,
  RecordedRequest,
  SignatureAlgorithm,
} from './types.js';

const randomApiKey = (): string =>
  String(randomInt(1, 10)) + Array.from({ length: 14 }, () => String(randomInt(0, 10))).join('');

/**
 * Starts a local Cloudinary API emulator on 127.0.0.1 that the official `cloudinary` SDK talks to
 * over plain HTTP: the Upload API (upload incl. chunked, destroy, rename, explicit, download URLs),
 * the Admin API (ping, resource, resources incl. `public_ids[]`, delete_resources[_by_prefix], all)
 * and delivery URLs. Assets live in memory. It never logs; no answer or recorded request holds the
 * secret.
 *
 * The SDK picks `http` or `https` when it loads, from `CLOUDINARY_URL`. So either set
 * `CLOUDINARY_URL` to {@link CloudinaryEmulator.cloudinaryUrl} before the SDK is first imported, or
 * pass `{ upload_prefix: emu.url, agent: new http.Agent(), cloud_name, api_key, api_secret }` to
 * every API call (without the http `agent`: ERR_INVALID_PROTOCOL). Delivery URLs:
 * `cloudinary.url(id, { cloud_name, secure: false, cname: '127.0.0.1:PORT' })`.
 *
 * By default it answers as a NEW account does (see account.ts for each rule and its source): PDF
 * and ZIP delivery blocked, dynamic folders, 500 Admin API calls an hour then 420, context up to
 * 255 characters, refused file extensions, special characters in public ids replaced. Options
 * switch each to another account's setting; {@link CloudinaryEmulator.adminCalls} counts the
 * Admin API calls.
 *
 * Where it differs from Cloudinary: only the transformations of @stowage/images are applied (when
 * it is installed; otherwise the original is served), `X-Emulator-Transformation` names them; a
 * signed URL serves a `private` original; `secure_url` is http.
 *
 * @example
 * const emu = await startCloudinaryEmulator();
 * const opts = { upload_prefix: emu.url, agent: new http.Agent(), cloud_name: emu.cloudName,
 *   api_key: emu.apiKey, api_secret: emu.apiSecret };
 * await cloudinary.api.resource('id', opts);
 * await emu.close();
 */
export async function startCloudinaryEmulator(
  options: CloudinaryEmulatorOptions = {},
): Promise<CloudinaryEmulator> {
  const cloudName = options.cloudName ?? 'demo';
  if (!/^[A-Za-z0-9_-]+$/.test(cloudName)) {
    throw new TypeError(`cloudName must be letters, digits, _ or -, got '${cloudName}'`);
  }
  const apiKey = options.apiKey ?? randomApiKey();
  const apiSecret = options.apiSecret ?? randomBytes(20).toString('base64url');
  if (apiKey === '' || apiSecret === '')
    throw new TypeError('apiKey and apiSecret must not be empty');
  const account: AccountSettings = {
    allowPdfZipDelivery: options.allowPdfZipDelivery ?? NEW_ACCOUNT.allowPdfZipDelivery,
    retainContextOnOverwrite:
      options.retainContextOnOverwrite ?? NEW_ACCOUNT.retainContextOnOverwrite,
    folderMode: options.folderMode ?? NEW_ACCOUNT.folderMode,
    adminRateLimit: options.adminRateLimit ?? NEW_ACCOUNT.adminRateLimit,
    contextLimit: options.contextLimit ?? NEW_ACCOUNT.contextLimit,
    replacedCharacters: options.replacedCharacters ?? NEW_ACCOUNT.replacedCharacters,
  };
  if (!(account.adminRateLimit >= 0)) throw new TypeError('adminRateLimit must be >= 0');
  const state: EmulatorState = {
    cloudName,
    apiKey,
    apiSecret,
    algorithms: options.signatureAlgorithm ? [options.signatureAlgorithm] : ['sha1', 'sha256'],
    signingAlgorithm: options.signatureAlgorithm ?? 'sha1',
    baseUrl: '',
    store: new AssetStore(),
    chunks: new ChunkAssembler(),
    failures: new FailureQueue(),
    rateLimit: new AdminRateLimit(account.adminRateLimit),
    account,
  };
  const requests: RecordedRequest[] = [];
  const server = createServer(createRequestListener(state, requests));
  // A malformed request line or header gets a plain 400 instead of an unhandled error.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  state.baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: state.baseUrl,
    cloudName,
    apiKey,
    apiSecret,
    cloudinaryUrl: `cloudinary://${encodeURIComponent(apiKey)}:${encodeURIComponent(apiSecret)}@${cloudName}?upload_prefix=${state.baseUrl}`,
    requests,
    get adminCalls() {
      return state.rateLimit.calls;
    },
    failNext(failure: FailureInjection): void {
      state.failures.add(failure);
    },
    reset(): void {
      state.store.clear();
      state.chunks.clear();
      state.failures.clear();
      state.rateLimit.reset();
      requests.length = 0;
    },
    close(): Promise<void> {
      if (!server.listening) return Promise.resolve();
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
