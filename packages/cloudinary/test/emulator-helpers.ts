import { createHash } from 'node:crypto';
import http from 'node:http';
import { type CloudinaryOptions, cloudinary as cloudinaryDriver } from '@stowage/cloudinary';
import type { CloudinaryEmulator } from '@stowage/cloudinary/emulator';
import { createStorage, isStorageError, type Storage, type StorageError } from '@stowage/core';
import { v2 as cloudinary, type UploadApiOptions, type UploadApiResponse } from 'cloudinary';

export { cloudinary };

/** A valid 1x1 PNG. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

export const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');

/** The per-call options that point the SDK's API calls at the emulator over plain HTTP. */
export function apiOptions(emu: CloudinaryEmulator, agent: http.Agent) {
  return {
    upload_prefix: emu.url,
    agent,
    cloud_name: emu.cloudName,
    api_key: emu.apiKey,
    api_secret: emu.apiSecret,
  };
}

/** The per-call options that make `cloudinary.url` build URLs on the emulator. */
export function urlOptions(emu: CloudinaryEmulator) {
  return {
    cloud_name: emu.cloudName,
    api_secret: emu.apiSecret,
    secure: false,
    cname: new URL(emu.url).host,
    urlAnalytics: false,
  };
}

export const newAgent = (): http.Agent => new http.Agent();

/** `upload_stream` as a promise. */
export function uploadBuffer(data: Buffer, options: UploadApiOptions): Promise<UploadApiResponse> {
  return new Promise((resolve, reject) => {
    const stream = cloudinary.uploader.upload_stream(options, (error, result) => {
      if (error) reject(error);
      else if (result) resolve(result);
      else reject(new Error('upload_stream gave neither error nor result'));
    });
    stream.end(data);
  });
}

/** `upload_chunked_stream` as a promise. */
export function uploadChunked(data: Buffer, options: UploadApiOptions): Promise<UploadApiResponse> {
  return new Promise((resolve, reject) => {
    const stream = cloudinary.uploader.upload_chunked_stream(options, (error, result) => {
      if (error) reject(error);
      else if (result) resolve(result);
      else reject(new Error('upload_chunked_stream gave neither error nor result'));
    });
    stream.end(data);
  });
}

/** GET (or another method) returning status, headers and the body bytes. */
export async function fetchBytes(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const response = await fetch(url, init);
  return {
    status: response.status,
    headers: response.headers,
    body: Buffer.from(await response.arrayBuffer()),
  };
}

/**
 * The SDK's typings for `destroy` and `rename` list no per-call credentials, though the code reads
 * them; widened to `object`, the options pass the typings' weak-type check.
 */
export const untyped = (options: object): object => options;

/** A storage of the driver on the emulator, with these options on top. */
export function emulatorStorage(
  emu: CloudinaryEmulator,
  options: Partial<CloudinaryOptions> = {},
): Storage {
  return createStorage(
    cloudinaryDriver({
      cloudName: emu.cloudName,
      apiKey: emu.apiKey,
      apiSecret: emu.apiSecret,
      uploadPrefix: emu.url,
      deliveryUrl: emu.url,
      ...options,
    } as CloudinaryOptions),
  );
}

/** The StorageError `run` fails with (anything else is rethrown; success fails the test). */
export async function storageError(run: () => unknown): Promise<StorageError> {
  try {
    await run();
  } catch (error) {
    if (isStorageError(error)) return error;
    throw error;
  }
  throw new Error('expected a StorageError');
}
