import { isStorageError, StorageError, type StorageOperation } from '@stowage/core';
import { CONTEXT_KEYS, legacyRecordedKey } from './asset-info.js';
import { type AssetIdentity, AssetKeys, type AssetLocation, keyFromTags } from './asset-key.js';
import type { DeliveryConfig } from './delivery-url.js';
import { createObservingAgent, type ObservingAgent } from './http-agent.js';
import { mapCloudinaryError } from './map-error.js';
import type { ResolvedOptions } from './options.js';
import { type CloudinaryResource, SdkCalls } from './sdk-call.js';

export const DRIVER_NAME = 'cloudinary';

/** Delay before the one retry of an idempotent Admin API read. */
const RETRY_DELAY_MS = 300;

/** Everything the driver's operations share. */
export class DriverContext {
  readonly keys: AssetKeys;
  readonly sdk: SdkCalls;
  readonly delivery: DeliveryConfig;
  private readonly http: ObservingAgent;

  constructor(readonly options: ResolvedOptions) {
    // The `folder` option is core's prefixedDriver() around this driver (cloudinary-driver.ts).
    this.keys = new AssetKeys(options.escapeKeys);
    this.http = createObservingAgent(options.uploadPrefix);
    this.delivery = {
      baseUrl: options.deliveryBaseUrl,
      cloudName: options.cloudName,
      apiSecret: options.apiSecret,
    };
    this.sdk = new SdkCalls(
      {
        upload_prefix: options.uploadPrefix,
        agent: this.http.agent,
        cloud_name: options.cloudName,
        api_key: options.apiKey,
        api_secret: options.apiSecret,
        timeout: options.timeout,
      },
      (error) => this.mapError(error),
    );
  }

  /** Maps any failure, with the secret redacted and the last rate-limit headers. */
  mapError(error: unknown, operation?: StorageOperation, key?: string): StorageError {
    const mapped = mapCloudinaryError(error, {
      operation,
      key,
      secrets: [this.options.apiSecret],
      rateLimit: this.http.lastRateLimit(),
    });
    mapped.driver ??= DRIVER_NAME;
    return mapped;
  }

  /** A StorageError of this driver. */
  error(code: StorageError['code'], message: string, key?: string): StorageError {
    return new StorageError(code, message, { driver: DRIVER_NAME, key });
  }

  /** The key that owns a resource (undefined for none). */
  keyOf(resource: CloudinaryResource): string | undefined {
    return this.keys.keyOf(identityOf(resource));
  }

  /**
   * Admin API: the resource at `location`, or undefined when there is none. Retried once after a
   * server error or a network failure (a read is safe to repeat); rate limits are not retried.
   */
  async lookup(location: AssetLocation): Promise<CloudinaryResource | undefined> {
    const read = () =>
      this.sdk.resource(location.resourceType, location.publicId, this.options.deliveryType);
    try {
      return await retryOnce(read);
    } catch (error) {
      if (isStorageError(error, 'NOT_FOUND')) return undefined;
      throw error;
    }
  }

  /** Admin API calls this driver has made: what its operations cost against the hourly limit. */
  get adminCalls(): number {
    return this.sdk.adminCalls;
  }

  close(): void {
    this.http.agent.destroy();
  }
}

/** What the key mapping needs of a resource. */
export function identityOf(resource: CloudinaryResource): AssetIdentity {
  return {
    public_id: resource.public_id,
    resource_type: resource.resource_type,
    format: resource.format,
    recordedExtension: resource.context[CONTEXT_KEYS.extension],
    recordedKey: keyFromTags(resource.tags) ?? legacyRecordedKey(resource.context),
  };
}

/** Runs `read`, and once more after a short pause when it failed in a retryable way. */
export async function retryOnce<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!isStorageError(error) || !error.retryable || error.code === 'RATE_LIMITED') throw error;
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    return read();
  }
}
