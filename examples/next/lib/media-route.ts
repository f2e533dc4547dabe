import { createFileHandler, createUploadHandler, type WebHandler } from '@stowage/core/http';
import { isPrivateKey } from '@stowage/example-shared/config';
import { MAX_IMAGE_BYTES } from '@stowage/example-shared/media';
import { app } from './context';

const notFound = async () => new Response('Not found.\n', { status: 404 });

/**
 * Route handlers serving the storage under `basePath`: GET and HEAD with `createFileHandler`, PUT
 * (the disk driver's signed direct uploads) with `createUploadHandler`. Made on the first request,
 * not at import, so that `next build` needs no storage settings.
 */
export function mediaRoute(basePath: '/media' | '/media-proxy') {
  let handlers: { files: WebHandler; uploads: WebHandler | undefined } | undefined;
  const get = () => {
    if (handlers) return handlers;
    const { storage, signingSecret, mediaProxyPath } = app();
    const served = basePath === '/media' ? storage.driver === 'disk' : mediaProxyPath === basePath;
    const onError = (error: unknown) => console.error(error);
    const secret = basePath === '/media' ? signingSecret : undefined;
    handlers = {
      files: served
        ? createFileHandler(storage, { basePath, signingSecret: secret, onError })
        : notFound,
      uploads:
        served && secret
          ? createUploadHandler(storage, {
              basePath,
              signingSecret: secret,
              maxSize: MAX_IMAGE_BYTES,
              onError,
            })
          : undefined,
    };
    return handlers;
  };
  const files: WebHandler = (request) => {
    // Ticket files are private: the media proxy (which serves whatever it is asked) never sends them.
    if (basePath === '/media-proxy' && isPrivateKey(keyOf(request, basePath))) return notFound();
    return get().files(request);
  };
  const uploads: WebHandler = (request) => (get().uploads ?? notFound)(request);
  return { GET: files, HEAD: files, PUT: uploads };
}

function keyOf(request: Request, basePath: string): string {
  const path = new URL(request.url).pathname.slice(basePath.length + 1);
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
