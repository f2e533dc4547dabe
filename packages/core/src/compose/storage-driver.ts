import type {
  DriverCopyOptions,
  DriverGetOptions,
  DriverObject,
  DriverPutOptions,
} from '../driver-types.js';
import type { CopyOptions, GetOptions, ObjectInfo, PutOptions, StoredObject } from '../types.js';

/**
 * Shared by the wrappers in this folder (`prefixed`, `mirror`, `withoutPublicUrls`): each one is a Driver over other
 * Storages, put back behind the facade by `createStorage`, so keys, options and capabilities are
 * checked once, as for any driver.
 */

/** The facade's put options for what a driver was asked to put. */
export function putOptionsOf(options: DriverPutOptions): PutOptions {
  return {
    contentType: options.contentType,
    cacheControl: options.cacheControl,
    contentDisposition: options.contentDisposition,
    metadata: options.metadata,
    visibility: options.visibility,
    onConflict: options.ifNoneMatch ? 'fail' : 'overwrite',
    signal: options.signal,
  };
}

/** The facade's get options for what a driver was asked to get. */
export function getOptionsOf(options: DriverGetOptions): GetOptions {
  return { range: options.range, signal: options.signal, readAll: options.readAll };
}

/** The facade's copy/move options for what a driver was asked to copy or move. */
export function copyOptionsOf(options: DriverCopyOptions): CopyOptions {
  return { onConflict: options.ifNoneMatch ? 'fail' : 'overwrite', signal: options.signal };
}

/** The put options that reproduce a stored object elsewhere (a copy to another storage). */
export function putOptionsFor(
  info: ObjectInfo,
  ifNoneMatch: boolean,
  keepVisibility: boolean,
  signal?: AbortSignal,
): PutOptions {
  return {
    contentType: info.contentType,
    cacheControl: info.cacheControl,
    contentDisposition: info.contentDisposition,
    metadata: info.metadata,
    visibility: keepVisibility ? info.visibility : undefined,
    onConflict: ifNoneMatch ? 'fail' : 'overwrite',
    signal,
  };
}

/** A facade object seen as a driver's, its key replaced by `key`. */
export function driverObjectOf(found: StoredObject, key: string): DriverObject {
  const { body, bytes, text: _text, json: _json, range, ...info } = found;
  return {
    info: { ...info, key },
    ...(range ? { range } : {}),
    body: () => body(),
    bytes: () => bytes(),
  };
}
