import type { Storage } from '@stowage/core';
import { createFileHandler, createUploadHandler, toNodeHandler } from '@stowage/core/http';
import { MAX_IMAGE_BYTES } from '@stowage/example-shared/media';
import type { RequestHandler } from 'express';

/**
 * Serves the storage's files under `basePath` (GET, HEAD) and, when `signingSecret` is set,
 * receives the signed direct uploads the disk driver hands out (PUT).
 */
export function mediaRoute(
  storage: Storage,
  basePath: string,
  signingSecret: string | undefined,
  onError: (error: unknown) => void,
  options: { privateKeys?: (key: string) => boolean } = {},
): RequestHandler {
  const files = toNodeHandler(createFileHandler(storage, { basePath, signingSecret, onError }));
  const uploads = signingSecret
    ? toNodeHandler(
        createUploadHandler(storage, {
          basePath,
          signingSecret,
          maxSize: MAX_IMAGE_BYTES,
          onError,
        }),
      )
    : undefined;
  return (req, res, next) => {
    const key = safeDecode(req.path.slice(1));
    if (key === undefined || options.privateKeys?.(key)) {
      res.status(404).type('text').send('Not found.\n');
      return;
    }
    (req.method === 'PUT' && uploads ? uploads : files)(req, res, next);
  };
}

function safeDecode(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}
